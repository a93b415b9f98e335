// Tracker endpoints: `/announce/<hash>` sockets go to their swarm's object; `/announce` sockets are held by
// the worker and multiplexed onto the swarm objects (durable-objects/announce-mux.ts). Layer: adapter
// (resolve and forward).
import { Hono } from "hono";
import { AnnounceMux } from "../../durable-objects/announce-mux";
import { INFO_HASH_HEADER, REMOTE_ADDR_HEADER } from "../../durable-objects/socket-host";
import { meter } from "../../durable-objects/usage";
import { HexId } from "../../protocol/ids";
import type { Env } from "../env";
import { httpError } from "../errors";

export const trackerRoutes = new Hono<{ Bindings: Env }>();

/** The one upgrade check: objects trust what the worker forwards (they are not reachable otherwise). */
function requireUpgrade(request: Request): void {
  if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
    throw httpError(426, "upgrade_required", "this is a WebSocket tracker: connect with ws:// or wss://");
  }
}

/** The client's address: Cloudflare sets cf-connecting-ip (clients cannot); locally it is loopback. */
function clientAddress(request: Request): string {
  return request.headers.get("cf-connecting-ip") ?? "127.0.0.1";
}

// One socket for any number of swarms, held here, one upstream socket per swarm it announces in.
trackerRoutes.get("/announce", (c) => {
  requireUpgrade(c.req.raw);
  const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
  new AnnounceMux(server, c.env, clientAddress(c.req.raw));
  return new Response(null, { status: 101, webSocket: client });
});

// A socket bound to one swarm lives in that swarm's object: offers and answers take no extra hop.
trackerRoutes.get("/announce/:infoHash", (c) => {
  const parsed = HexId.safeParse(c.req.param("infoHash"));
  if (!parsed.success) throw httpError(400, "bad_info_hash", "info hash must be 40 hexadecimal characters");
  requireUpgrade(c.req.raw);
  const forwarded = new Request(c.req.raw);
  forwarded.headers.set(REMOTE_ADDR_HEADER, clientAddress(c.req.raw));
  forwarded.headers.set(INFO_HASH_HEADER, parsed.data);
  meter.doRequests++;
  return c.env.SWARMS.get(c.env.SWARMS.idFromName(parsed.data)).fetch(forwarded);
});
