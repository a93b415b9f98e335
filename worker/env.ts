// The worker's bindings (wrangler.toml): the tracker's own (durable-objects/env.ts) and the rest. Routes read
// `Env`, which every host provides; only Cloudflare's adds the swarm objects' namespace. Layer: adapter.
import type { TrackerEnv, TrackerSettings } from "../durable-objects/env";

export interface Env extends TrackerSettings {
  /** Lab files (R2): what the central server hands out in the lab's cs and hybrid modes. */
  FILES: R2Bucket;
  /** When set, the lab runner may upload files to FILES with this bearer key; unset = uploads off. */
  LAB_KEY?: string;
  /** JSON array of RTCIceServer objects (STUN/TURN) handed to peers by GET /api/rtc-config. */
  ICE_SERVERS?: string;
  /** Secret shared with the TURN server (coturn `static-auth-secret`); set = mint short-lived TURN credentials. */
  TURN_SECRET?: string;
  /** Comma-separated turn:/turns: URLs the minted credentials are for. */
  TURN_URLS?: string;
  /** Lifetime of minted TURN credentials, seconds (default 3600, at most 86400). */
  TURN_TTL_SECONDS?: string;
  /** Per-address limit on minting TURN credentials (wrangler.toml `[[ratelimits]]`). */
  RTC_CONFIG_LIMITER?: RateLimit;
  /** When set, publishing to the directory requires this key. */
  PUBLISH_KEY?: string;
  /** "1": a private tracker, announces only with a key issued by the operator (`/announce/k/<key>`). */
  TRACKER_PRIVATE?: string;
  /** Bearer key for the operator's API (tracker keys); unset = that API is off. */
  ADMIN_KEY?: string;
  /** Browser origins allowed to open tracker sockets (comma-separated); unset = any. */
  ALLOWED_ORIGINS?: string;
  /** "1": an HTTP announce's `ip=` replaces the connecting address (only behind a proxy you trust). */
  TRUST_IP_PARAM?: string;
  /** Per-address limit of HTTP announces and scrapes (wrangler.toml [[ratelimits]]). */
  ANNOUNCE_LIMITER?: RateLimit;
  /** Largest torrent (bytes) a publisher may store at the edge as a web seed; default 1 GiB. */
  WEB_SEED_MAX_BYTES?: string;
  /** Writes (publish, patch, delete) per client address and period: wrangler.toml [[ratelimits]]. */
  PUBLISH_RATE_LIMIT: RateLimit;
}

/** Cloudflare's bindings: everything the routes read, and the swarm objects (worker/cloudflare.ts). */
export interface CloudflareEnv extends Env, TrackerEnv {}
