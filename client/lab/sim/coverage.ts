// What the simulator samples over time: how many pieces the leechers hold between them, and how thin the
// rarest is. Layer: client/lab (pure).

export type CoverageSample = {
  t: number;
  /** Pieces held by at least one leecher. */
  distinct: number;
  /** Copies of the rarest piece among leechers. */
  minCopies: number;
  /** Bits the origin has uploaded so far. */
  serverBits: number;
};

/** Pieces with at least one copy among the leechers. */
export function distinctPieces(copies: Int32Array): number {
  let distinct = 0;
  for (let p = 0; p < copies.length; p++) if (copies[p]! > 0) distinct++;
  return distinct;
}

export function coverageSample(t: number, copies: Int32Array, serverBits: number): CoverageSample {
  let minCopies = Infinity;
  for (let p = 0; p < copies.length; p++) if (copies[p]! < minCopies) minCopies = copies[p]!;
  return { t, distinct: distinctPieces(copies), minCopies, serverBits };
}
