// Small measures over a run's samples, shared by real and simulated records. Layer: client/lab, pure.

export function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** First time (linear between samples) a cumulative series reaches `level`; null if it never does. */
export function firstReach(series: readonly (readonly [number, number])[], level: number): number | null {
  for (let i = 0; i < series.length; i++) {
    const [t, v] = series[i]!;
    if (v < level) continue;
    if (i === 0) return t;
    const [tp, vp] = series[i - 1]!;
    return v === vp ? t : tp + ((level - vp) / (v - vp)) * (t - tp);
  }
  return null;
}

/**
 * Useful delivery over the capacity the bound allows, between the first payload byte and 90% of N·F:
 * (useful(t90) − useful(tFirst)) / (N·F/bound · (t90 − tFirst)). N·F/bound is min(N·u_s, N·d, u_s + Σu) for
 * p2p and min(u_s, N·d) for cs: the delivery rate a run exactly at its bound keeps up.
 */
export function usefulUtilisation(useful: readonly (readonly [number, number])[], firstByteSeconds: number | null, totalBytes: number, boundSeconds: number): number | null {
  if (firstByteSeconds === null) return null;
  const t90 = firstReach(useful, 0.9 * totalBytes);
  if (t90 === null || t90 <= firstByteSeconds) return null;
  const at = (t: number) => {
    let v = 0;
    for (const [ti, vi] of useful) {
      if (ti > t) break;
      v = vi;
    }
    return v;
  };
  return (0.9 * totalBytes - at(firstByteSeconds)) / ((totalBytes / boundSeconds) * (t90 - firstByteSeconds));
}
