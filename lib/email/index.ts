import { env } from "@/lib/env";
import { processSingleton } from "@/lib/process";

// Outgoing email. One function for the whole app; the transport is chosen by configuration:
// SMTP_URL (nodemailer) in production; `npm start` and the e2e server point SMTP_URL at the
// local mail sink (devtools/mail-sink) when none is configured. Production without SMTP_URL
// refuses to start (./config.ts, checked in instrumentation-node.ts).

export type EmailMessage = {
  to: string;
  subject: string;
  /** Plain-text body; always sent. */
  text: string;
  /** Optional HTML alternative. */
  html?: string;
};

export type SendEmail = (message: EmailMessage) => Promise<void>;

// The transport, created on first send. Tests put a recording one here, through this same
// registry entry (tests/helpers/mail.ts).
const state = processSingleton("email-transport", () => ({ send: undefined as SendEmail | undefined }));

export const DEFAULT_EMAIL_FROM = "Metered <no-reply@localhost>";
/** Where the development sink listens when nothing else is configured (`npm start`'s default). */
export const DEV_SMTP_URL = "smtp://127.0.0.1:1025";

async function smtpTransport(): Promise<SendEmail> {
  const nodemailer = await import("nodemailer");
  const url = env().SMTP_URL ?? DEV_SMTP_URL;
  const transport = nodemailer.createTransport(url);
  const from = env().EMAIL_FROM ?? DEFAULT_EMAIL_FROM;
  return async (m) => {
    await transport.sendMail({ from, to: m.to, subject: m.subject, text: m.text, html: m.html });
  };
}

export async function sendEmail(message: EmailMessage): Promise<void> {
  state.send ??= await smtpTransport();
  await state.send(message);
}

/**
 * Sends and logs a failure instead of throwing: account flows (sign-up, reset requests)
 * must answer the same whether or not the mail server is up, and each offers a resend.
 */
export async function trySendEmail(message: EmailMessage): Promise<boolean> {
  try {
    await sendEmail(message);
    return true;
  } catch (err) {
    console.error(`[email] sending "${message.subject}" failed: ${err instanceof Error ? err.message : String(err)}`);
    return false;
  }
}
