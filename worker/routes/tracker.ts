// Tracker endpoints. WebSocket: `/announce/<hash>` sockets go to their swarm's object; `/announce` sockets are
// held by the worker and multiplexed onto the swarm objects (durable-objects/announce-mux.ts). HTTP (desktop
// clients): `GET /announce[/<hash>]?…` and `GET /scrape[/<hash>]?…`, bencoded. A private tracker's URLs carry
// a key: `/announce/k/<key>[/<hash>]`, `/scrape/k/<key>[/<hash>]`. Layer: adapter (resolve and forward).
import { Hono, type Context } from "hono";
import { AnnounceMux } from "../../durable-objects/announce-mux";
import { bencodedFailure, httpAnnounce, httpScrape } from "../../durable-objects/http-announce";
import { refusingSocket } from "../../durable-objects/refusing-socket";
import { INFO_HASH_HEADER, REMOTE_ADDR_HEADER } from "../../durable-objects/socket-host";
import { allowedOrigins, originAllowed } from "../../durable-objects/swarm/access-policy";
import { trackerKeyValid } from "../../durable-objects/tracker-keys";
import { meter } from "../../durable-objects/usage";
import { HexId } from "../../protocol/ids";
import type { Env } from "../env";
import { httpError } from "../errors";

type AppContext = Context<{ Bindings: Env }>;

export const trackerRoutes = new Hono<{ Bindings: Env }>();

const isUpgrade = (request: Request) => request.headers.get("Upgrade")?.toLowerCase() === "websocket";

/** The client's address: Cloudflare sets cf-connecting-ip (clients cannot); locally it is loopback. */
function clientAddress(request: Request): string {
  return request.headers.get("cf-connecting-ip") ?? "127.0.0.1";
}

function rawQuery(c: AppContext): string {
  return new URL(c.req.url).search;
}

/** The info hash a URL names, or a 400 for one that is not 40 hex characters. */
function pathInfoHash(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const parsed = HexId.safeParse(value);
  if (!parsed.success) throw httpError(400, "bad_info_hash", "info hash must be 40 hexadecimal characters");
  return parsed.data;
}

/**
 * Why this request may not use the tracker (a private tracker's key, a browser origin not allowed), or null.
 * Checked per connection for sockets, per request for HTTP.
 */
async function gateRefusal(c: AppContext, key: string | undefined): Promise<string | null> {
  if (c.env.TRACKER_PRIVATE === "1") {
    if (key === undefined) return "this is a private tracker: announce with your key (/announce/k/<key>)";
    if (!(await trackerKeyValid(c.env.DB, key, Date.now()))) return "unknown or revoked tracker key";
  } else if (key !== undefined) {
    return "this tracker takes no keys: announce on /announce";
  }
  if (isUpgrade(c.req.raw) && !originAllowed(allowedOrigins(c.env.ALLOWED_ORIGINS), c.req.header("origin") ?? null)) {
    return "sockets from this web page's origin are not allowed by this tracker";
  }
  return null;
}

/** HTTP announces are rate limited per address, as sockets are per connection. */
async function overRateLimit(c: AppContext): Promise<boolean> {
  const limiter = c.env.ANNOUNCE_LIMITER;
  if (!limiter) return false;
  return !(await limiter.limit({ key: clientAddress(c.req.raw) })).success;
}

async function announce(c: AppContext, key: string | undefined, hashParam: string | undefined): Promise<Response> {
  const infoHash = pathInfoHash(hashParam);
  const refusal = await gateRefusal(c, key);
  if (!isUpgrade(c.req.raw)) {
    if (refusal) return bencodedFailure(refusal);
    if (await overRateLimit(c)) return bencodedFailure("rate limit exceeded: announce less often", 1);
    return httpAnnounce({
      env: c.env,
      query: rawQuery(c),
      addr: clientAddress(c.req.raw),
      pathInfoHash: infoHash,
      trustIpParam: c.env.TRUST_IP_PARAM === "1",
    });
  }
  // A refused socket still gets the protocol's answer (a failure reason), which clients show to their users.
  if (refusal) return refusingSocket(refusal);
  if (infoHash === undefined) {
    // One socket for any number of swarms, held here, one upstream socket per swarm it announces in.
    const [client, server] = Object.values(new WebSocketPair()) as [WebSocket, WebSocket];
    new AnnounceMux(server, c.env, clientAddress(c.req.raw));
    return new Response(null, { status: 101, webSocket: client });
  }
  // A socket bound to one swarm lives in that swarm's object: offers and answers take no extra hop.
  const forwarded = new Request(c.req.raw);
  forwarded.headers.set(REMOTE_ADDR_HEADER, clientAddress(c.req.raw));
  forwarded.headers.set(INFO_HASH_HEADER, infoHash);
  meter.doRequests++;
  return c.env.SWARMS.get(c.env.SWARMS.idFromName(infoHash)).fetch(forwarded);
}

async function scrape(c: AppContext, key: string | undefined, hashParam: string | undefined): Promise<Response> {
  const infoHash = pathInfoHash(hashParam);
  const refusal = await gateRefusal(c, key);
  if (refusal) return bencodedFailure(refusal);
  if (await overRateLimit(c)) return bencodedFailure("rate limit exceeded: scrape less often", 1);
  return httpScrape(c.env, rawQuery(c), infoHash);
}

// Keyed routes first: `/announce/k/…` must not be read as an info hash.
trackerRoutes.get("/announce/k/:key", (c) => announce(c, c.req.param("key"), undefined));
trackerRoutes.get("/announce/k/:key/:infoHash", (c) => announce(c, c.req.param("key"), c.req.param("infoHash")));
trackerRoutes.get("/announce", (c) => announce(c, undefined, undefined));
trackerRoutes.get("/announce/:infoHash", (c) => announce(c, undefined, c.req.param("infoHash")));
trackerRoutes.get("/scrape/k/:key", (c) => scrape(c, c.req.param("key"), undefined));
trackerRoutes.get("/scrape/k/:key/:infoHash", (c) => scrape(c, c.req.param("key"), c.req.param("infoHash")));
trackerRoutes.get("/scrape", (c) => scrape(c, undefined, undefined));
trackerRoutes.get("/scrape/:infoHash", (c) => scrape(c, undefined, c.req.param("infoHash")));
