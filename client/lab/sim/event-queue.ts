// The simulator's event engine: timed events in a binary min-heap on their time. Layer: client/lab (pure).

export type Timed = { t: number };

/** Events pop in time order; events due at the same time pop in no promised order. */
export class EventQueue<E extends Timed> {
  private heap: E[] = [];

  get size(): number {
    return this.heap.length;
  }

  peek(): E | undefined {
    return this.heap[0];
  }

  push(e: E): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p]!.t <= e.t) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = e;
  }

  pop(): E | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= h.length) break;
        const r = l + 1;
        const c = r < h.length && h[r]!.t < h[l]!.t ? r : l;
        if (h[c]!.t >= last.t) break;
        h[i] = h[c]!;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}
