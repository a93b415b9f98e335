// Recent cost probes of single words (rules/search-cost.ts), kept for a minute. Layer: pure logic, the clock a
// parameter. A word's share of the newest entries changes slowly, and a heavy query is typically sent again
// and again (or with its words reshuffled): each word probed once a minute, not on every search, saves ~0.3 ms
// of D1 per word and index (eight words: ~10 ms of a 30 ms search).
import type { ProbeCounts } from "./search-cost";

export type CachedProbe = { counts: ProbeCounts; probed: number };

export class ProbeCache {
  private readonly entries = new Map<string, CachedProbe & { at: number }>();

  constructor(
    private readonly limit = 4096,
    private readonly ttlMs = 60_000,
  ) {}

  /** The probe of `match` taken less than ttlMs before `now`, if any. */
  get(match: string, now: number): CachedProbe | undefined {
    const entry = this.entries.get(match);
    if (!entry) return undefined;
    if (now - entry.at >= this.ttlMs || now < entry.at) {
      this.entries.delete(match);
      return undefined;
    }
    return { counts: entry.counts, probed: entry.probed };
  }

  /** Keeps a probe; beyond `limit` words the oldest kept is dropped (Map order is insertion order). */
  set(match: string, probe: CachedProbe, now: number): void {
    this.entries.delete(match);
    this.entries.set(match, { ...probe, at: now });
    while (this.entries.size > this.limit) this.entries.delete(this.entries.keys().next().value!);
  }

  get size(): number {
    return this.entries.size;
  }
}
