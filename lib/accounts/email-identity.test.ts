import { describe, expect, it } from "vitest";
import { isDisposableEmail } from "./disposable";
import { emailIdentity } from "./email-identity";

describe("email identity", () => {
  it("ignores case everywhere", () => {
    expect(emailIdentity(" Ada.Lovelace+x@Example.COM ")).toBe("ada.lovelace+x@example.com");
  });

  it("folds dots and plus-tags for Gmail, and googlemail.com into gmail.com", () => {
    const id = emailIdentity("ada@gmail.com");
    for (const alias of ["a.d.a@gmail.com", "ADA+1@gmail.com", "a.da+free.credit@googlemail.com", "ada@GoogleMail.com"]) {
      expect(emailIdentity(alias)).toBe(id);
    }
    expect(emailIdentity("adb@gmail.com")).not.toBe(id);
  });

  it("folds plus-tags (not dots) for providers that subaddress with +, dash-tags for Yahoo", () => {
    expect(emailIdentity("first.last+shop@outlook.com")).toBe("first.last@outlook.com");
    expect(emailIdentity("firstlast@outlook.com")).not.toBe(emailIdentity("first.last@outlook.com"));
    expect(emailIdentity("me+x@icloud.com")).toBe("me@icloud.com");
    expect(emailIdentity("me+x@fastmail.com")).toBe("me@fastmail.com");
    expect(emailIdentity("me-promo@yahoo.com")).toBe("me@yahoo.com");
  });

  it("leaves unknown domains alone: a+1@ and a@ may be different mailboxes there", () => {
    expect(emailIdentity("a+1@example.com")).toBe("a+1@example.com");
    expect(emailIdentity("a.b@example.com")).toBe("a.b@example.com");
  });

  it("knows disposable domains from the maintained list, subdomains of wildcard entries too", () => {
    expect(isDisposableEmail("x@mailinator.com")).toBe(true);
    expect(isDisposableEmail("x@MAILINATOR.com")).toBe(true);
    expect(isDisposableEmail("x@sub.33mail.com")).toBe(true);
    expect(isDisposableEmail("x@gmail.com")).toBe(false);
    expect(isDisposableEmail("x@example.com")).toBe(false);
  });
});
