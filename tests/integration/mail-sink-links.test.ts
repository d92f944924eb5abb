import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startMailSink, topLevelLinks, type MailSink } from "@/devtools/mail-sink/sink";
import { emails } from "@/lib/email/templates";

// The development inbox shows an email's HTML in a sandboxed frame. The app refuses to be
// framed (frame-ancestors 'none'), so the "Verify" button must open its link top-level (a
// new tab), not inside that frame, where it showed a broken page.

let sink: MailSink;
beforeAll(async () => {
  sink = await startMailSink({ smtpPort: 0, httpPort: 0 });
});
afterAll(() => sink?.stop());

const unescape = (s: string) => s.replace(/&(amp|lt|gt|quot|#39);/g, (_, e: string) => ({ amp: "&", lt: "<", gt: ">", quot: '"', "#39": "'" })[e]!);

describe("mail sink: links leave the frame", () => {
  it("the verification email's HTML opens its links in a new top-level tab", async () => {
    const { default: nodemailer } = await import("nodemailer");
    const link = "http://localhost:3000/verify-email?token=abc_DEF-123";
    await nodemailer.createTransport(sink.smtpUrl).sendMail({ from: "Metered <no-reply@localhost>", ...emails.verify("frame@example.test", link, 48) });
    const { messages } = (await (await fetch(`${sink.inboxUrl}/api/messages?to=frame@example.test`)).json()) as { messages: { id: number }[] };
    const page = await (await fetch(`${sink.inboxUrl}/messages/${messages[0].id}`)).text();

    const srcdoc = /<iframe [^>]*srcdoc="([^"]*)"/.exec(page)?.[1];
    expect(srcdoc).toBeDefined();
    const framed = unescape(srcdoc!);
    // The frame's document: a base target before any link, and the Verify link itself unchanged.
    expect(framed).toMatch(/^[\s\S]*<base target="_blank">[\s\S]*href="http:\/\/localhost:3000\/verify-email\?token=abc_DEF-123"/);
    expect(framed.indexOf('<base target="_blank">')).toBeLessThan(framed.indexOf("<a "));
    // The sandbox lets such a popup escape it (a normal tab, where the app loads).
    expect(page).toMatch(/<iframe sandbox="allow-popups allow-popups-to-escape-sandbox"/);
    // The text version's links are in the inbox page itself (top-level already).
    expect(page).toContain(`<a href="${link}">`);
  });

  it("puts the base target inside <head> when there is one, else first", () => {
    expect(topLevelLinks('<html><head lang="en"><title>x</title></head><body><a href="/v">V</a></body></html>')).toBe(
      '<html><head lang="en"><base target="_blank"><title>x</title></head><body><a href="/v">V</a></body></html>',
    );
    expect(topLevelLinks('<p><a href="/v">V</a></p>')).toBe('<base target="_blank"><p><a href="/v">V</a></p>');
  });
});
