// KaZaA / FastTrack-style two-tier search: leaves publish their share lists to one supernode; supernodes
// flood queries among themselves with a small TTL and answer from the indexes they hold.
// Layer: client/lab/discovery, pure.
//
// FastTrack was never published; the model follows the measurements of Liang, Kumar & Ross ("Understanding
// KaZaA", 2004): each supernode indexes the files of its leaves (100–160 of them then), supernodes keep
// connections to other supernodes and pass queries on. Here one QueryHit per answering supernode carries all
// of its matches, routed back on the reverse path.
import { createFlooder, type Flooder } from "./flooding";
import { randomRegularGraph, type Graph } from "./graphs";
import type { Workload } from "./workload";

export type SupernodeOverlay = {
  /** supernodes[s] = the peer acting as supernode s. */
  supernodes: Int32Array;
  /** supernodeOf[peer] = the supernode indexing that peer (a supernode indexes itself). */
  supernodeOf: Int32Array;
  /** Peers indexed by each supernode, itself included. */
  groupSize: Int32Array;
  graph: Graph;
  flood: Flooder;
};

/**
 * Picks round(N / (leaves + 1)) supernodes at random (at least one), deals the other peers out to them in
 * turn (groups differ by at most one) and links the supernodes by a random graph of the given degree.
 */
export function buildSupernodeOverlay(peers: number, leavesPerSupernode: number, degree: number, random: () => number): SupernodeOverlay {
  const count = Math.max(1, Math.round(peers / (leavesPerSupernode + 1)));
  const order = Int32Array.from({ length: peers }, (_, i) => i);
  for (let i = peers - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const supernodes = order.slice(0, count);
  const supernodeOf = new Int32Array(peers);
  const groupSize = new Int32Array(count);
  for (let i = 0; i < peers; i++) {
    const s = i < count ? i : (i - count) % count;
    supernodeOf[order[i]!] = s;
    groupSize[s]!++;
  }
  const graph = randomRegularGraph(count, degree, random);
  return { supernodes, supernodeOf, groupSize, graph, flood: createFlooder(graph) };
}

export type SupernodeOutcome = {
  messages: number;
  queryMessages: number;
  hitMessages: number;
  /** Overlay hops to the first answer: leaf → supernode (1) plus supernode hops; null when nothing found. */
  hops: number | null;
  found: boolean;
  /** Supernodes that saw the query, the origin's own included. */
  supernodesReached: number;
};

/**
 * One query for `item` from peer `origin` with supernode TTL `ttl` (0 = the origin's own supernode only).
 * `matches` is scratch of length = supernode count; `load`, when given, is per peer.
 */
export function supernodeQuery(
  overlay: SupernodeOverlay,
  workload: Workload,
  origin: number,
  item: number,
  ttl: number,
  scratch: { matches: Int32Array; stamp: number; supernodeLoad: Float64Array },
  load?: Float64Array,
): SupernodeOutcome {
  const stamp = ++scratch.stamp;
  for (const holder of workload.holders[item]!) scratch.matches[overlay.supernodeOf[holder]!] = stamp;
  const home = overlay.supernodeOf[origin]!;
  const isLeaf = overlay.supernodes[home] !== origin;
  // a leaf's query and its merged reply cross one link; a supernode searches from where it is
  const leafMessages = isLeaf ? 2 : 0;
  if (load && isLeaf) {
    load[origin]! += 2;
    load[overlay.supernodes[home]!]! += 2;
  }
  const homeMatches = scratch.matches[home] === stamp;
  scratch.supernodeLoad.fill(0);
  const flood = overlay.flood(home, ttl, (s) => scratch.matches[s] === stamp, load ? scratch.supernodeLoad : undefined);
  if (load) for (let s = 0; s < overlay.supernodes.length; s++) load[overlay.supernodes[s]!]! += scratch.supernodeLoad[s]!;
  const found = homeMatches || flood.responders > 0;
  const supernodeHops = homeMatches ? 0 : flood.firstHitHops;
  return {
    messages: leafMessages + flood.queryMessages + flood.hitMessages,
    queryMessages: flood.queryMessages + leafMessages / 2,
    hitMessages: flood.hitMessages + leafMessages / 2,
    hops: found ? (isLeaf ? 1 : 0) + supernodeHops! : null,
    found,
    supernodesReached: 1 + flood.reached,
  };
}

/**
 * State per peer: a leaf keeps its supernode's address (1); a supernode keeps the share-list entries of its
 * group, one connection per leaf and its supernode neighbours.
 */
export function supernodeState(overlay: SupernodeOverlay, workload: Workload): Float64Array {
  const state = new Float64Array(workload.config.peers).fill(1);
  const entries = new Float64Array(overlay.supernodes.length);
  for (let p = 0; p < workload.config.peers; p++) entries[overlay.supernodeOf[p]!]! += workload.shares[p]!.length;
  for (let s = 0; s < overlay.supernodes.length; s++) {
    const neighbours = overlay.graph.offsets[s + 1]! - overlay.graph.offsets[s]!;
    state[overlay.supernodes[s]!] = entries[s]! + (overlay.groupSize[s]! - 1) + neighbours;
  }
  return state;
}
