// The bindings the tracker uses (wrangler.toml on Cloudflare, the environment on other hosts); the worker's own
// Env extends these, so the tracker never imports the worker. Layer: adapter.
import { DEFAULT_SWARM_CAPS, type SwarmCaps } from "./swarm/swarm";
import type { SwarmObject } from "./swarm-object";

/** The tracker's settings and database, whichever host runs it. */
export interface TrackerSettings {
  /** The directory's database: swarm objects push their counts to `swarm_stats`, scrape-all reads them. */
  DB: D1Database;
  /** Re-announce interval handed to clients, in seconds (default 120). */
  ANNOUNCE_INTERVAL_SECONDS?: string;
  /** Peers one swarm holds at most (default 10000). */
  MAX_PEERS_PER_SWARM?: string;
  /** Connections one address may hold to one swarm (default 64: users behind one NAT share an address). */
  MAX_SOCKETS_PER_ADDRESS?: string;
  /** "1" turns on the cost probe route (`GET /internal/usage`), for the benchmark; never in production. */
  USAGE_PROBE?: string;
  /** Which torrents are served: "open" (default), "listed" (only those in the directory) or "allowlist". */
  TRACKER_ACCESS?: string;
  /** Seconds between activity reports of a busy swarm whose counts hold still (default 300; "0": never). */
  STATS_ACTIVITY_SECONDS?: string;
  /** Info hashes (40 hex, comma- or space-separated) always served / never served. */
  INFO_HASH_ALLOW?: string;
  INFO_HASH_DENY?: string;
}

/** On Cloudflare: the settings and the swarm objects' namespace. */
export interface TrackerEnv extends TrackerSettings {
  SWARMS: DurableObjectNamespace<SwarmObject>;
}

export type TrackerCaps = SwarmCaps & { maxSocketsPerAddress: number };

export const DEFAULT_MAX_SOCKETS_PER_ADDRESS = 64;

function positiveInteger(setting: string | undefined, fallback: number): number {
  const parsed = Number(setting);
  return setting !== undefined && setting.trim() !== "" && Number.isFinite(parsed) && parsed >= 1 ? Math.floor(parsed) : fallback;
}

/** The activity report beat (see SwarmCore); "0" turns the beat off. */
export function activityReportSeconds(env: Pick<TrackerEnv, "STATS_ACTIVITY_SECONDS">): number {
  return env.STATS_ACTIVITY_SECONDS?.trim() === "0" ? 0 : positiveInteger(env.STATS_ACTIVITY_SECONDS, 300);
}

export function announceIntervalSeconds(env: Pick<TrackerEnv, "ANNOUNCE_INTERVAL_SECONDS">): number {
  return positiveInteger(env.ANNOUNCE_INTERVAL_SECONDS, 120);
}

/** The configurable caps (wrangler.toml [vars]); a setting that is not a positive integer keeps the default. */
export function trackerCaps(env: TrackerSettings): TrackerCaps {
  return {
    maxPeers: positiveInteger(env.MAX_PEERS_PER_SWARM, DEFAULT_SWARM_CAPS.maxPeers),
    maxPeersPerSocket: DEFAULT_SWARM_CAPS.maxPeersPerSocket,
    maxSocketsPerAddress: positiveInteger(env.MAX_SOCKETS_PER_ADDRESS, DEFAULT_MAX_SOCKETS_PER_ADDRESS),
  };
}
