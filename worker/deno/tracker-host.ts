// The tracker's sockets on Deno: upgraded here (Deno.upgradeWebSocket) and handed to the in-process host
// (durable-objects/in-process/), where each frame goes straight to its swarm's core. Layer: adapter (the host
// behind worker/routes/tracker.ts on Deno).
import { CLOSE_CODES } from "../../protocol/tracker";
import { closeQuietly } from "../../durable-objects/connection-guard";
import { TrackerConnection } from "../../durable-objects/in-process/tracker-connection";
import type { SwarmRegistry } from "../../durable-objects/in-process/swarm-registry";
import { admissionRefused, refuseOnFirstFrame } from "../../durable-objects/refusing-socket";
import type { Env } from "../env";
import type { TrackerHost } from "../routes/tracker";
import { Deno } from "./runtime";

export type InProcessTracker = TrackerHost<Env> & {
  /** The app sees a copy of each request (with the client's address added); Deno upgrades only the original. */
  upgradesOf(copy: Request, original: Request): void;
  /** Closes every client socket with 1012, so that clients reconnect (to the restarted server) at once. */
  closeAll(): void;
};

export function inProcessTracker(registry: SwarmRegistry<WebSocket>): InProcessTracker {
  const open = new Set<WebSocket>();
  const originals = new WeakMap<Request, Request>();
  const upgrade = (request: Request) => {
    const { socket, response } = Deno.upgradeWebSocket(originals.get(request) ?? request);
    // The guard answers binary frames with a failure reason; an ArrayBuffer's size is known without reading it.
    socket.binaryType = "arraybuffer";
    return { socket, response };
  };
  return {
    acceptSocket(c, infoHash, addr) {
      // As a swarm object does: refused before the upgrade, so nothing is held for it.
      const refusal = infoHash === undefined ? null : registry.admission(infoHash, addr);
      if (refusal) return admissionRefused(refusal);
      const { socket, response } = upgrade(c.req.raw);
      const connection =
        infoHash === undefined ? TrackerConnection.multiplexed(registry, socket, addr) : TrackerConnection.bound(registry, socket, addr, infoHash);
      open.add(socket);
      socket.addEventListener("message", (event) => connection.frame(event.data));
      socket.addEventListener("close", (event) => {
        open.delete(socket);
        connection.closedWith(event.code);
      });
      socket.addEventListener("error", () => connection.closedWith(CLOSE_CODES.internalError));
      return response;
    },
    refuseSocket(c, reason) {
      const { socket, response } = upgrade(c.req.raw);
      refuseOnFirstFrame(socket, reason);
      return response;
    },
    announce: () => (request) => registry.httpAnnounce(request),
    upgradesOf(copy, original) {
      if (original.headers.get("upgrade")?.toLowerCase() === "websocket") originals.set(copy, original);
    },
    closeAll() {
      for (const socket of open) closeQuietly(socket, CLOSE_CODES.serviceRestart, "tracker restarted: reconnect");
      open.clear();
    },
  };
}
