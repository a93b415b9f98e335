// The worker's bindings (wrangler.toml). Layer: adapters.
import type { SwarmObject } from "../durable-objects/swarm-object";
import type { GatewayObject } from "../durable-objects/gateway-object";

export interface Env {
  SWARMS: DurableObjectNamespace<SwarmObject>;
  GATEWAYS: DurableObjectNamespace<GatewayObject>;
  DB: D1Database;
  /** Lab files (R2): what the central server hands out in the lab's cs and hybrid modes. */
  FILES: R2Bucket;
  /** When set, the lab runner may upload files to FILES with this bearer key; unset = uploads off. */
  LAB_KEY?: string;
  /** Re-announce interval handed to clients, in seconds (default 120). */
  ANNOUNCE_INTERVAL_SECONDS?: string;
  /** JSON array of RTCIceServer objects (STUN/TURN) handed to peers by GET /api/rtc-config. */
  ICE_SERVERS?: string;
  /** When set, publishing to the directory requires this key. */
  PUBLISH_KEY?: string;
}

export function announceIntervalSeconds(env: Env): number {
  const parsed = Number(env.ANNOUNCE_INTERVAL_SECONDS);
  return Number.isFinite(parsed) && parsed >= 1 ? Math.floor(parsed) : 120;
}
