// The bindings the tracker's Durable Objects use (wrangler.toml); the worker's own Env extends this, so the
// tracker never imports the worker. Layer: adapter.
import type { GatewayObject } from "./gateway-object";
import type { SwarmObject } from "./swarm-object";

export interface TrackerEnv {
  SWARMS: DurableObjectNamespace<SwarmObject>;
  GATEWAYS: DurableObjectNamespace<GatewayObject>;
  /** The directory's database: swarm objects push their counts to `swarm_stats`, scrape-all reads them. */
  DB: D1Database;
  /** Re-announce interval handed to clients, in seconds (default 120). */
  ANNOUNCE_INTERVAL_SECONDS?: string;
}

export function announceIntervalSeconds(env: Pick<TrackerEnv, "ANNOUNCE_INTERVAL_SECONDS">): number {
  const parsed = Number(env.ANNOUNCE_INTERVAL_SECONDS);
  return Number.isFinite(parsed) && parsed >= 1 ? Math.floor(parsed) : 120;
}
