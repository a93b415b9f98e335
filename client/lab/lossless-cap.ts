// A rate cap that cannot lose capacity to late timers, for the lab's peers (speed-limiter's throttles) and its
// server pacer. Layer: client/lab, pure TypeScript (the clock and timers are passed in).
//
// Why: limiter's TokenBucket (under speed-limiter, under webtorrent's throttles) refills a bucket and drops
// every token beyond its size. Sized to one chunk, each timer that fires δ ms late loses δ ms of upload, so
// on a busy machine a cap u delivers about u·50/(50+δ). The bounds d_cs and d_p2p only rely on cumulative
// capacity — by time t an uploader has sent at most u·t — so that is what this cap enforces:
//   sent(t0, t) ≤ rate·(t − t0),
// with no credit at the start: a slice of S bytes leaves S/rate after it could start, when a link of that rate
// would have finished sending it, so no run can beat its bound by a head start. A late timer only delays
// bytes; the next release catches up. To keep idle time from being banked (a link idle for seconds would
// otherwise burst its whole credit), t0 moves to now after an idle spell longer than `idleMs` (nothing sent,
// nothing waiting) — which only ever lowers the allowance. `burst` is the slack the checks allow (records.ts).

/** A cumulative byte cap with re-anchoring after idle spells, and the time data spent waiting for it. */
export class CumulativeCap {
  /** Bytes per second. */
  readonly rate: number;
  /** Largest slice expected at once: the bucket's size, and the slack the cumulative checks allow. */
  readonly burst: number;
  /** An idle spell longer than this re-anchors t0 (ms). */
  readonly idleMs: number;
  private anchor: number;
  private sentSinceAnchor = 0;
  private lastActive: number;
  private waitingSince: number | null = null;
  private waited = 0;
  /** Bytes released since the cap was made (or reset). */
  sent = 0;

  constructor(rateBytesPerSecond: number, options: { burstBytes: number; idleMs?: number; now: number }) {
    if (!(rateBytesPerSecond > 0) || !Number.isFinite(rateBytesPerSecond)) throw new RangeError("rate must be finite and > 0");
    if (!(options.burstBytes > 0)) throw new RangeError("burst must be > 0");
    this.rate = rateBytesPerSecond;
    this.burst = options.burstBytes;
    this.idleMs = options.idleMs ?? 100;
    this.anchor = options.now;
    this.lastActive = options.now;
  }

  /** Starts afresh at `now` (a new run): nothing sent, nothing banked, waiting time zero. */
  reset(now: number): void {
    this.anchor = now;
    this.lastActive = now;
    this.sentSinceAnchor = 0;
    this.sent = 0;
    this.waited = 0;
    this.waitingSince = this.waitingSince === null ? null : now;
  }

  /** Bytes that may be released at `now`. */
  available(now: number): number {
    if (this.waitingSince === null && now - this.lastActive > this.idleMs && this.credit(now) > 0) {
      this.anchor = now; // idle: do not bank the spell
      this.sentSinceAnchor = 0;
    }
    return this.credit(now);
  }

  /** Releases `bytes` (the caller checked `available`; a cap may be overdrawn by a caller that did not). */
  take(bytes: number, now: number): void {
    this.sentSinceAnchor += bytes;
    this.sent += bytes;
    this.lastActive = now;
  }

  /** Milliseconds from `now` until `bytes` are available (0 if they are). */
  waitMs(bytes: number, now: number): number {
    const missing = bytes - this.available(now);
    return missing <= 0 ? 0 : (missing / this.rate) * 1000;
  }

  /** Data is waiting for tokens (true) or not (false) from `now`: counted, and no re-anchoring meanwhile. */
  setWaiting(waiting: boolean, now: number): void {
    if (waiting && this.waitingSince === null) this.waitingSince = now;
    else if (!waiting && this.waitingSince !== null) {
      this.waited += now - this.waitingSince;
      this.waitingSince = null;
      this.lastActive = now;
    }
  }

  /** Total time data waited for tokens (ms), the current spell included. */
  waitedMs(now: number): number {
    return this.waited + (this.waitingSince === null ? 0 : now - this.waitingSince);
  }

  private credit(now: number): number {
    return (this.rate * (now - this.anchor)) / 1000 - this.sentSinceAnchor;
  }
}

/** Timers and a millisecond clock; the real ones in the lab, fake ones in tests. */
export type CapClock = {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
};

type Waiter = { count: number; callback: (error: Error | null, remaining: number) => void };

/**
 * limiter's TokenBucket interface (what speed-limiter's ThrottleGroup and Throttle call) over a
 * CumulativeCap: requests wait in order, one timer wakes the head, and a late wake-up releases everything
 * that became due meanwhile.
 */
export class LosslessBucket {
  // Fields speed-limiter reads or writes: getRate() returns tokensPerInterval (it must stay > 0), setRate()
  // writes both. `content` mirrors the credit for anyone who looks.
  bucketSize: number;
  tokensPerInterval: number;
  interval = 1000;
  content = 0;
  parentBucket = null;
  private readonly queue: Waiter[] = [];
  private timer: unknown = null;

  constructor(
    readonly cap: CumulativeCap,
    private readonly clock: CapClock,
  ) {
    this.bucketSize = Math.max(1, Math.floor(cap.burst));
    this.tokensPerInterval = Math.max(1, Math.round(cap.rate));
  }

  /** Takes `count` now if no one waits before us and the cap allows. */
  tryRemoveTokens(count: number): boolean {
    if (this.queue.length > 0) return false; // first come, first served
    const now = this.clock.now();
    if (this.cap.available(now) < count) return false;
    this.cap.take(count, now);
    return true;
  }

  /** Takes `count` as soon as the cap allows, in request order; `callback` fires once they are taken. */
  removeTokens(count: number, callback: (error: Error | null, remaining: number) => void): boolean {
    if (count > this.bucketSize) this.bucketSize = count; // a slice larger than the burst still passes, at the rate
    if (this.tryRemoveTokens(count)) {
      queueMicrotask(() => callback(null, this.content));
      return true;
    }
    this.queue.push({ count, callback });
    this.cap.setWaiting(true, this.clock.now());
    this.schedule();
    return false;
  }

  drip(): void {
    this.content = this.cap.available(this.clock.now());
  }

  /** Stops the timer and fails whoever still waits (the throttle is going away). */
  destroy(): void {
    if (this.timer !== null) this.clock.clearTimeout(this.timer);
    this.timer = null;
    for (const w of this.queue.splice(0)) w.callback(new Error("cap destroyed"), 0);
    this.cap.setWaiting(false, this.clock.now());
  }

  private schedule(): void {
    if (this.timer !== null || this.queue.length === 0) return;
    const wait = this.cap.waitMs(this.queue[0]!.count, this.clock.now());
    this.timer = this.clock.setTimeout(() => this.release(), Math.max(1, Math.ceil(wait)));
  }

  private release(): void {
    this.timer = null;
    const now = this.clock.now();
    while (this.queue.length > 0 && this.cap.available(now) >= this.queue[0]!.count) {
      const w = this.queue.shift()!;
      this.cap.take(w.count, now);
      w.callback(null, this.cap.available(now));
    }
    if (this.queue.length === 0) this.cap.setWaiting(false, now);
    this.schedule();
  }
}
