// Link rates for one step: each uploader splits its upload over its active links by weight (1 per wire: a
// throttle serves backlogged wires in turn; a web seed link counts its parallel HTTP responses, which the
// server paces evenly), each downloader
// scales its incoming offers down to its download rate, and upload left by saturated downloaders is handed
// once more to the others — a two-pass approximation of max-min fairness, which is what token-bucket
// throttles over many streams give. Layer: client/lab (pure).
import type { Link, PeerNode } from "./swarm-model";

export class RateAllocator {
  private readonly upOffer: Float64Array;
  private readonly downSum: Float64Array;
  private readonly upUsed: Float64Array;
  private readonly activeOut: Float64Array;
  private readonly unsaturatedOut: Float64Array;
  private readonly downScale: Float64Array;
  private readonly downUsed: Float64Array;

  constructor(private readonly nodes: readonly PeerNode[]) {
    const n = nodes.length;
    this.upOffer = new Float64Array(n);
    this.downSum = new Float64Array(n);
    this.upUsed = new Float64Array(n);
    this.activeOut = new Float64Array(n);
    this.unsaturatedOut = new Float64Array(n);
    this.downScale = new Float64Array(n);
    this.downUsed = new Float64Array(n);
  }

  /** Sets every active link's `rate`; returns the fastest and the sum. */
  allocate(active: readonly Link[]): { maxRate: number; sumRate: number } {
    const { nodes, upOffer, downSum, upUsed, activeOut, unsaturatedOut, downScale, downUsed } = this;
    for (const l of active) {
      activeOut[l.from]! += l.weight;
      upUsed[l.from] = 0;
      downSum[l.to] = 0;
      downUsed[l.to] = 0;
      unsaturatedOut[l.from] = 0;
    }
    for (const l of active) {
      upOffer[l.from] = nodes[l.from]!.up / activeOut[l.from]!; // per unit of weight
      downSum[l.to]! += upOffer[l.from]! * l.weight;
    }
    for (const l of active) {
      const d = nodes[l.to]!.down;
      downScale[l.to] = downSum[l.to]! > d ? d / downSum[l.to]! : 1;
    }
    for (const l of active) {
      l.rate = upOffer[l.from]! * l.weight * downScale[l.to]!;
      upUsed[l.from]! += l.rate;
      downUsed[l.to]! += l.rate;
      if (downScale[l.to]! >= 1) unsaturatedOut[l.from]! += l.weight;
    }
    // second pass: upload left by saturated downloaders goes to the others, within their headroom
    for (const l of active) downSum[l.to] = 0;
    for (const l of active) {
      if (downScale[l.to]! < 1 || unsaturatedOut[l.from]! === 0) continue;
      const extra = ((nodes[l.from]!.up - upUsed[l.from]!) / unsaturatedOut[l.from]!) * l.weight;
      if (extra > 0) downSum[l.to]! += extra;
    }
    let maxRate = 0;
    let sumRate = 0;
    for (const l of active) {
      if (downScale[l.to]! >= 1 && unsaturatedOut[l.from]! > 0 && downSum[l.to]! > 0) {
        const extra = ((nodes[l.from]!.up - upUsed[l.from]!) / unsaturatedOut[l.from]!) * l.weight;
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
