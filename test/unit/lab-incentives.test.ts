// Incentives (issue 14, part two): the contributors' bound, free riders in the simulator (they upload nothing
// and, in a large swarm, finish after the contributors), the seed leaving after one copy, and the report.
import { describe, expect, it } from "vitest";
import { contributorBound, peerToPeerBound } from "../../client/lab/bounds";
import { freeRiderCount, freeRiderRowFromSim, renderIncentivesReport, transientRowFromSim, uploadRates } from "../../client/lab/incentives";
import { simulate, type SimConfig } from "../../client/lab/simulator";

const KiB = 8 * 1024;
const capacities = { fileBits: 8 * 2 ** 23, serverUp: 4e6, peerUp: 1e6, peerDown: 4e6, peers: 10 };

describe("the contributors' bound", () => {
  it("is d_p2p with no free rider", () => {
    for (const peers of [1, 2, 10, 100]) expect(contributorBound({ ...capacities, peers }, 0)).toBe(peerToPeerBound({ ...capacities, peers }));
  });

  it("is d_p2p of the N − k contributors alone, so it falls as free riders replace contributors", () => {
    expect(contributorBound(capacities, 3)).toBe(peerToPeerBound({ ...capacities, peers: 7 }));
    expect(contributorBound(capacities, 3)).toBeLessThan(contributorBound(capacities, 1));
  });

  it("keeps each contributor's own rates when rates are given per peer (free riders are the last k)", () => {
    const perPeer = { ...capacities, peers: 3, peerUp: [2e6, 1e6, 0], peerDown: [4e6, 2e6, 1e6] };
    expect(contributorBound(perPeer, 1)).toBe(peerToPeerBound({ ...perPeer, peers: 2, peerUp: [2e6, 1e6], peerDown: [4e6, 2e6] }));
  });

  it("refuses a swarm of free riders only", () => {
    expect(() => contributorBound(capacities, 10)).toThrow(RangeError);
  });
});

describe("free-rider counts", () => {
  it("round to whole peers, at least one for a positive share, never everyone", () => {
    expect([0, 0.1, 0.3].map((f) => freeRiderCount(10, f))).toEqual([0, 1, 3]);
    expect(freeRiderCount(16, 0.1)).toBe(2);
    expect(freeRiderCount(4, 0.1)).toBe(1);
    expect(freeRiderCount(2, 0.9)).toBe(1);
    expect(uploadRates(4, 1e6, 1)).toEqual([1e6, 1e6, 1e6, 0]);
  });
});

describe("free riders in the simulator", () => {
  const base: SimConfig = { mode: "p2p", strategy: "rarest", peers: 10, fileBits: 1024 * KiB, pieceBits: 32 * KiB, serverUp: 4e6, peerUp: 1e6, peerDown: 4e6, connectSeconds: 0.2 };

  it("with 0% free riders, the contributors' time is the swarm's and the bound is d_p2p", () => {
    const result = simulate(base);
    const row = freeRiderRowFromSim(result, 0, 0);
    expect(row.contributorSeconds).toBe(result.distributionSeconds);
    expect(row.contributorBound).toBe(result.bound);
    expect(row.freeRiderSeconds).toBeNull();
  });

  it("free riders upload nothing, and everyone still finishes above the contributors' bound", () => {
    const result = simulate({ ...base, peerUp: uploadRates(10, 1e6, 3) });
    expect(result.uploadedBits.slice(7)).toEqual([0, 0, 0]);
    const row = freeRiderRowFromSim(result, 3, 0);
    expect(row.contributorSeconds!).toBeGreaterThanOrEqual(row.contributorBound);
    expect(row.freeRiderSeconds).not.toBeNull();
  });

  it("in a swarm larger than the upload slots and runs longer than a few rechokes, free riders finish after the contributors", { timeout: 60_000 }, () => {
    // rechokes (every 10 s) are what tell contributors from free riders: a 4 MiB file takes ~40 s here
    const peers = 60;
    const result = simulate({ ...base, peers, fileBits: 4096 * KiB, peerUp: uploadRates(peers, 1e6, 18) });
    const contributors = result.completionSeconds.slice(0, 42).sort((a, b) => a - b);
    const riders = result.completionSeconds.slice(42).sort((a, b) => a - b);
    expect(riders[9]!).toBeGreaterThan(contributors[21]!);
  });
});

describe("the seed leaving after one copy", () => {
  it("leaves more distinct pieces with rarest-first than with sequential, and then nobody finishes", () => {
    const config: SimConfig = { mode: "p2p", strategy: "rarest", peers: 10, fileBits: 2048 * KiB, pieceBits: 32 * KiB, serverUp: 4e6, peerUp: 1e6, peerDown: 4e6, originLeavesAfterCopies: 1, maxSeconds: 120 };
    const rarest = transientRowFromSim(simulate(config), 0);
    const sequential = transientRowFromSim(simulate({ ...config, strategy: "sequential" }), 0);
    expect(rarest.survivingAtDeparture!).toBeGreaterThan(2 * sequential.survivingAtDeparture!);
    expect(rarest.seedLeftSeconds!).toBeCloseTo(config.fileBits / config.serverUp, 0);
    expect(rarest.completed).toBe(0);
    expect(rarest.distributionSeconds).toBeNull();
  });
});

describe("the incentives report", () => {
  it("shows each swarm's contributors against their bound and the surviving pieces", () => {
    const config: SimConfig = { mode: "p2p", strategy: "rarest", peers: 10, fileBits: 1024 * KiB, pieceBits: 32 * KiB, serverUp: 4e6, peerUp: 1e6, peerDown: 4e6 };
    const fr = freeRiderRowFromSim(simulate({ ...config, peerUp: uploadRates(10, 1e6, 1) }), 1, 0);
    const tr = transientRowFromSim(simulate({ ...config, originLeavesAfterCopies: 1, maxSeconds: 60 }), 0);
    const environment = { startedAt: "2026-01-01T00:00:00.000Z", durationSeconds: 1, node: "20", cpus: 2, loadAverage: [0, 0, 0], platform: "linux x64" };
    const md = renderIncentivesReport(
      { settings: { fileBytes: config.fileBits / 8, pieceBytes: config.pieceBits / 8, serverUp: 4e6, peerUp: 1e6, peerDown: 4e6, realPeers: null, simPeers: [10], fractions: [0.1], repeat: 1, server: "none" }, environment, freeRiders: [fr], transient: [tr] },
      ["free-rider-cdf.png"],
    );
    expect(md).toContain(`| sim | 10 | 1 (10%) | ${fr.contributorSeconds!.toFixed(2)} | ${fr.contributorBound.toFixed(2)} |`);
    expect(md).toContain(`| sim | rarest | 10 |`);
    expect(md).toContain("![completion CDF, contributors vs free riders](free-rider-cdf.png)");
  });
});
