// Overlay graphs for the flooding architectures: random (near-)regular graphs in adjacency-array form, and
// breadth-first distances. Layer: client/lab/discovery, pure.

/** Undirected simple graph: node v's neighbours are neighbours[offsets[v] … offsets[v+1]). */
export type Graph = { size: number; offsets: Int32Array; neighbours: Int32Array };

export function degreeOf(graph: Graph, node: number): number {
  return graph.offsets[node + 1]! - graph.offsets[node]!;
}

/**
 * A uniform-ish random simple graph where every node has `degree` neighbours (one node has degree − 1 when
 * size × degree is odd; degree is capped at size − 1, the complete graph). Pairs free half-edges at random,
 * refusing loops and parallel edges, and starts over on a dead end (Steger & Wormald 1999's method: close
 * to uniform over regular graphs for small degrees). Gnutella hosts kept a fixed number of connections,
 * which is why the flooding model is regular rather than Erdős–Rényi.
 */
export function randomRegularGraph(size: number, degree: number, random: () => number): Graph {
  const k = Math.min(degree, size - 1);
  if (k <= 0) return { size, offsets: new Int32Array(size + 1), neighbours: new Int32Array(0) };
  const totalStubs = size * k - ((size * k) % 2);
  for (let attempt = 0; attempt < 100; attempt++) {
    const stubs = new Int32Array(totalStubs);
    for (let i = 0; i < totalStubs; i++) stubs[i] = Math.floor(i / k);
    const edges = new Set<number>();
    const pairs: number[] = [];
    let remaining = totalStubs;
    let failures = 0;
    while (remaining > 0 && failures < 1000) {
      const i = Math.floor(random() * remaining);
      const j = Math.floor(random() * remaining);
      const u = stubs[i]!;
      const v = stubs[j]!;
      const key = u < v ? u * size + v : v * size + u;
      if (i === j || u === v || edges.has(key)) {
        failures++;
        continue;
      }
      failures = 0;
      edges.add(key);
      pairs.push(u, v);
      // remove both half-edges: move the last two into their places (the higher index first)
      const [hi, lo] = i > j ? [i, j] : [j, i];
      stubs[hi] = stubs[--remaining]!;
      stubs[lo] = stubs[--remaining]!;
    }
    if (remaining === 0) return fromEdgeList(size, pairs);
  }
  throw new Error(`could not build a random ${k}-regular graph on ${size} nodes`);
}

/** Adjacency arrays from a flat list [u0, v0, u1, v1, …] of undirected edges. */
export function fromEdgeList(size: number, pairs: readonly number[]): Graph {
  const offsets = new Int32Array(size + 1);
  for (const v of pairs) offsets[v + 1]!++;
  for (let v = 0; v < size; v++) offsets[v + 1]! += offsets[v]!;
  const fill = offsets.slice(0, size);
  const neighbours = new Int32Array(pairs.length);
  for (let e = 0; e < pairs.length; e += 2) {
    const u = pairs[e]!;
    const v = pairs[e + 1]!;
    neighbours[fill[u]!++] = v;
    neighbours[fill[v]!++] = u;
  }
  return { size, offsets, neighbours };
}

/** Hop distance from `origin` to every node (−1 where unreachable). */
export function bfsDistances(graph: Graph, origin: number): Int32Array {
  const distance = new Int32Array(graph.size).fill(-1);
  const queue = new Int32Array(graph.size);
  let head = 0;
  let tail = 0;
  distance[origin] = 0;
  queue[tail++] = origin;
  while (head < tail) {
    const u = queue[head++]!;
    for (let e = graph.offsets[u]!; e < graph.offsets[u + 1]!; e++) {
      const v = graph.neighbours[e]!;
      if (distance[v] === -1) {
        distance[v] = distance[u]! + 1;
        queue[tail++] = v;
      }
    }
  }
  return distance;
}
