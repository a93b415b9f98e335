// A Chord ring (Stoica et al., SIGCOMM 2001): m-bit identifiers, finger tables, successor lists of length r,
// and iterative lookups, also after nodes fail with nothing repaired. Layer: client/lab/discovery, pure.
//
// Node i of the ring is the i-th identifier in ascending order; identifiers are uniform random m-bit numbers
// standing in for SHA-1 of an address (uniform is the property the analysis uses). finger[i] of node n is
// successor(n + 2^i), i = 0 … m−1. A key is stored at successor(key) and, as DHash does, replicated on the
// next r − 1 nodes, so whichever of the r is the first live one can answer.
//
// Lookup is iterative: the originator asks each node on the path for its routing entries and contacts the
// next one itself. One contact = one request and one reply (2 messages, 1 RTT); a contact to a failed node
// is one request and a timeout. Each reply carries the node's candidates (fingers and successor list) in
// order, so after a timeout the originator tries the next candidate without asking again.

export type ChordRing = {
  size: number;
  bits: number;
  /** Successor list length r (also the key's replication factor). */
  successors: number;
  /** Sorted node identifiers in [0, 2^bits). */
  ids: Float64Array;
  /** fingers[n * bits + i] = ring index of successor(ids[n] + 2^i). */
  fingers: Int32Array;
};

export function buildChordRing(size: number, bits: number, successors: number, random: () => number): ChordRing {
  if (bits > 48) throw new RangeError("identifiers must stay exact in a double: at most 48 bits");
  const space = 2 ** bits;
  if (size > space / 4) throw new RangeError(`${size} nodes do not fit sparsely in a ${bits}-bit ring`);
  const unique = new Set<number>();
  while (unique.size < size) unique.add(Math.floor(random() * space));
  const ids = Float64Array.from(unique).sort();
  const ring: ChordRing = { size, bits, successors: Math.max(1, Math.min(successors, size - 1)), ids, fingers: new Int32Array(size * bits) };
  for (let n = 0; n < size; n++) {
    for (let i = 0; i < bits; i++) ring.fingers[n * bits + i] = successorOf(ring, (ids[n]! + 2 ** i) % space);
  }
  return ring;
}

/** Ring index of the first node whose identifier is ≥ key, wrapping to node 0. */
export function successorOf(ring: ChordRing, key: number): number {
  const { ids } = ring;
  let lo = 0;
  let hi = ring.size;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ids[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo === ring.size ? 0 : lo;
}

/** Clockwise distance from a to b on the identifier circle. */
function clockwise(ring: ChordRing, a: number, b: number): number {
  return b >= a ? b - a : b - a + 2 ** ring.bits;
}

/** key ∈ (a, b] on the circle; (a, a] is the whole circle (a one-node ring). */
function inHalfOpen(ring: ChordRing, key: number, a: number, b: number): boolean {
  if (a === b) return true;
  const d = clockwise(ring, a, key);
  return d > 0 && d <= clockwise(ring, a, b);
}

/** Distinct nodes in a node's finger table (the rest repeat: ~log₂N distinct out of m). */
export function distinctFingers(ring: ChordRing, node: number): number {
  const seen = new Set<number>();
  for (let i = 0; i < ring.bits; i++) seen.add(ring.fingers[node * ring.bits + i]!);
  return seen.size;
}

export type LookupOutcome = {
  /** Found the first live node at or after the key. */
  ok: boolean;
  /** Ring index of the node that answered (−1 on failure). */
  answeredBy: number;
  /** Live nodes contacted, the answering one included (0 when the originator holds the key itself). */
  hops: number;
  /**
   * Of those, the routing moves before the answering node: what the Chord paper calls path length
   * (≈ ½·log₂N with r = 1: one finger per 1-bit of the distance to the key's predecessor).
   */
  steps: number;
  /** Contacts to failed nodes (each a request that only times out). */
  timeouts: number;
  messages: number;
};

/**
 * Iterative lookup of `key` from ring node `origin`. `alive` (1 = up) models failures with no stabilisation:
 * fingers and successor lists still name the failed nodes. `load[v]` gains one per message v sends or receives.
 */
export function lookup(ring: ChordRing, origin: number, key: number, alive?: Uint8Array, load?: Float64Array): LookupOutcome {
  const { ids, size, bits, fingers, successors } = ring;
  const isAlive = (v: number) => !alive || alive[v] === 1;
  let hops = 0;
  let steps = 0;
  let timeouts = 0;
  const contact = (v: number) => {
    hops++;
    if (load) {
      load[origin]! += 2;
      load[v]! += 2;
    }
  };
  const knownDead = new Set<number>(); // the originator does not time out on the same node twice
  const timeout = (v: number) => {
    knownDead.add(v);
    timeouts++;
    if (load) load[origin]!++;
  };
  const finish = (ok: boolean, answeredBy: number): LookupOutcome => ({ ok, answeredBy, hops, steps, timeouts, messages: 2 * hops + timeouts });

  // the originator holds keys in (predecessor, self]
  const predecessor = (origin - 1 + size) % size;
  if (size === 1 || inHalfOpen(ring, key, ids[predecessor]!, ids[origin]!)) return finish(true, origin);

  const candidates: number[] = [];
  let current = origin;
  for (let step = 0; step <= size; step++) {
    // 1. the key falls within the current node's successor list: the first live entry from there answers
    const last = (current + successors) % size;
    if (inHalfOpen(ring, key, ids[current]!, ids[last]!)) {
      let j = 1;
      while (!inHalfOpen(ring, key, ids[current]!, ids[(current + j) % size]!)) j++;
      for (; j <= successors; j++) {
        const s = (current + j) % size;
        if (s === origin) return finish(true, origin);
        if (knownDead.has(s)) continue;
        if (isAlive(s)) {
          contact(s);
          return finish(true, s);
        }
        timeout(s);
      }
      return finish(false, -1);
    }
    // 2. otherwise the closest predecessor of the key among its fingers and successors, farthest first
    candidates.length = 0;
    for (let i = bits - 1; i >= 0; i--) candidates.push(fingers[current * bits + i]!);
    for (let j = successors; j >= 1; j--) candidates.push((current + j) % size);
    candidates.sort((a, b) => clockwise(ring, ids[current]!, ids[b]!) - clockwise(ring, ids[current]!, ids[a]!));
    let moved = false;
    let previous = -1;
    for (const c of candidates) {
      if (c === previous || c === current) continue;
      previous = c;
      // strictly between the current node and the key, so every step makes progress
      const d = clockwise(ring, ids[current]!, ids[c]!);
      if (d === 0 || d >= clockwise(ring, ids[current]!, key)) continue;
      if (knownDead.has(c)) continue;
      if (!isAlive(c)) {
        timeout(c);
        continue;
      }
      contact(c);
      steps++;
      current = c;
      moved = true;
      break;
    }
    if (!moved) return finish(false, -1);
  }
  return finish(false, -1);
}

/**
 * Routing entries per node (distinct fingers + successor list + predecessor) plus the pointers it stores:
 * one per (item, holder) on each of the item's r replicas. `itemKeys[item]` is the item's identifier.
 */
export function chordState(ring: ChordRing, itemKeys: Float64Array, holders: readonly Int32Array[]): Float64Array {
  const state = new Float64Array(ring.size);
  for (let n = 0; n < ring.size; n++) state[n] = distinctFingers(ring, n) + ring.successors + 1;
  for (let item = 0; item < holders.length; item++) {
    const count = holders[item]!.length;
    if (count === 0) continue;
    const primary = successorOf(ring, itemKeys[item]!);
    for (let j = 0; j < ring.successors; j++) state[(primary + j) % ring.size]! += count;
  }
  return state;
}
