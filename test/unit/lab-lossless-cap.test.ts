// The lab's lossless cap (client/lab/lossless-cap.ts): cumulative bytes stay under rate·t (no head start), a
// late timer loses no capacity, idle time is not banked, and waiting for tokens is counted. Fake clock throughout.
import { describe, expect, it } from "vitest";
import { CumulativeCap, LosslessBucket, type CapClock } from "../../client/lab/lossless-cap";

/** A fake clock whose timers fire `late(dueMs)` ms after they are due. */
class LateClock implements CapClock {
  t = 0;
  private timers: { at: number; fn: () => void; id: number }[] = [];
  private nextId = 1;
  constructor(private readonly late: (due: number) => number = () => 0) {}
  now = () => this.t;
  setTimeout = (fn: () => void, ms: number) => {
    const id = this.nextId++;
    const due = this.t + ms;
    this.timers.push({ at: due + this.late(due), fn, id });
    return id;
  };
  clearTimeout = (id: unknown) => {
    this.timers = this.timers.filter((x) => x.id !== id);
  };
  /** Runs timers in order up to `until`, draining microtasks after each (as Node would). */
  async runUntil(until: number): Promise<void> {
    for (;;) {
      this.timers.sort((a, b) => a.at - b.at);
      const next = this.timers[0];
      if (!next || next.at > until) break;
      this.timers.shift();
      this.t = next.at;
      next.fn();
      await flush();
    }
    this.t = until;
  }
}

const flush = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

/** A sender like speed-limiter's Throttle: always one slice waiting; records (time, total sent) after each. */
function saturate(bucket: LosslessBucket, clock: LateClock, slice: number, trace: [number, number][]) {
  let sent = 0;
  let stopped = false;
  const next = () => {
    if (stopped) return;
    if (bucket.tryRemoveTokens(slice)) {
      sent += slice;
      trace.push([clock.now(), sent]);
      queueMicrotask(next);
      return;
    }
    bucket.removeTokens(slice, (error) => {
      if (error) return;
      sent += slice;
      trace.push([clock.now(), sent]);
      queueMicrotask(next);
    });
  };
  next();
  return {
    sent: () => sent,
    stop: () => (stopped = true),
  };
}

const RATE = 250_000; // bytes/s (2 Mbit/s)
const SLICE = 12_500; // one 50 ms chunk, as the old bucket was sized
const BURST = 12_500;

describe("the cumulative cap", () => {
  it("allows rate·t and no more: no head start", () => {
    const cap = new CumulativeCap(RATE, { burstBytes: BURST, now: 0 });
    expect(cap.available(0)).toBe(0);
    cap.setWaiting(true, 0); // data waiting: no re-anchoring
    expect(cap.available(1000)).toBe(RATE);
    cap.take(RATE, 1000);
    expect(cap.available(1000)).toBe(0);
  });

  it("does not bank an idle spell longer than idleMs", () => {
    const cap = new CumulativeCap(RATE, { burstBytes: BURST, idleMs: 100, now: 0 });
    expect(cap.available(5000)).toBe(0);
    cap.setWaiting(true, 5000); // data arrives: from now on the rate accrues
    expect(cap.available(5050)).toBeCloseTo((RATE * 50) / 1000, 6);
  });

  it("keeps what a late release left over when the sender comes straight back", () => {
    const cap = new CumulativeCap(RATE, { burstBytes: BURST, idleMs: 100, now: 0 });
    cap.setWaiting(true, 0);
    // the wake-up was due at 50 ms and came at 300 ms: 250 ms of credit are owed
    cap.setWaiting(false, 300);
    cap.take(SLICE, 300);
    expect(cap.available(300.5)).toBeCloseTo((RATE * 300.5) / 1000 - SLICE, 0);
    // and the sender can take it at once: 250 ms of sending owed, not lost
    expect(cap.available(300.5)).toBeGreaterThan(5 * SLICE);
  });
});

describe("the lossless bucket", () => {
  it("loses nothing to timers that fire late: a saturated sender gets rate·t within one slice", async () => {
    for (const lateMs of [0, 7, 40, 180]) {
      const clock = new LateClock(() => lateMs);
      const bucket = new LosslessBucket(new CumulativeCap(RATE, { burstBytes: BURST, now: 0 }), clock);
      const trace: [number, number][] = [];
      const sender = saturate(bucket, clock, SLICE, trace);
      await flush();
      await clock.runUntil(10_000);
      sender.stop();
      // limiter's one-slice bucket would have delivered about RATE·10·50/(50+late) here
      expect(sender.sent(), `late ${lateMs} ms`).toBeGreaterThanOrEqual(RATE * 10 - SLICE - (RATE * (lateMs + 1)) / 1000);
      // and the cap held at every release
      for (const [t, sent] of trace) expect(sent).toBeLessThanOrEqual((RATE * t) / 1000 + 1e-6);
    }
  });

  it("holds the cumulative cap with random lateness and several senders sharing it", async () => {
    let seed = 7;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const clock = new LateClock(() => random() * 120);
    const bucket = new LosslessBucket(new CumulativeCap(RATE, { burstBytes: BURST, now: 0 }), clock);
    const traces: [number, number][][] = [[], [], []];
    const slices = [4_000, 9_000, 16_384];
    const senders = slices.map((slice, i) => saturate(bucket, clock, slice, traces[i]!));
    await flush();
    const checkpoints = [1_000, 2_500, 6_000, 10_000];
    for (const until of checkpoints) {
      await clock.runUntil(until);
      const total = senders.reduce((a, s) => a + s.sent(), 0);
      expect(total).toBeLessThanOrEqual((RATE * until) / 1000 + 1e-6);
      // lateness only delays: at most the last wake-up's lateness (< 121 ms) and one slice of each sender behind
      expect(total).toBeGreaterThanOrEqual((RATE * (until - 121)) / 1000 - 3 * 16_384);
    }
    for (const s of senders) s.stop();
    // first come, first served: every sender got about as many slices through as the others
    const counts = senders.map((s, i) => s.sent() / slices[i]!);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
  });

  it("counts the time data waited for tokens, and none while idle", async () => {
    const clock = new LateClock();
    const cap = new CumulativeCap(RATE, { burstBytes: BURST, now: 0 });
    const bucket = new LosslessBucket(cap, clock);
    await clock.runUntil(2_000); // idle
    expect(cap.waitedMs(clock.now())).toBe(0);
    const sender = saturate(bucket, clock, SLICE, []);
    await flush();
    await clock.runUntil(5_000);
    sender.stop();
    expect(cap.waitedMs(clock.now())).toBeGreaterThan(2_900);
    expect(cap.waitedMs(clock.now())).toBeLessThanOrEqual(3_000);
  });

  it("serves requests in order: a small request does not overtake a waiting large one", async () => {
    const clock = new LateClock();
    const bucket = new LosslessBucket(new CumulativeCap(RATE, { burstBytes: BURST, now: 0 }), clock);
    clock.t = 50;
    expect(bucket.tryRemoveTokens(BURST)).toBe(true);
    const order: string[] = [];
    bucket.removeTokens(12_000, () => order.push("large"));
    expect(bucket.tryRemoveTokens(10)).toBe(false);
    bucket.removeTokens(10, () => order.push("small"));
    await clock.runUntil(1_000);
    await flush();
    expect(order).toEqual(["large", "small"]);
  });

  it("passes a slice larger than the burst at the rate instead of failing it", async () => {
    const clock = new LateClock();
    const bucket = new LosslessBucket(new CumulativeCap(RATE, { burstBytes: 1_000, now: 0 }), clock);
    let at = -1;
    bucket.removeTokens(50_000, (error) => (at = error ? -2 : clock.now()));
    await clock.runUntil(1_000);
    await flush();
    expect(at).toBeGreaterThanOrEqual((50_000 / RATE) * 1000 - 1);
    expect(at).toBeLessThanOrEqual((50_000 / RATE) * 1000 + 2);
  });
});
