// What the simulator samples over time: how many pieces the leechers hold between them, and how many copies
// of each (rarest, mean, most common). Layer: client/lab (pure).

export type CoverageSample = {
  t: number;
  /** Pieces held by at least one leecher. */
  distinct: number;
  /** Copies of the rarest piece among leechers, the mean over pieces, and the most common piece's. */
  minCopies: number;
  meanCopies: number;
  maxCopies: number;
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
  let maxCopies = 0;
  let sum = 0;
  for (let p = 0; p < copies.length; p++) {
    const c = copies[p]!;
    if (c < minCopies) minCopies = c;
    if (c > maxCopies) maxCopies = c;
    sum += c;
  }
  return { t, distinct: distinctPieces(copies), minCopies, meanCopies: copies.length ? sum / copies.length : 0, maxCopies, serverBits };
}
