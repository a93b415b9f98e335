// The worker's bindings (wrangler.toml): the tracker's own (durable-objects/env.ts) and the rest. Layer: adapter.
import type { TrackerEnv } from "../durable-objects/env";

export interface Env extends TrackerEnv {
  /** Lab files (R2): what the central server hands out in the lab's cs and hybrid modes. */
  FILES: R2Bucket;
  /** When set, the lab runner may upload files to FILES with this bearer key; unset = uploads off. */
  LAB_KEY?: string;
  /** JSON array of RTCIceServer objects (STUN/TURN) handed to peers by GET /api/rtc-config. */
  ICE_SERVERS?: string;
  /** When set, publishing to the directory requires this key. */
  PUBLISH_KEY?: string;
  /** Writes (publish, patch, delete) per client address and period: wrangler.toml [[ratelimits]]. */
  PUBLISH_RATE_LIMIT: RateLimit;
}
