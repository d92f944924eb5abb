// Outgoing email. One function for the whole app; the transport is chosen by configuration
// (SMTP_URL in production; the local SMTP sink that `npm start` runs by default).
// This file is the agreed interface; lib/email owns the transport, templates and the sink.

export type EmailMessage = {
  to: string;
  subject: string;
  /** Plain-text body; always sent. */
  text: string;
  /** Optional HTML alternative. */
  html?: string;
};

export type SendEmail = (message: EmailMessage) => Promise<void>;

let transport: SendEmail | undefined;

/** Replaced by lib/email's transport set-up (SMTP via nodemailer). */
export function setEmailTransport(send: SendEmail): void {
  transport = send;
}

export async function sendEmail(message: EmailMessage): Promise<void> {
  if (!transport) {
    const nodemailer = await import("nodemailer");
    const url = process.env.SMTP_URL ?? "smtp://127.0.0.1:1025";
    const t = nodemailer.createTransport(url);
    const from = process.env.EMAIL_FROM ?? "Metered <no-reply@localhost>";
    transport = async (m) => {
      await t.sendMail({ from, to: m.to, subject: m.subject, text: m.text, html: m.html });
    };
  }
  await transport(message);
}
