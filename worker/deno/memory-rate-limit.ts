// The Workers Rate Limiting binding (`limit({key})`, wrangler.toml `[[ratelimits]] simple = {limit, period}`)
// in memory, for a server that is one process: a fixed window per key. Bounded: at most `maxKeys` keys are
// counted at once; past that the oldest window is forgotten (its key starts afresh, which only errs towards
// letting a request through). Layer: adapter (no runtime API).

export class MemoryRateLimit implements RateLimit {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly options: { limit: number; periodSeconds: number; maxKeys?: number; now?: () => number },
  ) {}

  async limit({ key }: RateLimitOptions): Promise<RateLimitOutcome> {
    const now = (this.options.now ?? Date.now)();
    const periodMs = this.options.periodSeconds * 1000;
    let window = this.windows.get(key);
    if (!window || now - window.start >= periodMs) {
      this.windows.delete(key); // re-inserted last: the map stays in window order, oldest first
      window = { start: now, count: 0 };
      this.windows.set(key, window);
      if (this.windows.size > (this.options.maxKeys ?? 100_000)) this.windows.delete(this.windows.keys().next().value!);
    }
    window.count++;
    return { success: window.count <= this.options.limit };
  }
}
