import type { EmailMessage } from "./index";

// Every account email as plain text plus a simple HTML alternative. Links are absolute
// (built by the caller from APP_URL or the app's origin): a mail client has no base URL.

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

function message(to: string, subject: string, paragraphs: string[], action?: { label: string; url: string }): EmailMessage {
  const text = [...paragraphs, ...(action ? [`${action.label}: ${action.url}`] : []), "— Metered"].join("\n\n");
  const html = [
    `<div style="font-family:system-ui,sans-serif;max-width:560px;line-height:1.5">`,
    ...paragraphs.map((p) => `<p>${escapeHtml(p)}</p>`),
    ...(action
      ? [
          `<p><a href="${escapeHtml(action.url)}" style="display:inline-block;padding:10px 16px;background:#111;color:#fff;border-radius:6px;text-decoration:none">${escapeHtml(action.label)}</a></p>`,
          `<p style="color:#666;font-size:13px">Or paste this link into your browser: ${escapeHtml(action.url)}</p>`,
        ]
      : []),
    `<p style="color:#666">— Metered</p></div>`,
  ].join("\n");
  return { to, subject, text, html };
}

export const emails = {
  verify: (to: string, url: string, hours: number) =>
    message(
      to,
      "Verify your email address for Metered",
      [
        "Welcome to Metered. Confirm this is your address to finish setting up your account; your $10.00 of free credit is added when you do.",
        `The link works once and expires in ${hours} hours. If you did not sign up, ignore this email.`,
      ],
      { label: "Verify my email", url },
    ),
  signupExisting: (to: string, loginUrl: string, resetUrl: string) =>
    message(to, "Someone tried to sign up with your address", [
      "Someone (perhaps you) just tried to create a Metered account with this email address, which already has an account. No new account was created.",
      `To use your account, sign in: ${loginUrl}`,
      `Forgot your password? Reset it: ${resetUrl}`,
      "If this was not you, you can ignore this email.",
    ]),
  resetPassword: (to: string, url: string, minutes: number) =>
    message(
      to,
      "Reset your Metered password",
      [
        "Someone (perhaps you) asked to reset the password of your Metered account.",
        `The link works once and expires in ${minutes} minutes. Setting a new password signs you out everywhere. If you did not ask for this, ignore this email: your password stays as it is.`,
      ],
      { label: "Choose a new password", url },
    ),
  confirmNewEmail: (to: string, url: string, hours: number) =>
    message(
      to,
      "Confirm your new email address for Metered",
      [
        "You asked to change the email address of your Metered account to this one. It takes effect when you follow the link.",
        `The link works once and expires in ${hours} hours. If you did not ask for this, ignore this email.`,
      ],
      { label: "Confirm my new address", url },
    ),
  emailChangeRequested: (to: string, newEmail: string, settingsUrl: string) =>
    message(to, "Your Metered email address is being changed", [
      `Someone signed in to your Metered account asked to change its email address to ${newEmail}. It changes only once that address is confirmed.`,
      `If this was not you, change your password and sign out everywhere at once: ${settingsUrl}`,
    ]),
  emailChanged: (to: string, newEmail: string, resetUrl: string) =>
    message(to, "Your Metered email address was changed", [
      `The email address of your Metered account is now ${newEmail}; this address no longer signs in.`,
      `If this was not you, contact support and reset the password from the new address: ${resetUrl}`,
    ]),
  passwordChanged: (to: string, resetUrl: string) =>
    message(to, "Your Metered password was changed", [
      "The password of your Metered account was just changed, and every session was signed out.",
      `If this was not you, reset your password now: ${resetUrl}`,
    ]),
  organizationInvite: (to: string, organization: string, role: string, url: string) =>
    message(
      to,
      `You are invited to join ${organization} on Metered`,
      [
        `You are invited to join the organization “${organization}” on Metered as ${role}.`,
        `To accept, sign in (or sign up) with this address, ${to}, then follow the link. It works once and expires in 7 days. If you do not expect this, ignore this email.`,
      ],
      { label: "Accept the invitation", url },
    ),
  accountDeleted: (to: string) =>
    message(to, "Your Metered account was deleted", [
      "Your Metered account was deleted as you asked: its API keys were revoked and every session was signed out. Remaining credit was forfeited.",
    ]),
};
