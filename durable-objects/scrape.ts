// Scrape: counts for the asked swarms, each read from its own Durable Object, or the busiest live swarms
// from D1 for a scrape without info_hash. Layer: adapter.
import { TRACKER_LIMITS, scrapeReplyFrame, type SwarmCounts } from "../protocol/tracker";
import type { TrackerEnv } from "./env";
import { liveSwarmStats } from "./swarm-stats";

export async function scrapeFrame(
  env: TrackerEnv,
  infoHashes: string[] | "all",
  local?: { infoHash: string; counts: SwarmCounts },
): Promise<string> {
  if (infoHashes === "all") return scrapeReplyFrame(await liveSwarmStats(env.DB, TRACKER_LIMITS.maxScrapeHashes));
  const unique = [...new Set(infoHashes)];
  const counts = await Promise.all(
    unique.map((hash) =>
      local && hash === local.infoHash ? local.counts : env.SWARMS.get(env.SWARMS.idFromName(hash)).counts(),
    ),
  );
  const files: Record<string, SwarmCounts> = {};
  unique.forEach((hash, i) => (files[hash] = counts[i]!));
  return scrapeReplyFrame(files);
}
