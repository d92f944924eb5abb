import type { IncomingMessage } from "node:http";
import net from "node:net";
import { processSingleton } from "@/lib/process";
import { PEER_HEADER } from "./client-ip";

/**
 * Stamps every HTTP request this process serves with the socket's remote address under
 * PEER_HEADER, replacing whatever a client sent in that header, before Next.js sees it
 * (see ./client-ip.ts for why). Installed once per process from instrumentation-node.ts;
 * patching net.Server covers http and https servers alike.
 */
export function installPeerAddressHeader(): void {
  processSingleton("peer-address-header", () => {
    const emit = net.Server.prototype.emit;
    net.Server.prototype.emit = function (this: net.Server, event: string | symbol, ...args: unknown[]) {
      if (event === "request") {
        const req = args[0] as IncomingMessage;
        req.headers[PEER_HEADER] = req.socket?.remoteAddress ?? "";
      }
      return (emit as (...a: unknown[]) => boolean).call(this, event, ...args);
    } as typeof emit;
    return true;
  });
}
