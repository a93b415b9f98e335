// A real run's record from its samples (client/lab/run-record.ts): start-up apart from transfer, useful
// upload utilisation, the transient state, cumulative cap checks and the CPU verdict — on synthetic samples.
import { describe, expect, it } from "vitest";
import { peerToPeerBound } from "../../client/lab/bounds";
import type { CpuMeasure } from "../../client/lab/machine";
import type { PeerSample } from "../../client/lab/peer-messages";
import type { RealRunSpec } from "../../client/lab/real-run";
import { firstReach, median, usefulUtilisation } from "../../client/lab/measures";
import { buildRecord, type RunObservations } from "../../client/lab/run-record";

describe("helpers", () => {
  it("median of odd and even counts", () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNull();
  });

  it("finds when a cumulative series reaches a level, between samples", () => {
    expect(firstReach([[0, 0], [1, 10], [2, 30]], 20)).toBeCloseTo(1.5, 9);
    expect(firstReach([[0, 0], [1, 10]], 11)).toBeNull();
  });

  it("utilisation is 1 for delivery at the bound's rate from the first byte on, and lower with a stall", () => {
    const total = 1000;
    const bound = 10; // the bound's delivery rate: 100 B/s
    const atRate = Array.from({ length: 12 }, (_, i) => [i + 1, Math.min(total, 100 * i)] as [number, number]);
    expect(usefulUtilisation(atRate, 1, total, bound)).toBeCloseTo(1, 6);
    // nothing for 3 s after the first byte, then the bound's rate: 9 s of delivery over 12 s
    const stalled = Array.from({ length: 16 }, (_, i) => [i + 1, Math.max(0, Math.min(total, 100 * (i - 3)))] as [number, number]);
    expect(usefulUtilisation(stalled, 1, total, bound)).toBeCloseTo(9 / 12, 6);
  });
});

describe("a p2p run's record", () => {
  const spec: RealRunSpec = { mode: "p2p", strategy: "rarest", peers: 2, repeat: 0, fileBytes: 4 * 65536, pieceBytes: 65536, serverUp: 8 * 65536, peerUp: 8 * 32768, peerDown: 8 * 10 * 65536 };
  const capacities = { fileBits: spec.fileBytes * 8, serverUp: spec.serverUp, peerUp: spec.peerUp, peerDown: spec.peerDown, peers: 2 };
  const bound = peerToPeerBound(capacities); // max(4 s, 0.4 s, 2·4·65536/(65536 + 65536) = 4 s) = 4 s
  const t0 = 1_000_000;
  const haveOf = (pieces: number) => ((0xf0 << (4 - pieces)) & 0xf0).toString(16).padStart(2, "0");
  const sample = (t: number, pieces: number, fromServer: number, fromPeers: number, uploaded: number, extra: Partial<PeerSample> = {}): PeerSample => ({
    t: t0 + t * 1000,
    fromServer,
    fromPeers,
    uploaded,
    have: haveOf(pieces),
    connections: 2,
    firstByteAt: t0 + 500,
    at95: pieces === 4 ? t0 + t * 1000 : null,
    upWaitMs: t * 500,
    downWaitMs: 0,
    ...extra,
  });
  const P = 65536;
  const leecher = (): PeerSample[] => [sample(1, 0, 0, 0, 0), sample(2, 1, P, 0, 0), sample(3, 2, P, P, P), sample(4, 3, 2 * P, P, P), sample(5, 4, 2 * P, 2 * P, 2 * P)];
  const seedSamples = [0.5, 1, 2, 3, 4, 5].map((t) => ({ ...sample(t, 4, 0, 0, Math.min(4 * P, t * P)), upWaitMs: t * 900 }));
  const quiet: CpuMeasure = { wallSeconds: 5, cores: 2, machineBusyShare: 0.4, labBusyShare: 0.3, processes: [] };
  const observations = (over: Partial<RunObservations> = {}): RunObservations => ({
    spec,
    runId: "r",
    t0,
    tEnd: t0 + 5000,
    bound,
    pieces: 4,
    capacities,
    timedOut: false,
    timeoutSeconds: 60,
    errors: [],
    problems: [],
    samples: [leecher(), leecher()],
    doneAt: [t0 + 5000, t0 + 5000],
    seedSamples,
    proxyStats: { servedByPeer: {}, servedSamples: [], trackerByPeer: {} },
    directoryLatencyMs: null,
    machine: { measure: quiet, samples: [{ t: t0 + 1000, role: "runner + proxy", cpuShare: 0.2, eventLoopP99Ms: 2 }] },
    sampleMs: 250,
    trackerOf: () => null,
    ...over,
  });

  it("reports start-up apart from transfer, the transient state and the server's saturation", () => {
    const r = buildRecord(observations());
    expect(r.valid).toBe(true);
    expect(r.distributionSeconds).toBeCloseTo(5, 9);
    expect(r.ratio).toBeCloseTo(5 / 4, 9);
    expect(r.startupSeconds).toBeCloseTo(0.5, 9);
    expect(r.transferSeconds).toBeCloseTo(4.5, 9);
    expect(r.oneCopySeconds).toBeCloseTo(4, 9); // the seed's counter reaches F at 4 s
    expect(r.serverBytes).toBe(4 * P);
    expect(r.serverWaitShare).toBeCloseTo(4500 / 5000, 9);
    expect(r.peerRecords[0]!.upWaitShare).toBeCloseTo(2500 / 5000, 9);
    expect(r.redundantShare).toBe(0);
    expect(r.cpuLimited).toBe(false);
    expect(r.cpuSamples![0]!.t).toBeCloseTo(1, 9);
    expect(r.diversity.at(-1)).toMatchObject({ distinct: 4, minCopies: 2, meanCopies: 2, maxCopies: 2 });
    expect(r.utilisation!).toBeGreaterThan(0.5);
    expect(r.utilisation!).toBeLessThanOrEqual(1);
  });

  it("marks a run over its cumulative upload cap invalid", () => {
    const greedy = leecher().map((s) => ({ ...s, uploaded: s.uploaded * 3 }));
    const r = buildRecord(observations({ samples: [greedy, leecher()] }));
    expect(r.valid).toBe(false);
    expect(r.problems.join()).toMatch(/peer 0 exceeded its upload cap/);
  });

  it("keeps a CPU-limited run's numbers but says why it is not a result", () => {
    const busy = { ...quiet, machineBusyShare: 0.97 };
    const r = buildRecord(observations({ machine: { measure: busy, samples: [] } }));
    expect(r.valid).toBe(true);
    expect(r.cpuLimited).toBe(true);
    expect(r.cpuReasons![0]).toMatch(/machine CPU 97%/);
  });
});
