// The search lab's runs: one workload per N, answered by the central index, Gnutella flooding, KaZaA
// supernodes and Chord, summarised into one row per (architecture, N, TTL or churn setting).
// Layer: client/lab/discovery, pure (the seed comes in; nothing reads a clock).
import { seededRandom } from "../sim/random";
import { centralQuery, centralState } from "./central";
import { buildChordRing, chordState, lookup, type ChordRing } from "./chord";
import { createFlooder } from "./flooding";
import { randomRegularGraph } from "./graphs";
import { buildSupernodeOverlay, supernodeQuery, supernodeState } from "./supernode";
import { WIRE_BYTES } from "./wire-sizes";
import { buildWorkload, type Workload } from "./workload";

export type SearchLabConfig = {
  peers: number[];
  /** Catalogue = max(minCatalogue, itemsPerPeer × N): content grows with the people who bring it. */
  itemsPerPeer: number;
  minCatalogue: number;
  sharesPerPeer: number;
  replicationZipf: number;
  queryZipf: number;
  /** Queries per N (the same ones for every architecture). */
  queries: number;
  /** Flooding degrees k; the first is the headline one. */
  floodDegrees: number[];
  floodTtls: number[];
  defaultFloodTtl: number;
  leavesPerSupernode: number;
  supernodeDegree: number;
  supernodeTtls: number[];
  defaultSupernodeTtl: number;
  chordBits: number;
  /** Successor list length r of the headline Chord rows. */
  chordSuccessors: number;
  /** Fractions of nodes failed at once, nothing repaired. */
  churnFractions: number[];
  churnSuccessors: number[];
  churnPeers: number[];
  /** Round-trip time of one overlay hop (peer to peer, or peer to the edge). */
  rttMs: number;
  /** What a request to a failed node costs before the sender moves on. */
  timeoutMs: number;
  /** Bytes of the central directory's reply and request (from measured-directory.ts). */
  centralReplyBytes: number;
  centralRequestBytes: number;
  seed: number;
};

export const DEFAULT_SEARCH_LAB: Omit<SearchLabConfig, "centralReplyBytes" | "centralRequestBytes"> = {
  peers: [10, 100, 1_000, 10_000, 100_000],
  itemsPerPeer: 1,
  minCatalogue: 1_000,
  sharesPerPeer: 20,
  replicationZipf: 0.8,
  queryZipf: 0.8,
  queries: 1_000,
  floodDegrees: [4, 7],
  floodTtls: [1, 2, 3, 4, 5, 6, 7],
  defaultFloodTtl: 7, // Gnutella 0.4's default
  leavesPerSupernode: 200,
  supernodeDegree: 4,
  supernodeTtls: [0, 1, 2, 3, 4],
  defaultSupernodeTtl: 2,
  chordBits: 32,
  chordSuccessors: 2,
  churnFractions: [0.05, 0.1, 0.2],
  churnSuccessors: [1, 2, 4],
  churnPeers: [1_000, 10_000],
  rttMs: 50,
  timeoutMs: 200, // 4 RTTs
  seed: 1,
};

export type Architecture = "central" | "flooding" | "supernode" | "chord";

/** One (architecture, N, setting). Per-query figures are means over the run's queries unless named p99. */
export type SearchRow = {
  architecture: Architecture;
  peers: number;
  /** Distinct items anyone shares or could share (the queries' universe). */
  catalogue: number;
  /** Flooding / supernode TTL; null for central and Chord. */
  ttl: number | null;
  messagesPerQuery: number;
  messagesP99: number;
  /** Overlay hops to the first answer (1 RTT each), over queries that found something; null if none did. */
  hopsMean: number | null;
  /** Fraction of queries that found ≥ 1 holder (every query asks for an item someone holds). */
  recall: number;
  /** Entries per node: routing entries plus index entries kept for others (own shares not counted). */
  stateMean: number;
  /** Messages sent or received by the most loaded node over the run, per query. */
  busiestNodeLoad: number;
  latencyMs: number | null;
  latencyP99Ms: number | null;
  hopsP99: number | null;
  stateMax: number;
  /** busiest node's messages / all messages: 1 means every message touches it. */
  busiestNodeShare: number;
  queryMessages: number;
  hitMessages: number;
  /** Payload bytes per query from wire-sizes.ts (central: the measured reply shape). */
  bytesPerQuery: number;
  /** Flooding: k; supernode: the supernode graph's degree; null otherwise. */
  degree: number | null;
  supernodes: number | null;
  /** Chord successor list length r. */
  successors: number | null;
  /** Fraction of Chord nodes failed (null: no failures). */
  churn: number | null;
  /** Chord: the paper's path length, routing moves before the answering node. */
  pathLengthMean: number | null;
  timeoutsMean: number | null;
  /** Under churn: lookups that found the key but took longer than on the intact ring. */
  slowerFraction: number | null;
  /** The headline configuration of its architecture (default degree, TTL and r; no churn). */
  headline: boolean;
  queries: number;
};

/** An independent stream per (seed, labels): adding a TTL or an N leaves the other runs' draws alone. */
export function streamFor(seed: number, ...labels: number[]): () => number {
  let h = 0x811c9dc5 ^ seed;
  for (const label of labels) {
    h = Math.imul(h ^ (label >>> 0), 0x01000193);
    h = Math.imul(h ^ Math.floor(label / 2 ** 32), 0x01000193);
  }
  return seededRandom(h >>> 0);
}

const ARCH_LABEL: Record<Architecture, number> = { central: 1, flooding: 2, supernode: 3, chord: 4 };

function mean(values: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i]!;
  return values.length ? sum / values.length : 0;
}

/** Nearest-rank percentile. */
export function percentile(values: ArrayLike<number>, p: number): number {
  const sorted = Float64Array.from(values).sort();
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))]!;
}

function max(values: ArrayLike<number>): number {
  let m = -Infinity;
  for (let i = 0; i < values.length; i++) if (values[i]! > m) m = values[i]!;
  return m;
}

type Tally = { messages: Float64Array; query: Float64Array; hit: Float64Array; hops: number[]; latencies: number[]; found: number; load: Float64Array };

function tally(queries: number, nodes: number): Tally {
  return {
    messages: new Float64Array(queries),
    query: new Float64Array(queries),
    hit: new Float64Array(queries),
    hops: [],
    latencies: [],
    found: 0,
    load: new Float64Array(nodes),
  };
}

function row(
  base: Pick<SearchRow, "architecture" | "peers" | "catalogue" | "ttl" | "degree" | "supernodes" | "successors" | "churn" | "headline">,
  t: Tally,
  state: Float64Array,
  bytesPerQuery: number,
  extra: Partial<SearchRow> = {},
): SearchRow {
  const queries = t.messages.length;
  const totalMessages = queries * mean(t.messages);
  const busiest = max(t.load);
  return {
    ...base,
    messagesPerQuery: mean(t.messages),
    messagesP99: percentile(t.messages, 0.99),
    hopsMean: t.hops.length ? mean(t.hops) : null,
    recall: t.found / queries,
    stateMean: mean(state),
    busiestNodeLoad: busiest / queries,
    latencyMs: t.latencies.length ? mean(t.latencies) : null,
    latencyP99Ms: t.latencies.length ? percentile(t.latencies, 0.99) : null,
    hopsP99: t.hops.length ? percentile(t.hops, 0.99) : null,
    stateMax: max(state),
    busiestNodeShare: totalMessages > 0 ? busiest / totalMessages : 0,
    queryMessages: mean(t.query),
    hitMessages: mean(t.hit),
    bytesPerQuery,
    pathLengthMean: null,
    timeoutsMean: null,
    slowerFraction: null,
    queries,
    ...extra,
  };
}

export function runCentral(workload: Workload, config: SearchLabConfig): SearchRow {
  const { peers } = workload.config;
  const t = tally(workload.queries.length, peers + 1); // node `peers` is the index
  workload.queries.forEach((q, i) => {
    const outcome = centralQuery(workload, q.item);
    t.messages[i] = outcome.messages;
    t.query[i] = 1;
    t.hit[i] = 1;
    t.load[q.origin]! += 2;
    t.load[peers]! += 2;
    if (outcome.found) {
      t.found++;
      t.hops.push(outcome.hops);
      t.latencies.push(outcome.hops * config.rttMs);
    }
  });
  const base = { architecture: "central" as const, peers, catalogue: workload.config.catalogue, ttl: null, degree: null, supernodes: null, successors: null, churn: null, headline: true };
  return row(base, t, centralState(workload), config.centralRequestBytes + config.centralReplyBytes);
}

export function runFlooding(workload: Workload, config: SearchLabConfig, degree: number, ttls: readonly number[], random: () => number): SearchRow[] {
  const { peers } = workload.config;
  const graph = randomRegularGraph(peers, degree, random);
  const flood = createFlooder(graph);
  const state = new Float64Array(peers);
  for (let v = 0; v < peers; v++) state[v] = graph.offsets[v + 1]! - graph.offsets[v]!;
  const mark = new Int32Array(peers);
  let stamp = 0;
  return ttls.map((ttl) => {
    const t = tally(workload.queries.length, peers);
    workload.queries.forEach((q, i) => {
      const id = ++stamp;
      for (const h of workload.holders[q.item]!) mark[h] = id;
      const outcome = flood(q.origin, ttl, (v) => mark[v] === id, t.load);
      t.messages[i] = outcome.queryMessages + outcome.hitMessages;
      t.query[i] = outcome.queryMessages;
      t.hit[i] = outcome.hitMessages;
      if (outcome.firstHitHops !== null) {
        t.found++;
        t.hops.push(outcome.firstHitHops);
        t.latencies.push(outcome.firstHitHops * config.rttMs);
      }
    });
    const base = {
      architecture: "flooding" as const,
      peers,
      catalogue: workload.config.catalogue,
      ttl,
      degree,
      supernodes: null,
      successors: null,
      churn: null,
      headline: degree === config.floodDegrees[0] && ttl === config.defaultFloodTtl,
    };
    const bytes = mean(t.query) * WIRE_BYTES.gnutellaQuery + mean(t.hit) * WIRE_BYTES.gnutellaQueryHit;
    return row(base, t, state, bytes);
  });
}

export function runSupernode(workload: Workload, config: SearchLabConfig, random: () => number): SearchRow[] {
  const { peers } = workload.config;
  const overlay = buildSupernodeOverlay(peers, config.leavesPerSupernode, config.supernodeDegree, random);
  const state = supernodeState(overlay, workload);
  const count = overlay.supernodes.length;
  const scratch = { matches: new Int32Array(count), stamp: 0, supernodeLoad: new Float64Array(count) };
  return config.supernodeTtls.map((ttl) => {
    const t = tally(workload.queries.length, peers);
    workload.queries.forEach((q, i) => {
      const outcome = supernodeQuery(overlay, workload, q.origin, q.item, ttl, scratch, t.load);
      t.messages[i] = outcome.messages;
      t.query[i] = outcome.queryMessages;
      t.hit[i] = outcome.hitMessages;
      if (outcome.found) {
        t.found++;
        t.hops.push(outcome.hops!);
        t.latencies.push(outcome.hops! * config.rttMs);
      }
    });
    const base = {
      architecture: "supernode" as const,
      peers,
      catalogue: workload.config.catalogue,
      ttl,
      degree: Math.min(config.supernodeDegree, count - 1),
      supernodes: count,
      successors: null,
      churn: null,
      headline: ttl === config.defaultSupernodeTtl,
    };
    const bytes = mean(t.query) * WIRE_BYTES.gnutellaQuery + mean(t.hit) * WIRE_BYTES.gnutellaQueryHit;
    return row(base, t, state, bytes);
  });
}

/** Item identifiers on the ring (standing in for SHA-1 of the item's name). */
export function itemKeysFor(catalogue: number, bits: number, random: () => number): Float64Array {
  return Float64Array.from({ length: catalogue }, () => Math.floor(random() * 2 ** bits));
}

export function runChord(workload: Workload, config: SearchLabConfig, ring: ChordRing, itemKeys: Float64Array): SearchRow {
  const { peers } = workload.config;
  const t = tally(workload.queries.length, peers);
  const steps: number[] = [];
  workload.queries.forEach((q, i) => {
    const outcome = lookup(ring, q.origin, itemKeys[q.item]!, undefined, t.load);
    t.messages[i] = outcome.messages;
    t.query[i] = outcome.messages / 2;
    t.hit[i] = outcome.messages / 2;
    if (outcome.ok) {
      t.found++;
      t.hops.push(outcome.hops);
      steps.push(outcome.steps);
      t.latencies.push(outcome.hops * config.rttMs);
    }
  });
  const base = { architecture: "chord" as const, peers, catalogue: workload.config.catalogue, ttl: null, degree: null, supernodes: null, successors: ring.successors, churn: null, headline: true };
  return row(base, t, chordState(ring, itemKeys, workload.holders), mean(t.messages) * WIRE_BYTES.chordMessage, { pathLengthMean: mean(steps) });
}

/**
 * Chord after a fraction of nodes fail at once with no stabilisation. Lookups are for uniform random keys
 * from uniform live origins, as in the Chord paper's failure experiments (the Zipf queries would measure
 * mostly whether the few nodes around the hottest keys survived), and each is compared with the same lookup
 * on the intact ring. `failures` picks the failed nodes; `lookups` the keys and origins.
 */
export function runChordChurn(
  ring: ChordRing,
  config: SearchLabConfig,
  state: Float64Array,
  catalogue: number,
  fraction: number,
  failures: () => number,
  lookups: () => number,
): SearchRow {
  const peers = ring.size;
  const alive = new Uint8Array(peers).fill(1);
  const order = Int32Array.from({ length: peers }, (_, i) => i);
  const failed = Math.floor(fraction * peers);
  for (let i = 0; i < failed; i++) {
    const j = i + Math.floor(failures() * (peers - i));
    [order[i], order[j]] = [order[j]!, order[i]!];
    alive[order[i]!] = 0;
  }
  const t = tally(config.queries, peers);
  const timeouts: number[] = [];
  let slower = 0;
  for (let i = 0; i < config.queries; i++) {
    let origin: number;
    do origin = Math.floor(lookups() * peers);
    while (alive[origin] === 0);
    const key = Math.floor(lookups() * 2 ** ring.bits);
    const intact = lookup(ring, origin, key);
    const outcome = lookup(ring, origin, key, alive, t.load);
    t.messages[i] = outcome.messages;
    t.query[i] = outcome.hops + outcome.timeouts;
    t.hit[i] = outcome.hops;
    timeouts.push(outcome.timeouts);
    if (outcome.ok) {
      t.found++;
      t.hops.push(outcome.hops);
      const latency = outcome.hops * config.rttMs + outcome.timeouts * config.timeoutMs;
      t.latencies.push(latency);
      if (latency > intact.hops * config.rttMs) slower++;
    }
  }
  const base = { architecture: "chord" as const, peers, catalogue, ttl: null, degree: null, supernodes: null, successors: ring.successors, churn: fraction, headline: false };
  return row(base, t, state, mean(t.messages) * WIRE_BYTES.chordMessage, {
    timeoutsMean: mean(timeouts),
    slowerFraction: slower / config.queries,
  });
}

export function catalogueFor(config: Pick<SearchLabConfig, "itemsPerPeer" | "minCatalogue">, peers: number): number {
  return Math.max(config.minCatalogue, Math.round(config.itemsPerPeer * peers));
}

export type SearchLabProgress = (line: string) => void;

/** Every row of the lab, N by N. */
export function runSearchLab(config: SearchLabConfig, progress: SearchLabProgress = () => undefined): SearchRow[] {
  const rows: SearchRow[] = [];
  for (const peers of config.peers) {
    const workload = buildWorkload(
      {
        peers,
        catalogue: catalogueFor(config, peers),
        sharesPerPeer: config.sharesPerPeer,
        replicationZipf: config.replicationZipf,
        queryZipf: config.queryZipf,
        queries: config.queries,
      },
      streamFor(config.seed, peers, 0),
    );
    rows.push(runCentral(workload, config));
    for (const degree of config.floodDegrees) {
      rows.push(...runFlooding(workload, config, degree, config.floodTtls, streamFor(config.seed, peers, ARCH_LABEL.flooding, degree)));
      progress(`search: N=${peers} flooding k=${degree} done`);
    }
    rows.push(...runSupernode(workload, config, streamFor(config.seed, peers, ARCH_LABEL.supernode)));
    const ring = buildChordRing(peers, config.chordBits, config.chordSuccessors, streamFor(config.seed, peers, ARCH_LABEL.chord));
    const itemKeys = itemKeysFor(workload.config.catalogue, config.chordBits, streamFor(config.seed, peers, ARCH_LABEL.chord, 1));
    rows.push(runChord(workload, config, ring, itemKeys));
    if (config.churnPeers.includes(peers)) {
      for (const fraction of config.churnFractions) {
        for (const successors of config.churnSuccessors) {
          const withList: ChordRing = { ...ring, successors: Math.max(1, Math.min(successors, peers - 1)) };
          // the same failed nodes and the same lookups for every r, so the rows differ by r alone
          const failures = streamFor(config.seed, peers, ARCH_LABEL.chord, 2, Math.round(fraction * 1e6));
          const lookups = streamFor(config.seed, peers, ARCH_LABEL.chord, 3);
          rows.push(runChordChurn(withList, config, chordState(withList, itemKeys, workload.holders), workload.config.catalogue, fraction, failures, lookups));
        }
      }
    }
    progress(`search: N=${peers} done`);
  }
  return rows;
}
