import { describe, expect, it } from "vitest";
import { capAllowance, checkCap, diversityOf, piecesHeld, recordFromSimulation, toCsv, type RunRecord } from "../../client/lab/records";
import { checkGoals } from "../../client/lab/report";
import { simulate } from "../../client/lab/simulator";
import { parseRate, parseSize } from "../../client/lab/units";

describe("cap checks on a sampled byte counter", () => {
  const cap = 1_000_000; // bytes/s
  const steady = (rate: number) => Array.from({ length: 21 }, (_, i) => [i * 250, (rate * i * 250) / 1000] as [number, number]);

  it("passes a counter at the cap and reports its rate", () => {
    const check = checkCap(steady(cap), cap);
    expect(check.ok).toBe(true);
    expect(check.maxRate).toBeCloseTo(cap, 0);
  });

  it("fails a counter 10% over the cap", () => {
    const check = checkCap(steady(1.1 * cap), cap);
    expect(check.ok).toBe(false);
    expect(check.worstExcessBytes).toBeGreaterThan(0);
  });

  it("tolerates one bucket's burst but not a second's", () => {
    const burst = (bytes: number) => [[0, 0], [10, bytes], [2000, bytes + 2 * cap]] as [number, number][];
    expect(checkCap(burst(capAllowance(cap) * 0.9), cap).ok).toBe(true);
    expect(checkCap(burst(cap), cap).ok).toBe(false);
  });

  it("lets a lossless cap catch up after a stall, as long as the count since the start stays under cap·t", () => {
    // nothing for 500 ms (a late timer), then the owed bytes at once: a short window runs at twice the cap
    const stall: [number, number][] = [[0, 0], [250, 0], [500, 0], [750, 0.75 * cap], [1000, cap], [2000, 2 * cap]];
    expect(checkCap(stall, cap).ok).toBe(true);
    // but a counter ahead of cap·t since the start fails, however it got there
    const ahead: [number, number][] = [[0, 0], [500, 0], [750, 0.75 * cap + capAllowance(cap) + 1]];
    expect(checkCap(ahead, cap).ok).toBe(false);
  });

  it("has nothing to check without a cap", () => {
    expect(checkCap(steady(5 * cap), null).ok).toBe(true);
  });
});

describe("piece diversity from bitfields", () => {
  it("counts distinct pieces and the rarest piece's copies, high bit first (BEP 3)", () => {
    // 10 pieces: peer A has 0,1 (0xc0), peer B has 1 and 9 (0x40, 0x40)
    expect(diversityOf(["c000", "4040"], 10)).toEqual({ distinct: 3, minCopies: 0, meanCopies: 0.4, maxCopies: 2 });
    expect(diversityOf(["ffc0", "ffc0"], 10)).toEqual({ distinct: 10, minCopies: 2, meanCopies: 2, maxCopies: 2 });
    expect(piecesHeld("ffc0")).toBe(10);
  });
});

describe("command-line units", () => {
  it("reads sizes and rates", () => {
    expect(parseSize("4MiB")).toBe(4 * 2 ** 20);
    expect(parseSize("512KiB")).toBe(512 * 1024);
    expect(parseSize("1000")).toBe(1000);
    expect(parseRate("8Mbit")).toBe(8e6);
    expect(parseRate("500kbit")).toBe(5e5);
    expect(parseRate("2MB/s")).toBe(16e6);
    expect(parseRate("unlimited")).toBe(Infinity);
    expect(() => parseRate("fast")).toThrow(RangeError);
  });
});

describe("records and goals", () => {
  const sim = (mode: "cs" | "p2p" | "hybrid", peers: number) =>
    recordFromSimulation(simulate({ mode, strategy: "rarest", peers, fileBits: 64 * 131072, pieceBits: 131072, serverUp: 8e6, peerUp: 4e6, peerDown: 8e6 }));

  it("turns a simulation into a valid record at or above its bound", () => {
    const record = sim("p2p", 8);
    expect(record.valid).toBe(true);
    expect(record.ratio!).toBeGreaterThanOrEqual(1);
    expect(record.serverBytes + record.peerBytes).toBeGreaterThanOrEqual(8 * record.fileBytes * (1 - 1e-9));
  });

  it("writes one CSV row per record under a header", () => {
    const csv = toCsv([sim("cs", 2), sim("p2p", 2)]).trim().split("\n");
    expect(csv).toHaveLength(3);
    expect(csv[0]!.startsWith("kind,mode,strategy,peers")).toBe(true);
  });

  const fake = (mode: "cs" | "p2p" | "hybrid", seconds: number, extra: Partial<RunRecord> = {}): RunRecord => ({ ...sim(mode, 4), kind: "real", distributionSeconds: seconds, ratio: seconds / sim(mode, 4).bound, ...extra });

  it("flags a run that beats its bound and a hybrid more than 5% slower than the better of the others", () => {
    const goals = checkGoals([fake("cs", 10), fake("p2p", 5), fake("hybrid", 5.3)]);
    expect(goals.find((g) => g.goal.startsWith("hybrid"))!.met).toBe(false);
    expect(checkGoals([fake("cs", 10), fake("p2p", 5), fake("hybrid", 5.2)]).find((g) => g.goal.startsWith("hybrid"))!.met).toBe(true);
    expect(checkGoals([fake("p2p", 0.1)]).find((g) => g.goal.startsWith("every"))!.met).toBe(false);
  });

  it("judges goals on medians of results only: a CPU-limited or invalid repeat does not count", () => {
    const runs = [fake("p2p", 5, { repeat: 0 }), fake("p2p", 5.2, { repeat: 1 }), fake("p2p", 50, { repeat: 2, cpuLimited: true, cpuReasons: ["machine CPU 95%"] })];
    const goal = checkGoals(runs).find((g) => g.goal.startsWith("p2p"))!;
    expect(goal.detail).toMatch(/2 results/);
    expect(goal.detail.startsWith(`median ${(5.1 / runs[0]!.bound).toFixed(3)}×`)).toBe(true);
  });
});
