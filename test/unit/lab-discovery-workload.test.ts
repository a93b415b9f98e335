import { describe, expect, it } from "vitest";
import { buildWorkload, holds, zipfSampler, type WorkloadConfig } from "../../client/lab/discovery/workload";
import { seededRandom } from "../../client/lab/simulator";

const config: WorkloadConfig = { peers: 500, catalogue: 1_000, sharesPerPeer: 20, replicationZipf: 0.8, queryZipf: 0.8, queries: 2_000 };

describe("the Zipf sampler", () => {
  it("draws rank i with probability ∝ 1/i^s", () => {
    const n = 100;
    const s = 1;
    const draw = zipfSampler(n, s);
    const random = seededRandom(11);
    const counts = new Array(n).fill(0);
    const draws = 200_000;
    for (let i = 0; i < draws; i++) counts[draw(random)]++;
    let harmonic = 0;
    for (let i = 1; i <= n; i++) harmonic += 1 / i ** s;
    for (const rank of [1, 2, 10]) {
      const expected = draws / rank ** s / harmonic;
      // binomial standard deviation is √(np(1−p)) ≤ √expected; 5 of them is far outside chance
      expect(Math.abs(counts[rank - 1] - expected)).toBeLessThan(5 * Math.sqrt(expected));
    }
  });

  it("never leaves the catalogue", () => {
    const draw = zipfSampler(7, 0.8);
    const random = seededRandom(3);
    const ranks = new Set<number>();
    for (let i = 0; i < 10_000; i++) ranks.add(draw(random));
    expect([...ranks].sort()).toEqual([0, 1, 2, 3, 4, 5, 6]);
  });
});

describe("a workload", () => {
  const workload = buildWorkload(config, seededRandom(5));

  it("gives every peer a share list of distinct items", () => {
    for (const list of workload.shares) {
      expect(list.length).toBe(config.sharesPerPeer);
      expect(new Set(list).size).toBe(list.length);
    }
    expect(workload.entries).toBe(config.peers * config.sharesPerPeer);
  });

  it("indexes holders as the exact inverse of the share lists, in peer order", () => {
    let pairs = 0;
    const problems: string[] = [];
    workload.holders.forEach((holders, item) => {
      for (let i = 1; i < holders.length; i++) if (holders[i]! <= holders[i - 1]!) problems.push(`item ${item} out of order`);
      for (const peer of holders) if (!workload.shares[peer]!.includes(item)) problems.push(`peer ${peer} does not share ${item}`);
      pairs += holders.length;
    });
    expect(problems).toEqual([]);
    expect(pairs).toBe(workload.entries);
  });

  it("replicates popular items more than rare ones", () => {
    const head = workload.holders.slice(0, 10).reduce((sum, h) => sum + h.length, 0);
    const tail = workload.holders.slice(-10).reduce((sum, h) => sum + h.length, 0);
    expect(head).toBeGreaterThan(10 * tail);
  });

  it("asks only for items someone holds, from a peer that lacks them", () => {
    expect(workload.queries.length).toBe(config.queries);
    for (const q of workload.queries) {
      expect(workload.holders[q.item]!.length).toBeGreaterThan(0);
      expect(holds(workload.holders[q.item]!, q.origin)).toBe(false);
    }
  });

  it("is the same for the same seed and differs for another", () => {
    const again = buildWorkload(config, seededRandom(5));
    const other = buildWorkload(config, seededRandom(6));
    expect(again.queries).toEqual(workload.queries);
    expect(other.queries).not.toEqual(workload.queries);
  });
});
