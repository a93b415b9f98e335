import { describe, expect, it } from "vitest";
import { bindingTerm, boundFor, clientServerBound, peerToPeerBound } from "../../client/lab/bounds";

const hour = 3600;

describe("the textbook's worked example (F/u = 1 hour, u_s = 10u, d_min ≥ u_s)", () => {
  // Kurose & Ross §2.5.1, Figure 2.23: take u = 1 so F = 3600 (F/u = 1 hour), u_s = 10, d = u_s.
  const example = (peers: number) => ({ fileBits: 3600, serverUp: 10, peerUp: 1, peerDown: 10, peers });

  it("client-server grows linearly: N/10 hours", () => {
    for (const n of [1, 5, 10, 20, 30]) expect(clientServerBound(example(n))).toBeCloseTo((n / 10) * hour, 9);
  });

  it("peer-to-peer is max(0.1, N/(10 + N)) hours: under one hour for every N", () => {
    for (const n of [1, 5, 10, 20, 30, 1000, 1e6]) {
      const expected = Math.max(0.1, n / (10 + n)) * hour;
      expect(peerToPeerBound(example(n))).toBeCloseTo(expected, 6);
      expect(peerToPeerBound(example(n))).toBeLessThan(hour);
    }
    expect(peerToPeerBound(example(30))).toBeCloseTo(0.75 * hour, 9); // the figure's right edge
  });
});

describe("the textbook table (F = 15 Gbit, u_s = 30 Mbit/s, d = 2 Mbit/s)", () => {
  const capacities = (peers: number, u: number) => ({ fileBits: 15e9, serverUp: 30e6, peerUp: u, peerDown: 2e6, peers });
  const Ns = [10, 100, 1000];

  it("client-server: 7 500 s, 50 000 s, 500 000 s whatever the peers' upload", () => {
    // N = 10: N·F/u_s = 5 000 s < F/d = 7 500 s; then N·F/u_s = 50 000 s and 500 000 s.
    for (const u of [300e3, 500e3, 700e3, 1e6, 2e6]) {
      expect(Ns.map((n) => clientServerBound(capacities(n, u)))).toEqual([7500, 50000, 500000]);
    }
  });

  it("peer-to-peer with u = 300 kbit/s, 700 kbit/s, 2 Mbit/s matches the solutions manual", () => {
    const table: Record<number, number[]> = {
      300e3: [7500, 25000, 45454.5], // 1.5e13 / (30e6 + 1000 · 300e3) = 45 454.5 s
      700e3: [7500, 15000, 20547.9],
      2e6: [7500, 7500, 7500],
    };
    for (const [u, expected] of Object.entries(table)) {
      Ns.forEach((n, i) => expect(peerToPeerBound(capacities(n, Number(u)))).toBeCloseTo(expected[i]!, 0));
    }
  });

  it("peer-to-peer with u = 0.5, 1, 2 Mbit/s", () => {
    // N·F/(u_s + N·u) against F/d = 7 500 s:
    // u = 0.5: 4 285.7 (→ 7 500), 18 750, 28 301.9;  u = 1: 3 750 (→ 7 500), 11 538.5, 14 563.1;
    // u = 2: 3 000 (→ 7 500), 6 521.7 (→ 7 500), 7 389.2 (→ 7 500).
    const table: Record<number, number[]> = {
      0.5e6: [7500, 18750, 28301.9],
      1e6: [7500, 11538.5, 14563.1],
      2e6: [7500, 7500, 7500],
    };
    for (const [u, expected] of Object.entries(table)) {
      Ns.forEach((n, i) => expect(peerToPeerBound(capacities(n, Number(u)))).toBeCloseTo(expected[i]!, 0));
    }
  });

  it("names the binding term", () => {
    expect(bindingTerm(capacities(10, 1e6))).toBe("download");
    expect(bindingTerm(capacities(1000, 1e6))).toBe("aggregate");
    expect(bindingTerm({ fileBits: 1, serverUp: 1, peerUp: 100, peerDown: 100, peers: 2 })).toBe("server");
  });
});

describe("bounds for the lab's modes", () => {
  const c = { fileBits: 8e6, serverUp: 4e6, peerUp: [1e6, 2e6, 3e6], peerDown: [8e6, 4e6, 8e6], peers: 3 };

  it("uses d_cs for cs and d_p2p for p2p and hybrid", () => {
    expect(boundFor("cs", c)).toBe(6); // 3 · 8e6 / 4e6
    expect(boundFor("p2p", c)).toBe(2.4); // 3 · 8e6 / (4e6 + 6e6) > F/u_s = F/d_min = 2
    expect(boundFor("hybrid", c)).toBe(boundFor("p2p", c));
  });

  it("never has d_p2p above d_cs", () => {
    for (const peers of [1, 2, 5, 50]) {
      const k = { fileBits: 1e6, serverUp: 3e5, peerUp: 1e5, peerDown: 2e5, peers };
      expect(peerToPeerBound(k)).toBeLessThanOrEqual(clientServerBound(k));
    }
  });

  it("rejects impossible inputs", () => {
    expect(() => clientServerBound({ ...c, peers: 0 })).toThrow(RangeError);
    expect(() => peerToPeerBound({ ...c, peerUp: [1] })).toThrow(RangeError);
    expect(() => peerToPeerBound({ ...c, serverUp: 0 })).toThrow(RangeError);
  });
});
