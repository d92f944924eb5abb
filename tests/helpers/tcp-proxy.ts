import net from "node:net";

// A TCP proxy on loopback that a test can cut and restore, to take a dependency (the
// PostgreSQL server) away from the app without touching the real server:
//   cut()     destroys every open connection and refuses new ones (the listener closes, so
//             connecting gets ECONNREFUSED at once, as with a stopped server);
//   restore() listens again on the same port and forwards as before.

export type TcpProxy = {
  port: number;
  url: (targetUrl: string) => string;
  cut: () => Promise<void>;
  restore: () => Promise<void>;
  close: () => Promise<void>;
  connections: () => number;
};

export async function startTcpProxy(target: { host: string; port: number }): Promise<TcpProxy> {
  const open = new Set<net.Socket>();
  let port = 0;
  let server: net.Server | null = null;

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const s = net.createServer((client) => {
        const upstream = net.connect(target.port, target.host);
        open.add(client);
        open.add(upstream);
        const drop = () => {
          client.destroy();
          upstream.destroy();
          open.delete(client);
          open.delete(upstream);
        };
        client.on("error", drop).on("close", drop);
        upstream.on("error", drop).on("close", drop);
        client.pipe(upstream);
        upstream.pipe(client);
      });
      s.once("error", reject);
      s.listen(port, "127.0.0.1", () => {
        port = (s.address() as net.AddressInfo).port;
        server = s;
        resolve();
      });
    });

  await listen();
  const stop = () =>
    new Promise<void>((resolve) => {
      const s = server;
      server = null;
      for (const sock of open) sock.destroy();
      open.clear();
      if (!s) return resolve();
      s.close(() => resolve());
    });
  return {
    get port() {
      return port;
    },
    url: (targetUrl) => {
      const u = new URL(targetUrl);
      u.hostname = "127.0.0.1";
      u.port = String(port);
      return u.toString();
    },
    cut: stop,
    restore: async () => {
      if (server) return;
      // The port was ours a moment ago; retry briefly in case the kernel is slow to free it.
      for (let i = 0; ; i++) {
        try {
          return await listen();
        } catch (err) {
          if (i > 50) throw err;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    },
    close: stop,
    connections: () => open.size / 2,
  };
}
