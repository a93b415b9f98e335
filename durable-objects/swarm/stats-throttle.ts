// When a swarm pushes its counts to the directory: at most once per interval, whatever the peers do (a
// trailing push carries the final state), only counted as done once the write succeeded, and retried with a
// growing back-off after a failure. Layer: pure logic; the clock is an argument.
import type { SwarmCounts } from "../../protocol/tracker";

export const STATS_MIN_INTERVAL_MS = 5_000;
/** A failed push is retried after one interval, then after twice as long each time, up to 12 intervals. */
const RETRY_MAX_INTERVALS = 12;

export class StatsThrottle {
  private lastPushed: SwarmCounts | null = null;
  private lastPushAt = -Infinity;
  private retryAt = -Infinity;
  private retryDelayMs: number;

  constructor(private readonly minIntervalMs = STATS_MIN_INTERVAL_MS) {
    this.retryDelayMs = minIntervalMs;
  }

  /** `now` to push now, a later time to push then, or null when the directory already shows `counts`. */
  due(now: number, counts: SwarmCounts): number | null {
    if (this.lastPushed && sameCounts(this.lastPushed, counts)) return null;
    return Math.max(now, this.lastPushAt + this.minIntervalMs, this.retryAt);
  }

  /** The write of `counts`, started at `startedAt`, succeeded. */
  pushed(startedAt: number, counts: SwarmCounts): void {
    this.lastPushed = { ...counts };
    this.lastPushAt = startedAt;
    this.retryAt = -Infinity;
    this.retryDelayMs = this.minIntervalMs;
  }

  /** The write failed: the counts stay due, no sooner than the back-off allows. */
  failed(now: number): void {
    this.retryAt = now + this.retryDelayMs;
    this.retryDelayMs = Math.min(RETRY_MAX_INTERVALS * this.minIntervalMs, this.retryDelayMs * 2);
  }

  /** Whether the directory is known to show `counts`. */
  settled(counts: SwarmCounts): boolean {
    return this.lastPushed !== null && sameCounts(this.lastPushed, counts);
  }
}

function sameCounts(a: SwarmCounts, b: SwarmCounts): boolean {
  return a.complete === b.complete && a.incomplete === b.incomplete && a.downloaded === b.downloaded;
}
