// Closed forms the search lab's simulations are checked against. Layer: client/lab/discovery, pure.

/**
 * Query messages of a TTL-t flood on a k-regular graph while it is still a tree: the originator sends k,
 * every node reached by hop i < t forwards k − 1, so Σ_{i=1..t} k(k−1)^(i−1).
 */
export function floodTreeMessages(degree: number, ttl: number): number {
  let total = 0;
  for (let i = 1; i <= ttl; i++) total += degree * Math.pow(degree - 1, i - 1);
  return total;
}

/** Nodes within t − 1 hops on the same tree, origin excluded: the ones that forward. */
export function floodTreeForwarders(degree: number, ttl: number): number {
  return ttl <= 1 ? 0 : floodTreeMessages(degree, ttl - 1);
}

/** Query messages once a flood covers a connected k-regular graph of n nodes: k + (k − 1)(n − 1). */
export function floodSaturatedMessages(degree: number, nodes: number): number {
  return degree + (degree - 1) * (nodes - 1);
}

/** The flood's messages: the tree count until it would exceed covering the graph. */
export function floodMessagesBound(degree: number, nodes: number, ttl: number): number {
  return Math.min(floodTreeMessages(degree, ttl), floodSaturatedMessages(degree, nodes));
}

/** Chord's mean path length, ½·log₂N (Stoica et al. 2001, §6.2). */
export function chordPathLength(nodes: number): number {
  return 0.5 * Math.log2(nodes);
}
