// When a swarm should push its counts to the directory: throttled, but prompt on the changes people
// notice (a swarm gaining its first seeder, or becoming empty). Layer: pure logic.
import type { SwarmCounts } from "../../protocol/tracker";

export const STATS_MIN_INTERVAL_MS = 5_000;

export class StatsThrottle {
  private lastPushed: SwarmCounts | null = null;
  private lastPushAt = -Infinity;

  constructor(private readonly minIntervalMs = STATS_MIN_INTERVAL_MS) {}

  /** `now` to push immediately, a later time to push then, or null when the directory is up to date. */
  due(now: number, counts: SwarmCounts): number | null {
    const last = this.lastPushed;
    if (last && sameCounts(last, counts)) return null;
    const peers = counts.complete + counts.incomplete;
    const lastPeers = last ? last.complete + last.incomplete : 0;
    const urgent = !last || (peers === 0 && lastPeers > 0) || (counts.complete > 0 && last.complete === 0);
    if (urgent) return now;
    return Math.max(now, this.lastPushAt + this.minIntervalMs);
  }

  pushed(now: number, counts: SwarmCounts): void {
    this.lastPushed = { ...counts };
    this.lastPushAt = now;
  }
}

function sameCounts(a: SwarmCounts, b: SwarmCounts): boolean {
  return a.complete === b.complete && a.incomplete === b.incomplete && a.downloaded === b.downloaded;
}
