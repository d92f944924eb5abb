import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMailSink, type MailSink } from "@/devtools/mail-sink/sink";
import { emailConfigProblem } from "@/lib/email/config";
import { emails } from "@/lib/email/templates";
import { parseEnv } from "@/lib/env";

// The real SMTP path: nodemailer (lib/email) → the development mail sink
// (devtools/mail-sink) → its JSON endpoint and web inbox.

let sink: MailSink;
beforeAll(async () => {
  sink = await startMailSink({ smtpPort: 0, httpPort: 0 });
});
afterAll(() => sink?.stop());

describe("email over SMTP into the mail sink", () => {
  it("delivers text and HTML with absolute links, readable as JSON and in the browser inbox", async () => {
    const { default: nodemailer } = await import("nodemailer");
    const transport = nodemailer.createTransport(sink.smtpUrl);
    const m = emails.verify("dev@example.test", "http://localhost:3000/verify-email?token=abc_DEF-123", 48);
    await transport.sendMail({ from: "Metered <no-reply@localhost>", ...m });

    const { messages } = (await (await fetch(`${sink.inboxUrl}/api/messages?to=DEV@example.test`)).json()) as {
      messages: { id: number; subject: string; text: string; html: string; links: string[] }[];
    };
    expect(messages).toHaveLength(1);
    expect(messages[0].subject).toBe("Verify your email address for Metered");
    expect(messages[0].links).toEqual(["http://localhost:3000/verify-email?token=abc_DEF-123"]);
    expect(messages[0].html).toContain('href="http://localhost:3000/verify-email?token=abc_DEF-123"');

    const inbox = await (await fetch(sink.inboxUrl)).text();
    expect(inbox).toContain(`<a href="/messages/${messages[0].id}">Verify your email address for Metered</a>`);
    const page = await (await fetch(`${sink.inboxUrl}/messages/${messages[0].id}`)).text();
    expect(page).toContain('<a href="http://localhost:3000/verify-email?token=abc_DEF-123">');
    expect((await fetch(`${sink.inboxUrl}/messages/999`)).status).toBe(404);
  });

  it("escapes what it shows: a hostile subject or body cannot script the inbox", async () => {
    const { default: nodemailer } = await import("nodemailer");
    await nodemailer
      .createTransport(sink.smtpUrl)
      .sendMail({ from: "x@y", to: "victim@example.test", subject: "<script>alert(1)</script>", text: "<img src=x onerror=alert(1)>" });
    const inbox = await (await fetch(sink.inboxUrl)).text();
    expect(inbox).not.toContain("<script>alert(1)</script>");
    expect(inbox).toContain("&lt;script&gt;");
  });
});

describe("email configuration", () => {
  it("production without SMTP_URL refuses to start, naming the variable; a bad URL is refused", () => {
    expect(emailConfigProblem({ NODE_ENV: "production" })).toMatch(/SMTP_URL: required in production/);
    expect(emailConfigProblem({ NODE_ENV: "production", SMTP_URL: "smtps://u:p@smtp.example.com:465" })).toBeNull();
    expect(emailConfigProblem({ NODE_ENV: "development" })).toBeNull();
    expect(() => parseEnv({ SMTP_URL: "http://mail" })).toThrow(/SMTP_URL: must be an smtp:\/\/ or smtps:\/\/ URL/);
  });
});
