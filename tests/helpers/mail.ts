import type { EmailMessage, SendEmail } from "@/lib/email";
import "@/lib/email"; // creates the transport's process-wide slot
import { processValue } from "./process-state";

/** Replaces the app's email transport in this process (undefined: back to SMTP on the next send). */
export function setEmailTransport(send: SendEmail | undefined): void {
  processValue<{ send: SendEmail | undefined }>("email-transport").send = send;
}

// Records what the app would email, in this process (the real SMTP path is tested against
// the mail sink in tests/integration/email.test.ts).
export function recordEmails() {
  const sent: EmailMessage[] = [];
  setEmailTransport(async (m) => {
    sent.push(m);
  });
  return {
    sent,
    to: (address: string) => sent.filter((m) => m.to === address),
    /** The first link to `path` in the newest email to `address` whose subject matches. */
    link(address: string, subject: RegExp, path: string): string {
      const mail = [...sent].reverse().find((m) => m.to === address && subject.test(m.subject));
      if (!mail) throw new Error(`no email to ${address} matching ${subject}; sent: ${sent.map((m) => `${m.to}: ${m.subject}`).join("; ")}`);
      const link = (mail.text.match(/https?:\/\/\S+/g) ?? []).find((l) => new URL(l).pathname === path);
      if (!link) throw new Error(`no ${path} link in "${mail.subject}"`);
      return link;
    },
    token(address: string, subject: RegExp, path: string): string {
      return new URL(this.link(address, subject, path)).searchParams.get("token")!;
    },
    clear: () => void sent.splice(0),
    stop: () => setEmailTransport(undefined),
  };
}
