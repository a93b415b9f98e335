import { describe, expect, it } from "vitest";
import { clientServerBound, peerToPeerBound } from "../../client/lab/bounds";
import { simulate, type SimConfig } from "../../client/lab/simulator";

const KiB = 8 * 1024; // bits
const base: SimConfig = {
  mode: "p2p",
  strategy: "rarest",
  peers: 1,
  fileBits: 1024 * KiB,
  pieceBits: 16 * KiB,
  serverUp: 8e6,
  peerUp: 2e6,
  peerDown: 6e6,
  connectSeconds: 0,
  requestSeconds: 0,
};

describe("one peer", () => {
  it("takes F/min(u_s, d) in every mode", () => {
    for (const mode of ["cs", "p2p", "hybrid"] as const) {
      for (const [serverUp, peerDown] of [
        [8e6, 6e6],
        [3e6, 6e6],
      ] as const) {
        const result = simulate({ ...base, mode, serverUp, peerDown });
        expect(result.distributionSeconds).toBeCloseTo(base.fileBits / Math.min(serverUp, peerDown), 6);
      }
    }
  });

  it("gets every bit from the origin", () => {
    const result = simulate(base);
    expect(result.fromServerBits[0]).toBeCloseTo(base.fileBits, 3);
    expect(result.fromPeersBits[0]).toBe(0);
  });
});

describe("client-server", () => {
  it("meets d_cs exactly when the server is shared evenly", () => {
    for (const peers of [2, 5, 40]) {
      const result = simulate({ ...base, mode: "cs", peers });
      const bound = clientServerBound({ ...base, peers });
      expect(result.distributionSeconds).toBeCloseTo(bound, 6);
    }
  });
});

describe("a swarm", () => {
  const cases: Partial<SimConfig>[] = [];
  for (const mode of ["p2p", "hybrid"] as const)
    for (const strategy of ["rarest", "sequential"] as const)
      for (const peers of [2, 7, 30]) cases.push({ mode, strategy, peers, seed: peers });
  cases.push({ mode: "p2p", peers: 40, peerUp: 8e6, peerDown: Infinity, serverUp: 2e6 });
  cases.push({ mode: "p2p", peers: 12, peerUp: 0.5e6, endgame: true });

  it("never beats d_p2p", { timeout: 30_000 }, () => {
    for (const c of cases) {
      const config = { ...base, ...c };
      const result = simulate(config);
      expect(result.distributionSeconds, JSON.stringify(c)).toBeGreaterThanOrEqual(peerToPeerBound(config) * (1 - 1e-9));
      expect(result.distributionSeconds).toBeLessThan(Infinity);
    }
  });

  it("delivers every copy: what the origin and the peers sent adds up to N·F at least", () => {
    const config = { ...base, peers: 9 };
    const result = simulate(config);
    const received = result.fromServerBits.reduce((a, b) => a + b, 0) + result.fromPeersBits.reduce((a, b) => a + b, 0);
    expect(received).toBeGreaterThanOrEqual(9 * base.fileBits * (1 - 1e-9));
    expect(result.serverUpBits + result.peersUpBits).toBeCloseTo(received, 0);
  });

  it("comes near d_p2p with rarest-first when peers bring upload", () => {
    const config = { ...base, peers: 16, serverUp: 4e6, peerUp: 2e6, peerDown: 8e6 };
    const result = simulate(config);
    expect(result.distributionSeconds / result.bound).toBeLessThan(1.3);
  });

  it("spreads more distinct pieces with rarest-first than with sequential", () => {
    const config = { ...base, peers: 16, serverUp: 4e6, peerUp: 2e6 };
    const rarest = simulate({ ...config, strategy: "rarest" });
    const sequential = simulate({ ...config, strategy: "sequential" });
    expect(rarest.survivingAfterOneCopy!).toBeGreaterThan(sequential.survivingAfterOneCopy!);
    expect(rarest.distributionSeconds).toBeLessThan(sequential.distributionSeconds);
  });

  it("is repeatable for a seed", () => {
    const a = simulate({ ...base, peers: 10, seed: 7 });
    const b = simulate({ ...base, peers: 10, seed: 7 });
    expect(a.completionSeconds).toEqual(b.completionSeconds);
  });

  it("runs a thousand peers", { timeout: 60_000 }, () => {
    const config = { ...base, peers: 1000, fileBits: 64 * 16 * KiB };
    const result = simulate(config);
    expect(result.distributionSeconds).toBeGreaterThanOrEqual(result.bound);
    expect(result.distributionSeconds).toBeLessThan(3 * result.bound);
  });
});
