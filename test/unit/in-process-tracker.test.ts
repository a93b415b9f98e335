// The in-process tracker host (durable-objects/in-process) in plain Node, with sockets that record what they
// are sent and a database that records the counts pushed to it: frames go to their swarm's core, a `/announce`
// socket joins swarms as it announces (within its limits), expiry runs on timers, and a swarm with nothing left
// is forgotten. The same host under real sockets and SQLite: the end-to-end suites on Deno.
// Type-checked with the Workers types (tsconfig.json), as the host it tests.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { TrackerConnection } from "../../durable-objects/in-process/tracker-connection";
import { SwarmRegistry } from "../../durable-objects/in-process/swarm-registry";
import { DEFAULT_SWARM_CAPS } from "../../durable-objects/swarm/swarm";
import { hexToBinary } from "../../protocol/ids";
import { TRACKER_LIMITS } from "../../protocol/tracker";

class FakeSocket {
  readyState = 1;
  readonly frames: Record<string, unknown>[] = [];
  closedWith: { code?: number; reason?: string } | null = null;
  send(frame: string): void {
    if (this.readyState !== 1) throw new Error("closed");
    this.frames.push(JSON.parse(frame) as Record<string, unknown>);
  }
  close(code?: number, reason?: string): void {
    this.readyState = 3;
    this.closedWith ??= { code, reason };
  }
  take(): Record<string, unknown>[] {
    return this.frames.splice(0);
  }
}

/** The directory's database as the tracker uses it: count pushes recorded, reads empty. */
class FakeDb {
  readonly pushes: { infoHash: string; complete: number; incomplete: number }[] = [];
  prepare(sql: string) {
    const db = this;
    let params: unknown[] = [];
    const statement = {
      bind(...values: unknown[]) {
        params = values;
        return statement;
      },
      async run() {
        if (sql.includes("INSERT INTO swarm_stats")) db.pushes.push({ infoHash: params[0] as string, complete: params[1] as number, incomplete: params[2] as number });
        return { success: true, results: [], meta: { rows_written: 1, changes: 1 } };
      },
      async all() {
        return { success: true, results: [], meta: {} };
      },
      async first() {
        return null;
      },
    };
    return statement;
  }
}

const hex = (c: string) => c.repeat(40);
const bin = (c: string) => hexToBinary(hex(c));
const announce = (infoHash: string, peerId: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ action: "announce", info_hash: bin(infoHash), peer_id: bin(peerId), left: 10, numwant: 5, event: "started", offers: [], ...extra });
const offers = (n: number) => Array.from({ length: n }, (_, i) => ({ offer: { type: "offer", sdp: `sdp-${i}` }, offer_id: hexToBinary(String(i).padStart(40, "0")) }));
/** Lets the cores' async steps (a handled frame, a push) finish: no timer involved. */
const settle = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

let db: FakeDb;
let registry: SwarmRegistry<FakeSocket>;

function makeRegistry(intervalSeconds = 120) {
  db = new FakeDb();
  registry = new SwarmRegistry<FakeSocket>({
    db: db as unknown as D1Database,
    intervalSeconds,
    activityReportSeconds: 0,
    caps: { ...DEFAULT_SWARM_CAPS, maxSocketsPerAddress: 2 },
    access: { mode: "open", allow: new Set(), deny: new Set() },
  });
}

beforeEach(() => makeRegistry());
afterEach(() => {
  registry.close();
  vi.useRealTimers();
});

describe("a /announce connection in the in-process host", () => {
  it("joins the swarms it announces in and gets offers relayed to and answers from another connection", async () => {
    const [a, b] = [new FakeSocket(), new FakeSocket()];
    const ca = TrackerConnection.multiplexed(registry, a, "10.0.0.1");
    const cb = TrackerConnection.multiplexed(registry, b, "10.0.0.2");
    ca.frame(announce("1", "a"));
    ca.frame(announce("2", "a"));
    await settle();
    expect(a.take().map((f) => [f.info_hash, f.incomplete])).toEqual([
      [bin("1"), 1],
      [bin("2"), 1],
    ]);
    expect(registry.size).toBe(2);

    cb.frame(announce("1", "b", { offers: offers(1) }));
    await settle();
    const [offer] = a.take();
    expect(offer).toMatchObject({ info_hash: bin("1"), peer_id: bin("b"), offer: { type: "offer", sdp: "sdp-0" } });
    ca.frame(JSON.stringify({ action: "announce", info_hash: bin("1"), peer_id: bin("a"), to_peer_id: bin("b"), offer_id: offer!.offer_id, answer: { type: "answer", sdp: "ans" } }));
    await settle();
    expect(b.take()).toContainEqual(expect.objectContaining({ peer_id: bin("a"), answer: { type: "answer", sdp: "ans" }, offer_id: offer!.offer_id }));
  });

  it("refuses an answer in a swarm it never announced in, without making that swarm", async () => {
    const a = new FakeSocket();
    TrackerConnection.multiplexed(registry, a, "10.0.0.1").frame(
      JSON.stringify({ action: "announce", info_hash: bin("3"), peer_id: bin("a"), to_peer_id: bin("b"), offer_id: bin("c"), answer: { type: "answer", sdp: "x" } }),
    );
    await settle();
    expect(a.take()).toEqual([{ "failure reason": "answer from a peer that has not announced on this connection", action: "announce", info_hash: bin("3") }]);
    expect(registry.size).toBe(0);
  });

  it(`takes at most ${TRACKER_LIMITS.maxInfoHashesPerSocket} torrents`, async () => {
    vi.useFakeTimers(); // past the rate limit's burst: 101 announces need a few seconds of tokens
    makeRegistry();
    const a = new FakeSocket();
    const connection = TrackerConnection.multiplexed(registry, a, "10.0.0.1");
    for (let i = 0; i <= TRACKER_LIMITS.maxInfoHashesPerSocket; i++) {
      connection.frame(announce("1", "a", { info_hash: hexToBinary(i.toString(16).padStart(40, "0")) }));
      await vi.advanceTimersByTimeAsync(50);
    }
    const failures = a.take().filter((f) => f["failure reason"]);
    expect(failures).toEqual([expect.objectContaining({ "failure reason": `too many torrents on one connection (limit ${TRACKER_LIMITS.maxInfoHashesPerSocket})` })]);
  });

  it("is refused a swarm where its address holds the most connections allowed", async () => {
    const sockets = [new FakeSocket(), new FakeSocket(), new FakeSocket()];
    sockets.forEach((s) => TrackerConnection.multiplexed(registry, s, "10.0.0.9").frame(announce("4", "a")));
    await settle();
    expect(sockets[2]!.take()).toEqual([
      { "failure reason": "too many connections to this swarm from one address (limit 2)", action: "announce", info_hash: bin("4") },
    ]);
  });
});

describe("swarms in the in-process host", () => {
  it("drop a closed connection's peers, push the empty counts, and are forgotten", async () => {
    vi.useFakeTimers();
    makeRegistry();
    const [a, b] = [new FakeSocket(), new FakeSocket()];
    const ca = TrackerConnection.multiplexed(registry, a, "10.0.0.1");
    const cb = TrackerConnection.bound(registry, b, "10.0.0.2", hex("5"));
    cb.frame(announce("5", "b"));
    ca.frame(announce("5", "a"));
    await settle();
    expect(registry.counts(hex("5"))).toEqual({ complete: 0, incomplete: 2, downloaded: 0 });

    ca.closedWith(1000);
    expect(registry.counts(hex("5"))).toEqual({ complete: 0, incomplete: 1, downloaded: 0 });
    expect(a.closedWith).toEqual({ code: 1000, reason: "" });
    cb.closedWith(1001);
    // Pushes are at most every 5 s per swarm: the empty counts go at the next push time.
    await vi.advanceTimersByTimeAsync(5_000);
    expect(db.pushes.at(-1)).toEqual({ infoHash: hex("5"), complete: 0, incomplete: 0 });
    expect(registry.size).toBe(0);
  });

  it("expire silent peers on a timer and are forgotten", async () => {
    vi.useFakeTimers();
    makeRegistry(1); // peers expire after 2 × 1 s + 1 s of silence
    const a = new FakeSocket();
    TrackerConnection.bound(registry, a, "10.0.0.1", hex("6")).frame(announce("6", "a"));
    await settle();
    expect(registry.counts(hex("6"))?.incomplete).toBe(1);
    await vi.advanceTimersByTimeAsync(3_500);
    expect(registry.counts(hex("6"))?.incomplete).toBe(0);
    expect(db.pushes.at(-1)).toEqual({ infoHash: hex("6"), complete: 0, incomplete: 0 });
  });
});
