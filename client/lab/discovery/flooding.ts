// Gnutella 0.4 search as message passing on an overlay graph: Query flooded with a TTL and duplicate
// suppression, QueryHit routed back on the reverse path. Layer: client/lab/discovery, pure.
//
// Protocol as in the Gnutella 0.4 spec (2000): the originator sends the Query with TTL t to every neighbour;
// a servent seeing a descriptor ID for the first time remembers which neighbour it came from, decrements the
// TTL and, if it is still > 0, forwards it to every other neighbour; a copy of an ID already seen is dropped
// (it was still sent, so it counts). A servent that shares a match answers with one QueryHit, which each hop
// passes to the neighbour the Query came from. Links have equal delay, so copies travel in rounds and the
// first copy of a Query reaches each servent along a shortest path.
import type { Graph } from "./graphs";

export type FloodOutcome = {
  /** Query copies sent, duplicates included. */
  queryMessages: number;
  /** QueryHit transmissions: each responder's hit, once per hop back to the originator. */
  hitMessages: number;
  /** Servents that received the Query (origin excluded). */
  reached: number;
  /** Responders (servents with a match that saw the Query). */
  responders: number;
  /** Hops to the nearest responder, or null when none answered. */
  firstHitHops: number | null;
};

export type Flooder = (origin: number, ttl: number, isMatch: (node: number) => boolean, load?: Float64Array) => FloodOutcome;

/**
 * A flood runner over one graph, with scratch arrays reused across queries. `load[v]`, when given, gains
 * one for every message v sends or receives (Query or QueryHit).
 */
export function createFlooder(graph: Graph): Flooder {
  const { size, offsets, neighbours } = graph;
  const seenIn = new Int32Array(size); // the flood number that last reached each node (no clearing needed)
  const cameFrom = new Int32Array(size);
  let current: Int32Array = new Int32Array(16); // pairs (to, from) in flight this round
  let next: Int32Array = new Int32Array(16);
  let floodNumber = 0;

  return (origin, ttl, isMatch, load) => {
    const id = ++floodNumber;
    seenIn[origin] = id;
    let queryMessages = 0;
    let hitMessages = 0;
    let reached = 0;
    let responders = 0;
    let firstHitHops: number | null = null;

    let inFlight = 0;
    const send = (to: number, from: number) => {
      if (2 * inFlight + 2 > next.length) {
        const grown = new Int32Array(next.length * 2);
        grown.set(next);
        next = grown;
      }
      next[2 * inFlight] = to;
      next[2 * inFlight + 1] = from;
      inFlight++;
    };
    if (ttl > 0) for (let e = offsets[origin]!; e < offsets[origin + 1]!; e++) send(neighbours[e]!, origin);

    for (let hop = 1; inFlight > 0; hop++) {
      [current, next] = [next, current];
      const arriving = inFlight;
      inFlight = 0;
      const remainingTtl = ttl - hop; // after this hop's decrement
      for (let m = 0; m < arriving; m++) {
        const to = current[2 * m]!;
        const from = current[2 * m + 1]!;
        queryMessages++;
        if (load) {
          load[from]!++;
          load[to]!++;
        }
        if (seenIn[to] === id) continue; // duplicate descriptor ID: dropped
        seenIn[to] = id;
        cameFrom[to] = from;
        reached++;
        if (isMatch(to)) {
          responders++;
          if (firstHitHops === null) firstHitHops = hop;
          hitMessages += hop;
          if (load) {
            // the QueryHit walks the reverse path: each node on it sends once and the next receives once
            for (let v = to; v !== origin; v = cameFrom[v]!) {
              load[v]!++;
              load[cameFrom[v]!]!++;
            }
          }
        }
        if (remainingTtl > 0) {
          for (let e = offsets[to]!; e < offsets[to + 1]!; e++) {
            const w = neighbours[e]!;
            if (w !== from) send(w, to);
          }
        }
      }
    }
    return { queryMessages, hitMessages, reached, responders, firstHitHops };
  };
}
