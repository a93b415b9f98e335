// A small real lab run: the local worker, the runner's rate-capping proxy and three peer processes move a
// 512 KiB file in each mode; every cap must hold and no run may beat its bound (d_cs / d_p2p).
import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clientServerBound, peerToPeerBound, type Mode } from "../../client/lab/bounds";
import { startOriginProxy, type OriginProxy } from "../../client/lab/origin-proxy";
import { PeerPool, runReal, type RealRunContext, type RealRunSpec } from "../../client/lab/real-run";
import { capAllowance } from "../../client/lab/records";
import { startLocalWorker, type LocalWorker } from "../../scripts/local-worker";

const KiB = 1024;
const LEECHERS = 2;
const labKey = randomBytes(16).toString("hex");
const workDir = path.join(tmpdir(), `edgeswarm-lab-test-${randomBytes(4).toString("hex")}`);

let worker: LocalWorker;
let proxy: OriginProxy;
let pool: PeerPool;
let ctx: RealRunContext;

beforeAll(async () => {
  worker = await startLocalWorker({ vars: { LAB_KEY: labKey, ANNOUNCE_INTERVAL_SECONDS: "5" } });
  proxy = await startOriginProxy({ upstream: worker.httpUrl, rateBytesPerSecond: null });
  pool = await PeerPool.start({ leechers: LEECHERS, seed: true, perHost: LEECHERS });
  ctx = { pool, proxy, serverUrl: worker.httpUrl, labKey, workDir, minTimeoutSeconds: 40, workerPgid: worker.pgid };
});

afterAll(async () => {
  await pool?.close();
  await proxy?.close();
  await worker?.stop();
  await rm(workDir, { recursive: true, force: true });
});

const spec = (mode: Mode): RealRunSpec => ({
  mode,
  strategy: "rarest",
  peers: LEECHERS,
  repeat: 0,
  fileBytes: 512 * KiB,
  pieceBytes: 16 * KiB,
  serverUp: 8e6,
  peerUp: 4e6,
  peerDown: 8e6,
});

describe("the lab's file route", () => {
  it("refuses uploads without the lab key and serves byte ranges", async () => {
    const url = `${worker.httpUrl}/lab/files/route-check.bin`;
    expect((await fetch(url, { method: "PUT", body: "x" })).status).toBe(401);
    const data = randomBytes(1000);
    expect((await fetch(url, { method: "PUT", body: data, headers: { authorization: `Bearer ${labKey}` } })).status).toBe(201);
    const range = await fetch(url, { headers: { range: "bytes=10-19" } });
    expect(range.status).toBe(206);
    expect(range.headers.get("content-range")).toBe("bytes 10-19/1000");
    expect(Buffer.from(await range.arrayBuffer()).equals(data.subarray(10, 20))).toBe(true);
    expect((await fetch(url, { headers: { range: "bytes=5000-" } })).status).toBe(416);
  });
});

describe.each(["cs", "p2p", "hybrid"] as const)("a %s run with two peers", (mode) => {
  it("delivers the file to every peer within its caps, never faster than its bound", async () => {
    const s = spec(mode);
    const record = await runReal(s, ctx);
    const capacities = { fileBits: s.fileBytes * 8, serverUp: s.serverUp, peerUp: s.peerUp, peerDown: s.peerDown, peers: s.peers };
    const bound = mode === "cs" ? clientServerBound(capacities) : peerToPeerBound(capacities);

    expect(record.problems).toEqual([]);
    expect(record.valid).toBe(true);
    expect(record.bound).toBeCloseTo(bound, 9);
    expect(record.peerRecords.every((p) => p.completionSeconds !== null)).toBe(true);
    expect(record.distributionSeconds!).toBeGreaterThanOrEqual(bound);
    // every peer received the whole file, from the server and the other peers together
    for (const p of record.peerRecords) expect(p.fromServerBytes + p.fromPeersBytes).toBeGreaterThanOrEqual(s.fileBytes);
    if (mode === "cs") expect(record.serverBytes).toBe(s.peers * s.fileBytes);
    else expect(record.trackerMessagesPerPeer).toBeGreaterThan(0);
    // cumulative caps (what the bounds rely on; checked sample by sample by `valid`): over the whole run
    const seconds = record.distributionSeconds!;
    for (const p of record.peerRecords) {
      expect(p.uploadedBytes).toBeLessThanOrEqual((s.peerUp / 8) * seconds + capAllowance(s.peerUp / 8) + (s.peerUp / 8) * 0.5);
      expect(p.fromServerBytes + p.fromPeersBytes).toBeLessThanOrEqual((s.peerDown / 8) * (p.completionSeconds! + 0.5) + capAllowance(s.peerDown / 8));
    }
    expect(record.serverBytes).toBeLessThanOrEqual((s.serverUp / 8) * (seconds + 0.5) + capAllowance(s.serverUp / 8));
    // the machine was measured: every process's CPU time, and a verdict
    expect(record.cpu?.processes.map((p) => p.role)).toEqual(expect.arrayContaining(["runner + proxy", "worker", "seed host", "peer host 1"]));
    expect(record.cpu!.processes.every((p) => p.cpuSeconds >= 0)).toBe(true);
    expect(typeof record.cpuLimited).toBe("boolean");
  });
});
