// Tracker endpoints: route each WebSocket to the object that will hold it. Layer: adapter (resolve and forward).
import { Hono } from "hono";
import { HexId } from "../../protocol/ids";
import { INFO_HASH_HEADER, REMOTE_ADDR_HEADER } from "../../durable-objects/socket-host";
import type { Env } from "../env";
import { httpError } from "../errors";

export const trackerRoutes = new Hono<{ Bindings: Env }>();

/** The one upgrade check: objects trust what the worker forwards (they are not reachable otherwise). */
function requireUpgrade(request: Request): void {
  if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
    throw httpError(426, "upgrade_required", "this is a WebSocket tracker: connect with ws:// or wss://");
  }
}

/** Forwards the upgrade with the client's address (Cloudflare sets cf-connecting-ip; locally it is loopback). */
function forward(request: Request, headers: Record<string, string>): Request {
  const forwarded = new Request(request);
  forwarded.headers.set(REMOTE_ADDR_HEADER, request.headers.get("cf-connecting-ip") ?? "127.0.0.1");
  for (const [name, value] of Object.entries(headers)) forwarded.headers.set(name, value);
  return forwarded;
}

// One socket for any number of swarms: it lives in its own gateway object, created near the client.
trackerRoutes.get("/announce", (c) => {
  requireUpgrade(c.req.raw);
  const gateway = c.env.GATEWAYS.get(c.env.GATEWAYS.newUniqueId());
  return gateway.fetch(forward(c.req.raw, {}));
});

// A socket bound to one swarm lives in that swarm's object: offers and answers take no extra hop.
trackerRoutes.get("/announce/:infoHash", (c) => {
  const parsed = HexId.safeParse(c.req.param("infoHash"));
  if (!parsed.success) throw httpError(400, "bad_info_hash", "info hash must be 40 hexadecimal characters");
  requireUpgrade(c.req.raw);
  const swarm = c.env.SWARMS.get(c.env.SWARMS.idFromName(parsed.data));
  return swarm.fetch(forward(c.req.raw, { [INFO_HASH_HEADER]: parsed.data }));
});
