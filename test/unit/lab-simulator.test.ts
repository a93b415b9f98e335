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

  it("runs a thousand peers, who upload most of the bytes", { timeout: 60_000 }, () => {
    const config = { ...base, peers: 1000, fileBits: 64 * 16 * KiB };
    const result = simulate(config);
    expect(result.distributionSeconds).toBeGreaterThanOrEqual(result.bound);
    expect(result.distributionSeconds).toBeLessThan(Infinity);
    expect(result.peersUpBits).toBeGreaterThan(50 * result.serverUpBits);
  });
});

describe("webtorrent's rules", () => {
  const lab: SimConfig = { ...base, fileBits: 2048 * KiB, pieceBits: 32 * KiB, serverUp: 4e6, peerUp: 1e6, peerDown: 4e6 };

  it("pays a leecher's start-up once, not per connection", () => {
    const at = (startupSeconds: number) => simulate({ ...lab, peers: 4, startupSeconds, connectSeconds: 0.3 }).distributionSeconds;
    const extra = at(2) - at(0);
    expect(extra).toBeGreaterThan(1.5);
    expect(extra).toBeLessThan(2.5);
  });

  it("moves data only as blocks are requested: a web seed with one request in flight pays the latency per piece", () => {
    const run = (webSeedRequests: number) => simulate({ ...lab, mode: "hybrid", peers: 1, requestSeconds: 0.05, webSeedRequests }).distributionSeconds;
    const pieces = lab.fileBits / lab.pieceBits;
    const transfer = lab.fileBits / lab.serverUp;
    expect(run(1)).toBeCloseTo(transfer + pieces * 0.05, 1);
    // webtorrent's window grows with the measured speed: one request at first, then several
    expect(run(16)).toBeLessThan(transfer + 0.5);
  });

  it("duplicates bytes only through hot-swaps (or an endgame), and never more than it moves", () => {
    const slowPeers = { ...lab, peers: 12, peerUp: 0.25e6, seed: 3 };
    const always = simulate({ ...slowPeers, hotswap: "always" });
    const never = simulate({ ...slowPeers, hotswap: "never" });
    expect(never.redundantBits).toBe(0);
    expect(always.hotswaps).toBeGreaterThan(0);
    expect(always.redundantBits).toBeGreaterThan(0);
    const received = always.fromServerBits.reduce((a, b) => a + b, 0) + always.fromPeersBits.reduce((a, b) => a + b, 0);
    // what is not a duplicate is the 12 copies, give or take blocks still in flight at the end
    expect(received - always.redundantBits).toBeGreaterThanOrEqual(12 * lab.fileBits);
    expect(received - always.redundantBits).toBeLessThanOrEqual(12 * lab.fileBits + 12 * 16 * KiB);
  });

  it("spreads pieces later when HAVEs arrive late", () => {
    const at = (haveSeconds: number) => simulate({ ...lab, peers: 8, haveSeconds, seed: 5 }).distributionSeconds;
    expect(at(1.5)).toBeGreaterThan(at(0.01));
  });

  it("keeps what it received across a choke: with one regular upload slot and a rechoke every second, nothing is sent twice", () => {
    const result = simulate({ ...lab, peers: 6, uploadSlots: 2, rechokeSeconds: 1, hotswap: "never" });
    expect(result.distributionSeconds).toBeLessThan(Infinity);
    const received = result.fromServerBits.reduce((a, b) => a + b, 0) + result.fromPeersBits.reduce((a, b) => a + b, 0);
    expect(received).toBeLessThanOrEqual(6 * lab.fileBits + 6 * 16 * KiB); // only blocks in flight at the end
  });

  it("finishes after the seed leaves only if every piece was out: rarest-first gets there, sequential does not", () => {
    const leave = (strategy: "rarest" | "sequential", copies: number) => simulate({ ...lab, peers: 8, strategy, originLeavesAfterCopies: copies, maxSeconds: 120, seed: 1 });
    const rarest1 = leave("rarest", 1);
    const sequential1 = leave("sequential", 1);
    // one copy's worth of bytes is not one copy of each piece (leechers pick independently), but rarest-first
    // spreads far more distinct pieces than sequential
    expect(rarest1.survivingAtDeparture!).toBeGreaterThan(2 * sequential1.survivingAtDeparture!);
    expect(rarest1.survivingAtDeparture!).toBeLessThan(rarest1.pieces);
    expect(rarest1.distributionSeconds).toBe(Infinity);
    expect(rarest1.completionSeconds.every((t) => t === Infinity)).toBe(true);
    const rarest3 = leave("rarest", 3);
    const sequential3 = leave("sequential", 3);
    expect(rarest3.survivingAtDeparture).toBe(rarest3.pieces);
    expect(rarest3.distributionSeconds).toBeLessThan(Infinity);
    expect(sequential3.distributionSeconds).toBe(Infinity);
  });
});

describe("the textbook case (F/u = 1 h, u_s = 10u, d unlimited)", () => {
  const u = 1e6;
  const F = 3600 * u;
  const textbook = (peers: number, pieces: number): SimConfig => ({ mode: "p2p", strategy: "rarest", peers, fileBits: F, pieceBits: F / pieces, blockBits: F / pieces, serverUp: 10 * u, peerUp: u, peerDown: Infinity });

  it("comes within 10% of d_p2p at N = 100 with 1024 pieces", { timeout: 60_000 }, () => {
    const result = simulate(textbook(100, 1024));
    expect(result.distributionSeconds / result.bound).toBeGreaterThanOrEqual(1);
    expect(result.distributionSeconds / result.bound).toBeLessThanOrEqual(1.1);
  });

  it("approaches the bound at N = 10 too, and more pieces bring it closer", { timeout: 60_000 }, () => {
    const fine = simulate(textbook(10, 1024));
    const coarse = simulate(textbook(10, 64));
    expect(fine.distributionSeconds / fine.bound).toBeLessThanOrEqual(1.1);
    expect(coarse.distributionSeconds).toBeGreaterThan(fine.distributionSeconds);
  });
});
