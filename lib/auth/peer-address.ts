import type { IncomingMessage, ServerResponse } from "node:http";
import net from "node:net";
import { processSingleton } from "@/lib/process";
import { PEER_HEADER } from "./client-ip";

/** Takes a request before Next.js sees it: true when it answers it itself. */
export type DirectRoutes = (req: IncomingMessage, res: ServerResponse) => boolean;

/**
 * Stamps every HTTP request this process serves with the socket's remote address under
 * PEER_HEADER, replacing whatever a client sent in that header, before Next.js sees it
 * (see ./client-ip.ts for why). Installed once per process from instrumentation-node.ts;
 * patching net.Server covers http and https servers alike. `direct`, when given, is then
 * offered the request (the model API's routes served beside Next.js, app/v1/direct.ts);
 * what it does not take goes on to Next.js.
 */
export function installPeerAddressHeader(direct?: DirectRoutes): void {
  processSingleton("peer-address-header", () => {
    const emit = net.Server.prototype.emit;
    net.Server.prototype.emit = function (this: net.Server, event: string | symbol, ...args: unknown[]) {
      if (event === "request") {
        const req = args[0] as IncomingMessage;
        req.headers[PEER_HEADER] = req.socket?.remoteAddress ?? "";
        if (direct?.(req, args[1] as ServerResponse)) return true;
      }
      return (emit as (...a: unknown[]) => boolean).call(this, event, ...args);
    } as typeof emit;
    return true;
  });
}
