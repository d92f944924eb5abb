import http from "node:http";
import type { AddressInfo } from "node:net";
import { simpleParser } from "mailparser";
import { SMTPServer } from "smtp-server";

// A development mail sink: an SMTP server that accepts every message (no auth, no TLS,
// loopback only) and keeps the last few hundred in memory, plus a small web inbox to read
// them in a browser and a JSON endpoint that tests read links from. Not production code:
// `npm start` and the e2e server run it when SMTP_URL is unset.

export type SunkMail = {
  id: number;
  receivedAt: string;
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string | null;
  /** Every http(s) link in the text body, in order. */
  links: string[];
};

export type MailSink = {
  smtpUrl: string;
  inboxUrl: string;
  messages: () => SunkMail[];
  stop: () => Promise<void>;
};

const KEEP = 500;

export async function startMailSink(opts: { host?: string; smtpPort?: number; httpPort?: number } = {}): Promise<MailSink> {
  const host = opts.host ?? "127.0.0.1";
  const mails: SunkMail[] = [];
  let nextId = 1;

  const smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    banner: "Metered development mail sink",
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          const text = parsed.text ?? "";
          mails.push({
            id: nextId++,
            receivedAt: new Date().toISOString(),
            from: parsed.from?.text ?? String(session.envelope.mailFrom && session.envelope.mailFrom.address),
            to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
            subject: parsed.subject ?? "",
            text,
            html: typeof parsed.html === "string" ? parsed.html : null,
            links: text.match(/https?:\/\/[^\s<>"')]+/g) ?? [],
          });
          if (mails.length > KEEP) mails.splice(0, mails.length - KEEP);
          callback();
        })
        .catch((err: Error) => callback(err));
    },
  });
  await new Promise<void>((resolve, reject) => {
    smtp.once("error", reject);
    smtp.listen(opts.smtpPort ?? 1025, host, () => resolve());
  });
  const smtpPort = (smtp.server.address() as AddressInfo).port;

  const web = http.createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://sink");
    if (url.pathname === "/api/messages" && req.method === "DELETE") {
      mails.length = 0;
      return send(res, 204, "application/json", "");
    }
    if (url.pathname === "/api/messages") {
      const to = url.searchParams.get("to")?.toLowerCase();
      const list = to ? mails.filter((m) => m.to.includes(to)) : mails;
      return send(res, 200, "application/json", JSON.stringify({ messages: [...list].reverse() }));
    }
    const one = url.pathname.match(/^\/messages\/(\d+)$/);
    if (one) {
      const m = mails.find((x) => x.id === Number(one[1]));
      return m
        ? send(res, 200, "text/html; charset=utf-8", messagePage(m))
        : send(res, 404, "text/plain", "No such message (the sink keeps the last 500, in memory).");
    }
    if (url.pathname === "/") return send(res, 200, "text/html; charset=utf-8", inboxPage([...mails].reverse()));
    send(res, 404, "text/plain", "Not found");
  });
  await new Promise<void>((resolve, reject) => {
    web.once("error", reject);
    web.listen(opts.httpPort ?? 1080, host, () => resolve());
  });
  const httpPort = (web.address() as AddressInfo).port;

  return {
    smtpUrl: `smtp://${host}:${smtpPort}`,
    inboxUrl: `http://${host === "0.0.0.0" ? "localhost" : host}:${httpPort}`,
    messages: () => [...mails],
    stop: async () => {
      await new Promise<void>((r) => smtp.close(() => r()));
      web.closeAllConnections();
      await new Promise<void>((r) => web.close(() => r()));
    },
  };
}

function send(res: http.ServerResponse, status: number, type: string, body: string) {
  res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
  res.end(body);
}

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

const STYLE = `body{font-family:system-ui,sans-serif;max-width:900px;margin:24px auto;padding:0 16px;color:#111}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:6px 8px;border-bottom:1px solid #ddd;vertical-align:top}
pre{white-space:pre-wrap;word-break:break-word;background:#f6f6f6;padding:12px;border-radius:6px}
.muted{color:#666}iframe{width:100%;min-height:360px;border:1px solid #ddd;border-radius:6px}`;

function inboxPage(list: SunkMail[]): string {
  const rows = list
    .map(
      (m) =>
        `<tr><td class="muted">${esc(m.receivedAt.replace("T", " ").slice(0, 19))}</td><td>${esc(m.to.join(", "))}</td>` +
        `<td><a href="/messages/${m.id}">${esc(m.subject || "(no subject)")}</a></td></tr>`,
    )
    .join("\n");
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Mail sink · Metered</title><style>${STYLE}</style></head><body>
<h1>Development inbox</h1>
<p class="muted">Every email the app sends while SMTP_URL is unset lands here (newest first, last ${KEEP}, kept in memory until the sink stops). JSON: <a href="/api/messages">/api/messages</a>. <a href="/">Refresh</a></p>
${list.length ? `<table><thead><tr><th>Received (UTC)</th><th>To</th><th>Subject</th></tr></thead><tbody>${rows}</tbody></table>` : "<p>No mail yet.</p>"}
</body></html>`;
}

/**
 * The email's HTML as shown in the inbox's frame, with every link opening top-level (a new
 * tab, `<base target="_blank">`): the app refuses to be framed (frame-ancestors 'none'), so
 * a "Verify" button followed inside the frame would show a broken page.
 */
export function topLevelLinks(html: string): string {
  const base = '<base target="_blank">';
  const head = /<head(\s[^>]*)?>/i.exec(html);
  if (head) return html.slice(0, head.index + head[0].length) + base + html.slice(head.index + head[0].length);
  return base + html;
}

function messagePage(m: SunkMail): string {
  const linked = esc(m.text).replace(/https?:\/\/[^\s<>"')]+/g, (u) => `<a href="${u}">${u}</a>`);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${esc(m.subject)} · Mail sink</title><style>${STYLE}</style></head><body>
<p><a href="/">← Inbox</a></p>
<h1>${esc(m.subject || "(no subject)")}</h1>
<p class="muted">From ${esc(m.from)} to ${esc(m.to.join(", "))}, ${esc(m.receivedAt)}</p>
<h2>Text</h2><pre data-testid="mail-text">${linked}</pre>
${m.html ? `<h2>HTML</h2><iframe sandbox="allow-popups allow-popups-to-escape-sandbox" srcdoc="${esc(topLevelLinks(m.html))}" title="HTML version"></iframe>` : ""}
</body></html>`;
}
