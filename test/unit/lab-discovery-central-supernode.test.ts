import { describe, expect, it } from "vitest";
import { DEFAULT_SEARCH_LAB, runCentral, runSupernode, streamFor, type SearchLabConfig } from "../../client/lab/discovery/experiment";
import { bfsDistances } from "../../client/lab/discovery/graphs";
import { buildSupernodeOverlay, supernodeQuery } from "../../client/lab/discovery/supernode";
import { buildWorkload, type Workload } from "../../client/lab/discovery/workload";
import { seededRandom } from "../../client/lab/simulator";

const config: SearchLabConfig = { ...DEFAULT_SEARCH_LAB, centralReplyBytes: 10_000, centralRequestBytes: 34 };

function workloadOf(peers: number, queries = 300): Workload {
  return buildWorkload({ peers, catalogue: Math.max(1_000, peers), sharesPerPeer: 20, replicationZipf: 0.8, queryZipf: 0.8, queries }, seededRandom(peers));
}

describe("the central index", () => {
  for (const peers of [10, 100, 1_000, 10_000]) {
    it(`costs 2 messages and 1 hop per query with recall 1 at N = ${peers.toLocaleString("en-US")}`, () => {
      const row = runCentral(workloadOf(peers), config);
      expect(row).toMatchObject({ messagesPerQuery: 2, messagesP99: 2, hopsMean: 1, recall: 1, latencyMs: config.rttMs });
      // every share-list entry sits on the index, and every message touches it
      expect(row.stateMax).toBe(peers * 20);
      expect(row.busiestNodeShare).toBe(1);
      expect(row.busiestNodeLoad).toBe(2);
    });
  }
});

describe("a supernode overlay", () => {
  it("deals every peer to one supernode, in groups that differ by at most one", () => {
    const overlay = buildSupernodeOverlay(10_000, 200, 4, seededRandom(1));
    expect(overlay.supernodes.length).toBe(Math.round(10_000 / 201));
    expect(overlay.groupSize.reduce((a, b) => a + b, 0)).toBe(10_000);
    expect(Math.max(...overlay.groupSize) - Math.min(...overlay.groupSize)).toBeLessThanOrEqual(1);
    overlay.supernodes.forEach((peer, s) => expect(overlay.supernodeOf[peer]).toBe(s));
  });

  it("with a single supernode is a central index: recall 1 at TTL 0, at most 2 messages", () => {
    const workload = workloadOf(150);
    const [row] = runSupernode(workload, { ...config, supernodeTtls: [0] }, seededRandom(2));
    expect(row!.supernodes).toBe(1);
    expect(row!.recall).toBe(1);
    expect(row!.messagesP99).toBeLessThanOrEqual(2);
  });

  it("finds an item exactly when a holder's supernode is within TTL supernode hops", () => {
    const peers = 5_000;
    const workload = workloadOf(peers, 400);
    const ttls = [0, 1, 2, 3];
    const rows = runSupernode(workload, { ...config, supernodeTtls: ttls }, streamFor(1, 7));
    const overlay = buildSupernodeOverlay(peers, config.leavesPerSupernode, config.supernodeDegree, streamFor(1, 7));
    const distances = workload.queries.map((q) => bfsDistances(overlay.graph, overlay.supernodeOf[q.origin]!));
    rows.forEach((row, i) => {
      const ttl = ttls[i]!;
      const expected = workload.queries.filter((q, j) => workload.holders[q.item]!.some((h) => {
        const d = distances[j]![overlay.supernodeOf[h]!]!;
        return d >= 0 && d <= ttl;
      })).length;
      expect(row.recall).toBe(expected / workload.queries.length);
    });
  });

  it("charges a leaf two messages to reach its supernode, on top of the supernodes' flood", () => {
    const peers = 2_000;
    const workload = workloadOf(peers, 50);
    const overlay = buildSupernodeOverlay(peers, 200, 4, seededRandom(3));
    const scratch = { matches: new Int32Array(overlay.supernodes.length), stamp: 0, supernodeLoad: new Float64Array(overlay.supernodes.length) };
    const leaf = workload.queries.find((q) => overlay.supernodes[overlay.supernodeOf[q.origin]!] !== q.origin)!;
    const outcome = supernodeQuery(overlay, workload, leaf.origin, leaf.item, 1, scratch);
    const home = overlay.supernodeOf[leaf.origin]!;
    const neighbours = overlay.graph.offsets[home + 1]! - overlay.graph.offsets[home]!;
    // TTL 1: the home supernode sends one copy per neighbour; answering neighbours send one QueryHit each
    expect(outcome.messages - outcome.hitMessages).toBe(1 + neighbours);
    expect(outcome.messages).toBeGreaterThanOrEqual(2 + neighbours);
  });
});
