import { describe, expect, it } from "vitest";
import { DEFAULT_SEARCH_LAB, runFlooding, streamFor, type SearchLabConfig } from "../../client/lab/discovery/experiment";
import { createFlooder } from "../../client/lab/discovery/flooding";
import { bfsDistances, degreeOf, fromEdgeList, randomRegularGraph, type Graph } from "../../client/lab/discovery/graphs";
import { floodSaturatedMessages, floodTreeForwarders, floodTreeMessages } from "../../client/lab/discovery/theory";
import { buildWorkload } from "../../client/lab/discovery/workload";
import { seededRandom } from "../../client/lab/simulator";

const nobody = () => false;

function ballSize(distances: Int32Array, radius: number): number {
  let n = 0;
  for (const d of distances) if (d >= 1 && d <= radius) n++;
  return n;
}

describe("a random regular graph", () => {
  for (const [size, degree] of [
    [10_000, 4],
    [1_000, 7],
    [11, 3], // size × degree odd: one node gets degree − 1
  ] as const) {
    it(`on ${size} nodes has degree ${degree}, no loops and no parallel edges`, () => {
      const graph = randomRegularGraph(size, degree, seededRandom(1));
      const problems: string[] = [];
      let short = 0;
      for (let v = 0; v < size; v++) {
        const neighbours = [...graph.neighbours.subarray(graph.offsets[v]!, graph.offsets[v + 1]!)];
        if (neighbours.includes(v)) problems.push(`loop at ${v}`);
        if (new Set(neighbours).size !== neighbours.length) problems.push(`parallel edge at ${v}`);
        if (neighbours.length === degree - 1) short++;
        else if (neighbours.length !== degree) problems.push(`degree ${neighbours.length} at ${v}`);
        for (const w of neighbours) if (!graph.neighbours.subarray(graph.offsets[w]!, graph.offsets[w + 1]!).includes(v)) problems.push(`${v}→${w} one-way`);
      }
      expect(problems).toEqual([]);
      expect(short).toBe((size * degree) % 2);
    });
  }

  it("is the complete graph when the degree asks for more neighbours than there are nodes", () => {
    const graph = randomRegularGraph(5, 9, seededRandom(1));
    for (let v = 0; v < 5; v++) expect(degreeOf(graph, v)).toBe(4);
  });
});

describe("flooding a Query (Gnutella 0.4)", () => {
  it("sends k copies per TTL 1 and forwards k − 1 from each node reached before the last hop", () => {
    // a path 0 - 1 - 2 - 3: node 1 and 2 forward one copy each, never back
    const path = fromEdgeList(4, [0, 1, 1, 2, 2, 3]);
    const flood = createFlooder(path);
    expect(flood(0, 1, nobody).queryMessages).toBe(1);
    expect(flood(0, 2, nobody).queryMessages).toBe(2);
    expect(flood(0, 9, nobody)).toMatchObject({ queryMessages: 3, reached: 3 });
  });

  it("counts duplicate copies, drops them, and routes each QueryHit back hop by hop", () => {
    // a triangle 0-1-2 plus a tail 2-3: 1 and 2 both forward to each other (two duplicates)
    const graph = fromEdgeList(4, [0, 1, 0, 2, 1, 2, 2, 3]);
    const flood = createFlooder(graph);
    const load = new Float64Array(4);
    const outcome = flood(0, 3, (v) => v === 3, load);
    expect(outcome).toMatchObject({ queryMessages: 2 + 1 + 2, reached: 3, responders: 1, firstHitHops: 2, hitMessages: 2 });
    // every message has one sender and one receiver
    expect(load.reduce((a, b) => a + b, 0)).toBe(2 * (outcome.queryMessages + outcome.hitMessages));
  });

  const size = 10_000;
  const k = 4;
  const graph = randomRegularGraph(size, k, seededRandom(7));
  const flood = createFlooder(graph);
  const origins = Array.from({ length: 100 }, (_, i) => i * 97);

  it("sends exactly k + (k − 1)·|ball(t − 1)| copies on a k-regular graph", () => {
    for (const origin of origins.slice(0, 20)) {
      const distances = bfsDistances(graph, origin);
      for (let ttl = 1; ttl <= 9; ttl++) {
        expect(flood(origin, ttl, nobody).queryMessages).toBe(k + (k - 1) * ballSize(distances, ttl - 1));
      }
    }
  });

  it("matches Σ k(k−1)^(i−1) while the flood is still a tree", () => {
    // Each node first reached by hop t − 1 forwards k − 1 copies, so the only shortfall against the tree is
    // nodes reached twice. A new copy lands on an already reached node with probability ≈ |ball|/N, so the
    // expected shortfall is below |ball(t − 1)|/N of the count (under 1.7% here up to TTL 5); the tolerance
    // is twice that bound plus 0.5% for averaging only 100 origins.
    for (let ttl = 1; ttl <= 5; ttl++) {
      const mean = origins.reduce((sum, o) => sum + flood(o, ttl, nobody).queryMessages, 0) / origins.length;
      const tree = floodTreeMessages(k, ttl);
      const tolerance = 2 * (floodTreeForwarders(k, ttl) / size) + 0.005;
      expect(mean).toBeLessThanOrEqual(tree);
      expect(Math.abs(mean - tree) / tree).toBeLessThanOrEqual(tolerance);
    }
    expect(floodTreeMessages(4, 7)).toBe(4 + 12 + 36 + 108 + 324 + 972 + 2916);
  });

  it("saturates at k + (k − 1)(N − 1) once the ball covers the graph", () => {
    const small: Graph = randomRegularGraph(1_000, 7, seededRandom(2));
    const smallFlood = createFlooder(small);
    for (const origin of [0, 500, 999]) {
      expect(bfsDistances(small, origin).every((d) => d >= 0)).toBe(true); // connected
      expect(smallFlood(origin, 20, nobody).queryMessages).toBe(floodSaturatedMessages(7, 1_000));
    }
  });
});

describe("flooding recall", () => {
  const config: SearchLabConfig = { ...DEFAULT_SEARCH_LAB, centralReplyBytes: 0, centralRequestBytes: 0 };
  const peers = 3_000;
  const workload = buildWorkload(
    { peers, catalogue: 3_000, sharesPerPeer: 20, replicationZipf: 0.8, queryZipf: 0.8, queries: 400 },
    seededRandom(9),
  );
  const ttls = [1, 2, 3, 4, 5, 6, 7];
  const rows = runFlooding(workload, config, 4, ttls, streamFor(1, 42));
  // the same stream builds the same overlay the run used
  const graph = randomRegularGraph(peers, 4, streamFor(1, 42));
  const distances = workload.queries.map((q) => bfsDistances(graph, q.origin));

  it("equals the fraction of queries with a holder inside the BFS ball of radius TTL", () => {
    for (const row of rows) {
      const inBall = workload.queries.filter((q, i) => workload.holders[q.item]!.some((h) => distances[i]![h]! >= 1 && distances[i]![h]! <= row.ttl!)).length;
      expect(row.recall).toBe(inBall / workload.queries.length);
    }
  });

  it("reports hops to the nearest holder and QueryHits summed over every holder's distance", () => {
    for (const row of rows) {
      let nearest = 0;
      let found = 0;
      let hits = 0;
      workload.queries.forEach((q, i) => {
        const within = [...workload.holders[q.item]!].map((h) => distances[i]![h]!).filter((d) => d >= 1 && d <= row.ttl!);
        hits += within.reduce((a, b) => a + b, 0);
        if (within.length > 0) {
          found++;
          nearest += Math.min(...within);
        }
      });
      expect(row.hopsMean).toBeCloseTo(nearest / found, 9);
      expect(row.hitMessages).toBeCloseTo(hits / workload.queries.length, 9);
    }
  });

  it("grows with the TTL", () => {
    for (let i = 1; i < rows.length; i++) expect(rows[i]!.recall).toBeGreaterThanOrEqual(rows[i - 1]!.recall);
    expect(rows[0]!.recall).toBeLessThan(rows[rows.length - 1]!.recall);
  });
});
