// Scrape: counts for the asked swarms as their objects last pushed them to D1 (at most a push interval old;
// the asking socket's own swarm answers from memory), or the busiest live swarms for a scrape without
// info_hash. One D1 read, whatever the number of hashes: a scrape wakes no object and creates none.
// Layer: adapter.
import { TRACKER_LIMITS, scrapeReplyFrame, type SwarmCounts } from "../protocol/tracker";
import { liveSwarmStats, swarmStatsOf } from "./swarm-stats";

export async function scrapeFrame(
  db: D1Database,
  infoHashes: string[] | "all",
  local?: { infoHash: string; counts: SwarmCounts },
): Promise<string> {
  if (infoHashes === "all") return scrapeReplyFrame(await liveSwarmStats(db, TRACKER_LIMITS.maxScrapeHashes));
  const unique = [...new Set(infoHashes)];
  const others = unique.filter((hash) => hash !== local?.infoHash);
  const pushed = await swarmStatsOf(db, others);
  const files: Record<string, SwarmCounts> = {};
  for (const hash of unique) {
    files[hash] = hash === local?.infoHash ? local.counts : (pushed[hash] ?? { complete: 0, incomplete: 0, downloaded: 0 });
  }
  return scrapeReplyFrame(files);
}
