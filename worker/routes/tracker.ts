// Tracker endpoints, whichever host serves them. WebSocket: `/announce` (any number of swarms) and
// `/announce/<hash>` (one swarm), handed to the host once the connection may use the tracker (on Cloudflare:
// worker/cloudflare.ts; in one process: worker/deno/). HTTP (desktop clients): `GET /announce[/<hash>]?…` and
// `GET /scrape[/<hash>]?…`, bencoded. A private tracker's URLs carry a key: `/announce/k/<key>[/<hash>]`,
// `/scrape/k/<key>[/<hash>]`. Layer: adapter (resolve and forward).
import { Hono, type Context } from "hono";
import { bencodedFailure, httpAnnounce, httpScrape, type AnnounceIntoSwarm } from "../../durable-objects/http-announce";
import { allowedOrigins, originAllowed } from "../../durable-objects/swarm/access-policy";
import { trackerKeyValid } from "../../durable-objects/tracker-keys";
import { HexId } from "../../protocol/ids";
import type { Env } from "../env";
import { httpError } from "../errors";

type AppContext<E extends Env = Env> = Context<{ Bindings: E }>;

/** Where a host keeps its swarms: how it takes a tracker socket, refuses one, and announces over HTTP. */
export type TrackerHost<E extends Env = Env> = {
  /** A socket that may use the tracker: a `/announce` one (no info hash) or one bound to `infoHash`. */
  acceptSocket(c: AppContext<E>, infoHash: string | undefined, addr: string): Response | Promise<Response>;
  /** A socket accepted only to answer its first frame with `reason` (durable-objects/refusing-socket.ts). */
  refuseSocket(c: AppContext<E>, reason: string): Response;
  /** HTTP announces go into the same swarms as sockets. */
  announce(c: AppContext<E>): AnnounceIntoSwarm;
};

const isUpgrade = (request: Request) => request.headers.get("Upgrade")?.toLowerCase() === "websocket";

/**
 * The client's address: Cloudflare sets cf-connecting-ip (clients cannot); a self-hosted server sets it the
 * same way from the connection or its trusted proxy (worker/deno/server.ts); under wrangler dev it is loopback.
 */
export function clientAddress(request: Request): string {
  return request.headers.get("cf-connecting-ip") ?? "127.0.0.1";
}

function rawQuery(request: Request): string {
  return new URL(request.url).search;
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
async function gateRefusal(env: Env, request: Request, key: string | undefined): Promise<string | null> {
  if (env.TRACKER_PRIVATE === "1") {
    if (key === undefined) return "this is a private tracker: announce with your key (/announce/k/<key>)";
    if (!(await trackerKeyValid(env.DB, key, Date.now()))) return "unknown or revoked tracker key";
  } else if (key !== undefined) {
    return "this tracker takes no keys: announce on /announce";
  }
  if (isUpgrade(request) && !originAllowed(allowedOrigins(env.ALLOWED_ORIGINS), request.headers.get("origin"))) {
    return "sockets from this web page's origin are not allowed by this tracker";
  }
  return null;
}

/** HTTP announces are rate limited per address, as sockets are per connection. */
async function overRateLimit(env: Env, request: Request): Promise<boolean> {
  const limiter = env.ANNOUNCE_LIMITER;
  if (!limiter) return false;
  return !(await limiter.limit({ key: clientAddress(request) })).success;
}

async function announce<E extends Env>(host: TrackerHost<E>, c: AppContext<E>, key: string | undefined, hashParam: string | undefined): Promise<Response> {
  const infoHash = pathInfoHash(hashParam);
  const refusal = await gateRefusal(c.env, c.req.raw, key);
  if (!isUpgrade(c.req.raw)) {
    if (refusal) return bencodedFailure(refusal);
    if (await overRateLimit(c.env, c.req.raw)) return bencodedFailure("rate limit exceeded: announce less often", 1);
    return httpAnnounce({
      announce: host.announce(c),
      query: rawQuery(c.req.raw),
      addr: clientAddress(c.req.raw),
      pathInfoHash: infoHash,
      trustIpParam: c.env.TRUST_IP_PARAM === "1",
    });
  }
  // A refused socket still gets the protocol's answer (a failure reason), which clients show to their users.
  if (refusal) return host.refuseSocket(c, refusal);
  return host.acceptSocket(c, infoHash, clientAddress(c.req.raw));
}

async function scrape(env: Env, request: Request, key: string | undefined, hashParam: string | undefined): Promise<Response> {
  const infoHash = pathInfoHash(hashParam);
  const refusal = await gateRefusal(env, request, key);
  if (refusal) return bencodedFailure(refusal);
  if (await overRateLimit(env, request)) return bencodedFailure("rate limit exceeded: scrape less often", 1);
  return httpScrape(env.DB, rawQuery(request), infoHash);
}

export function trackerRoutes<E extends Env>(host: TrackerHost<E>): Hono<{ Bindings: E }> {
  const routes = new Hono<{ Bindings: E }>();
  // Keyed routes first: `/announce/k/…` must not be read as an info hash.
  routes.get("/announce/k/:key", (c) => announce(host, c, c.req.param("key"), undefined));
  routes.get("/announce/k/:key/:infoHash", (c) => announce(host, c, c.req.param("key"), c.req.param("infoHash")));
  routes.get("/announce", (c) => announce(host, c, undefined, undefined));
  routes.get("/announce/:infoHash", (c) => announce(host, c, undefined, c.req.param("infoHash")));
  routes.get("/scrape/k/:key", (c) => scrape(c.env, c.req.raw, c.req.param("key"), undefined));
  routes.get("/scrape/k/:key/:infoHash", (c) => scrape(c.env, c.req.raw, c.req.param("key"), c.req.param("infoHash")));
  routes.get("/scrape", (c) => scrape(c.env, c.req.raw, undefined, undefined));
  routes.get("/scrape/:infoHash", (c) => scrape(c.env, c.req.raw, undefined, c.req.param("infoHash")));
  return routes;
}
