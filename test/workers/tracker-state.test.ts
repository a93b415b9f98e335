// What the tracker leaves behind: counts in the directory that always end up true (a failed push is retried),
// nothing stored for swarms nobody joined, and nothing kept by a swarm that emptied.
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { meter } from "../../durable-objects/usage";
import { TrackerSocket, bin, hexOf, randomInfoHash } from "./tracker-client";

const DB = (env as unknown as { DB: D1Database }).DB;
const swarmOf = (hash: string) => env.SWARMS.get(env.SWARMS.idFromName(hexOf(hash)));

async function livePeersInDirectory(hash: string): Promise<number> {
  const row = await DB.prepare(`SELECT complete + incomplete AS peers FROM swarm_stats WHERE info_hash = ?1`).bind(hexOf(hash)).first<{ peers: number }>();
  return row?.peers ?? 0;
}

/** A D1 whose next `failures` statement runs reject, as a D1 outage would. */
function failingD1(real: D1Database, failures: number): D1Database {
  let left = failures;
  return {
    prepare: (sql: string) => {
      const statement = real.prepare(sql);
      return {
        bind: (...params: unknown[]) => {
          const bound = statement.bind(...params);
          return { run: () => (left-- > 0 ? Promise.reject(new Error("D1_ERROR: injected outage")) : bound.run()) };
        },
      };
    },
  } as unknown as D1Database;
}

/** A client-side token bucket: resolves when the next message may be sent at `rate`/s after a `burst`. */
function clientPacing(rate: number, burst: number): () => Promise<void> {
  let tokens = burst;
  let at = Date.now();
  return async () => {
    const now = Date.now();
    tokens = Math.min(burst, tokens + ((now - at) / 1000) * rate);
    at = now;
    if (tokens < 1) await new Promise((resolve) => setTimeout(resolve, ((1 - tokens) / rate) * 1000));
    tokens -= 1;
  };
}

describe("counts in the directory", () => {
  it("are retried after a failed push, so an emptied swarm reads dead", async () => {
    const hash = randomInfoHash();
    const peer = await TrackerSocket.open(`/announce/${hexOf(hash)}`);
    await peer.announce({ info_hash: hash, peer_id: bin("p") });
    await expect.poll(() => livePeersInDirectory(hash), { timeout: 5000 }).toBe(1);
    await runInDurableObject(swarmOf(hash), (instance) => {
      const host = (instance as unknown as { core: { host: { db: D1Database } } }).core.host;
      (host as { db: D1Database }).db = failingD1(host.db, 2);
    });
    peer.close();
    await peer.waitForClose();
    // The pushes of "0 peers" fail twice; the alarm keeps retrying until one lands.
    await expect
      .poll(async () => {
        await runDurableObjectAlarm(swarmOf(hash));
        return livePeersInDirectory(hash);
      }, { timeout: 12_000, interval: 300 })
      .toBe(0);
  });
});

describe("an attacker toggling a peer between seeder and gone", () => {
  it("causes at most one directory write per push interval", async () => {
    const hash = randomInfoHash();
    const socket = await TrackerSocket.open(`/announce/${hexOf(hash)}`);
    const writes = meter.d1Writes;
    const started = Date.now();
    // 100 toggles, sent as fast as the per-connection limit (20/s after a burst of 60) lets a client.
    const pace = clientPacing(18, 50);
    for (let i = 0; i < 50; i++) {
      await pace();
      await socket.announce({ info_hash: hash, peer_id: bin("t"), left: 0, event: "started" });
      await pace();
      await socket.announce({ info_hash: hash, peer_id: bin("t"), event: "stopped" });
    }
    const intervals = (Date.now() - started) / 2000; // the test worker's push interval (announce interval 2 s)
    expect(meter.d1Writes - writes).toBeLessThanOrEqual(Math.ceil(intervals) + 1);
  });
});

describe("a swarm nobody joined", () => {
  it("costs no object for a scrape, and no object for an answer sent on /announce", async () => {
    const [hash, other] = [randomInfoHash(), randomInfoHash()];
    const socket = await TrackerSocket.open("/announce");
    const created = meter.objectsCreated;
    expect((await socket.scrape([hash, other])).files).toEqual({
      [hash]: { complete: 0, incomplete: 0, downloaded: 0 },
      [other]: { complete: 0, incomplete: 0, downloaded: 0 },
    });
    socket.send({ action: "announce", info_hash: hash, peer_id: bin("a"), to_peer_id: bin("b"), offer_id: bin("o"), answer: { type: "answer", sdp: "x" } });
    expect((await socket.waitFor((f) => f["failure reason"] !== undefined))["failure reason"]).toMatch(/not announced on this connection/);
    expect(meter.objectsCreated).toBe(created);
    // The counter does see objects (this test would pass vacuously if it did not): an announce creates one.
    expect(await socket.announce({ info_hash: hash, peer_id: bin("a") })).toHaveProperty("interval");
    expect(meter.objectsCreated).toBe(created + 1);
  });
});

describe("a swarm that empties", () => {
  it("keeps no storage and no alarm once its last counts reached the directory", async () => {
    const hash = randomInfoHash();
    const peer = await TrackerSocket.open(`/announce/${hexOf(hash)}`);
    await peer.announce({ info_hash: hash, peer_id: bin("q") });
    peer.close();
    await peer.waitForClose();
    await expect
      .poll(async () => {
        await runDurableObjectAlarm(swarmOf(hash));
        return runInDurableObject(swarmOf(hash), async (_instance, state) => ({
          keys: [...state.storage.kv.list()].length,
          alarm: await state.storage.getAlarm(),
        }));
      }, { timeout: 10_000, interval: 300 })
      .toEqual({ keys: 0, alarm: null });
    expect(await livePeersInDirectory(hash)).toBe(0);
  });

  it("keeps only its completed count when downloads completed in it", async () => {
    const hash = randomInfoHash();
    const peer = await TrackerSocket.open(`/announce/${hexOf(hash)}`);
    await peer.announce({ info_hash: hash, peer_id: bin("c"), left: 10 });
    await peer.announce({ info_hash: hash, peer_id: bin("c"), left: 0, event: "completed" });
    peer.close();
    await peer.waitForClose();
    await expect
      .poll(async () => {
        await runDurableObjectAlarm(swarmOf(hash));
        return runInDurableObject(swarmOf(hash), async (_instance, state) => ({
          stored: Object.fromEntries(state.storage.kv.list()),
          alarm: await state.storage.getAlarm(),
        }));
      }, { timeout: 10_000, interval: 300 })
      .toEqual({ stored: { downloaded: 1 }, alarm: null });
  });
});
