// Per-connection message rate limit. Layer: pure logic; the clock is an argument.

/** Over-limit messages are forgiven at this rate, so only sustained abuse adds up to a close. */
const VIOLATIONS_FORGIVEN_PER_SECOND = 1;

export class TokenBucket {
  private tokens: number;
  private updatedAt: number;
  violations = 0;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    now: number,
  ) {
    this.tokens = burst;
    this.updatedAt = now;
  }

  /** Takes one token; false when the caller is over its rate (and counts the violation). */
  take(now: number): boolean {
    const elapsed = Math.max(0, now - this.updatedAt) / 1000;
    this.tokens = Math.min(this.burst, this.tokens + elapsed * this.ratePerSecond);
    // A server stall delivers a well-behaved client's queued messages at once; that must not add up to a close.
    this.violations = Math.max(0, this.violations - elapsed * VIOLATIONS_FORGIVEN_PER_SECOND);
    this.updatedAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    this.violations++;
    return false;
  }
}
