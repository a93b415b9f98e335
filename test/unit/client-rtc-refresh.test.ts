import type WebTorrent from "webtorrent";
import { describe, expect, it } from "vitest";
import type { RtcConfig } from "../../protocol/rtc-config";
import { keepRtcConfigFresh, refreshDelayMs, retryDelayMs, setClientIceServers, type Timers } from "../../client/lib/rtc-refresh";

/** A clock that moves only when told; runs due timers in order. */
class FakeTimers implements Timers {
  now = 0;
  private next = 1;
  private readonly pending = new Map<number, { at: number; run: () => void }>();

  setTimeout(run: () => void, ms: number): unknown {
    const id = this.next++;
    this.pending.set(id, { at: this.now + ms, run });
    return id;
  }

  clearTimeout(handle: unknown): void {
    this.pending.delete(handle as number);
  }

  /** Moves the clock by `ms`, running what falls due and letting each run's promises settle. */
  async advance(ms: number): Promise<void> {
    const until = this.now + ms;
    for (;;) {
      const due = [...this.pending.entries()].filter(([, t]) => t.at <= until).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.pending.delete(due[0]);
      this.now = due[1].at;
      due[1].run();
      await settle();
    }
    this.now = until;
    await settle();
  }

  get scheduled(): number[] {
    return [...this.pending.values()].map((t) => t.at);
  }
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

const turn = (username: string) => [{ urls: "turn:turn.test:3478?transport=udp", username, credential: `c-${username}` }];
const reply = (username: string, ttlSeconds?: number): RtcConfig => ({ iceServers: turn(username), ...(ttlSeconds ? { ttlSeconds } : {}) });

describe("the refresh rule", () => {
  it("fetches again after 80% of the credential's lifetime", () => {
    expect(refreshDelayMs(3600)).toBe(2_880_000);
    expect(refreshDelayMs(60)).toBe(48_000);
    expect(refreshDelayMs(0.5)).toBe(1_000); // never a busy loop
  });

  it("retries a failed fetch after a twentieth of the lifetime, between 1 and 30 s", () => {
    expect(retryDelayMs(3600)).toBe(30_000);
    expect(retryDelayMs(300)).toBe(15_000);
    expect(retryDelayMs(10)).toBe(1_000);
  });
});

describe("keeping a client's ICE servers fresh", () => {
  it("renews before expiry, then on the lifetime of each new reply", async () => {
    const timers = new FakeTimers();
    const applied: string[] = [];
    const replies = [reply("second", 100), reply("third", 3600)];
    const stop = keepRtcConfigFresh({
      ttlSeconds: 3600,
      fetch: async () => replies.shift()!,
      apply: (servers) => applied.push(servers[0]!.username!),
      timers,
    });
    await timers.advance(2_879_999);
    expect(applied).toEqual([]);
    await timers.advance(1);
    expect(applied).toEqual(["second"]);
    expect(timers.scheduled).toEqual([2_880_000 + 80_000]);
    await timers.advance(80_000);
    expect(applied).toEqual(["second", "third"]);
    stop();
    expect(timers.scheduled).toEqual([]);
  });

  it("retries a failed fetch well before the credential in use expires, and reports it", async () => {
    const timers = new FakeTimers();
    const applied: string[] = [];
    const errors: unknown[] = [];
    let calls = 0;
    keepRtcConfigFresh({
      ttlSeconds: 600,
      fetch: async () => {
        calls++;
        if (calls === 1) throw new Error("server unreachable");
        return reply("fresh", 600);
      },
      apply: (servers) => applied.push(servers[0]!.username!),
      onError: (error) => errors.push(error),
      timers,
    });
    await timers.advance(480_000); // 80% of 600 s: first try fails
    expect(errors).toHaveLength(1);
    expect(applied).toEqual([]);
    await timers.advance(30_000); // retry after min(30 s, 5% of 600 s)
    expect(applied).toEqual(["fresh"]);
    expect(timers.now).toBeLessThan(600_000);
  });

  it("does nothing for a reply without a lifetime (static ICE servers)", async () => {
    const timers = new FakeTimers();
    keepRtcConfigFresh({ ttlSeconds: undefined, fetch: async () => reply("x"), apply: () => undefined, timers });
    expect(timers.scheduled).toEqual([]);
  });

  it("stops renewing once the deployment stops minting", async () => {
    const timers = new FakeTimers();
    const applied: number[] = [];
    keepRtcConfigFresh({ ttlSeconds: 100, fetch: async () => ({ iceServers: [] }), apply: (s) => applied.push(s.length), timers });
    await timers.advance(80_000);
    expect(applied).toEqual([0]);
    expect(timers.scheduled).toEqual([]);
  });

  it("applies nothing after it was stopped, even from a fetch already under way", async () => {
    const timers = new FakeTimers();
    const applied: string[] = [];
    let answer: (config: RtcConfig) => void = () => undefined;
    const stop = keepRtcConfigFresh({
      ttlSeconds: 100,
      fetch: () => new Promise((resolve) => (answer = resolve)),
      apply: (servers) => applied.push(servers[0]!.username!),
      timers,
    });
    await timers.advance(80_000);
    stop();
    answer(reply("late", 100));
    await settle();
    expect(applied).toEqual([]);
    expect(timers.scheduled).toEqual([]);
  });
});

describe("handing fresh ICE servers to a WebTorrent client", () => {
  it("replaces the list inside the rtcConfig object every tracker already holds", () => {
    const rtcConfig = { iceServers: turn("old") };
    const client = { tracker: { rtcConfig } } as unknown as WebTorrent;
    const heldByATracker = client.tracker ? client.tracker.rtcConfig : null;
    setClientIceServers(client, turn("new"));
    expect(heldByATracker).toBe(rtcConfig);
    expect(rtcConfig.iceServers[0]!.username).toBe("new");
  });
});
