// Link rates for one step: each uploader splits its upload evenly over its active links, each downloader
// scales its incoming offers down to its download rate, and upload left by saturated downloaders is handed
// once more to the others — a two-pass approximation of max-min fairness, which is what token-bucket
// throttles over many streams give. Layer: client/lab (pure).
import type { Link, PeerNode } from "./swarm-model";

export class RateAllocator {
  private readonly upOffer: Float64Array;
  private readonly downSum: Float64Array;
  private readonly upUsed: Float64Array;
  private readonly activeOut: Int32Array;
  private readonly unsaturatedOut: Int32Array;
  private readonly downScale: Float64Array;
  private readonly downUsed: Float64Array;

  constructor(private readonly nodes: readonly PeerNode[]) {
    const n = nodes.length;
    this.upOffer = new Float64Array(n);
    this.downSum = new Float64Array(n);
    this.upUsed = new Float64Array(n);
    this.activeOut = new Int32Array(n);
    this.unsaturatedOut = new Int32Array(n);
    this.downScale = new Float64Array(n);
    this.downUsed = new Float64Array(n);
  }

  /** Sets every active link's `rate`; returns the fastest and the sum. */
  allocate(active: readonly Link[]): { maxRate: number; sumRate: number } {
    const { nodes, upOffer, downSum, upUsed, activeOut, unsaturatedOut, downScale, downUsed } = this;
    for (const l of active) {
      activeOut[l.from]!++;
      upUsed[l.from] = 0;
      downSum[l.to] = 0;
      downUsed[l.to] = 0;
      unsaturatedOut[l.from] = 0;
    }
    for (const l of active) {
      const offer = nodes[l.from]!.up / activeOut[l.from]!;
      upOffer[l.from] = offer;
      downSum[l.to]! += offer;
    }
    for (const l of active) {
      const d = nodes[l.to]!.down;
      downScale[l.to] = downSum[l.to]! > d ? d / downSum[l.to]! : 1;
    }
    for (const l of active) {
      l.rate = upOffer[l.from]! * downScale[l.to]!;
      upUsed[l.from]! += l.rate;
      downUsed[l.to]! += l.rate;
      if (downScale[l.to]! >= 1) unsaturatedOut[l.from]!++;
    }
    // second pass: upload left by saturated downloaders goes to the others, within their headroom
    for (const l of active) downSum[l.to] = 0;
    for (const l of active) {
      if (downScale[l.to]! < 1 || unsaturatedOut[l.from]! === 0) continue;
      const extra = (nodes[l.from]!.up - upUsed[l.from]!) / unsaturatedOut[l.from]!;
      if (extra > 0) downSum[l.to]! += extra;
    }
    let maxRate = 0;
    let sumRate = 0;
    for (const l of active) {
      if (downScale[l.to]! >= 1 && unsaturatedOut[l.from]! > 0 && downSum[l.to]! > 0) {
        const extra = (nodes[l.from]!.up - upUsed[l.from]!) / unsaturatedOut[l.from]!;
        if (extra > 0) {
          const headroom = nodes[l.to]!.down - downUsed[l.to]!;
          const share = Math.max(0, Math.min(1, headroom / downSum[l.to]!));
          l.rate += extra * share;
        }
      }
      if (l.rate > maxRate) maxRate = l.rate;
      sumRate += l.rate;
    }
    for (const l of active) activeOut[l.from] = 0;
    return { maxRate, sumRate };
  }
}
