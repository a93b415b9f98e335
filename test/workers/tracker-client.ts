// A test-side tracker client over a real WebSocket into workerd: records every frame and waits on them.
import { SELF } from "cloudflare:test";

export type Frame = Record<string, unknown>;

export const bin = (c: string) => c.repeat(20);
export const hexOf = (binary: string) => [...binary].map((ch) => ch.charCodeAt(0).toString(16).padStart(2, "0")).join("");

export class TrackerSocket {
  readonly frames: Frame[] = [];
  closed: { code: number; reason: string } | null = null;
  private waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.addEventListener("message", (event) => {
      this.frames.push(JSON.parse(event.data as string) as Frame);
      this.wake();
    });
    ws.addEventListener("close", (event) => {
      this.closed = { code: event.code, reason: event.reason };
      this.wake();
    });
  }

  /** A client-side socket already accepted. */
  static wrap(ws: WebSocket): TrackerSocket {
    return new TrackerSocket(ws);
  }

  static async open(path: string, headers: Record<string, string> = {}): Promise<TrackerSocket> {
    const res = await SELF.fetch(`http://tracker.test${path}`, { headers: { Upgrade: "websocket", ...headers } });
    if (!res.webSocket) throw new Error(`no websocket (status ${res.status}): ${await res.text()}`);
    res.webSocket.accept();
    return new TrackerSocket(res.webSocket);
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" || frame instanceof ArrayBuffer ? frame : JSON.stringify(frame));
  }

  /** Waits for the next frame (after those already consumed by `from`) matching `predicate`. */
  async waitFor(predicate: (frame: Frame) => boolean, timeoutMs = 5000): Promise<Frame> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.frames.find(predicate);
      if (found) {
        this.frames.splice(this.frames.indexOf(found), 1);
        return found;
      }
      if (this.closed) throw new Error(`socket closed (${this.closed.code} ${this.closed.reason}) while waiting`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out; frames seen: ${JSON.stringify(this.frames).slice(0, 500)}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async waitForClose(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed) {
      const left = deadline - Date.now();
      if (left <= 0) throw new Error("socket did not close");
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return this.closed;
  }

  /** Sends an announce and waits for its reply (or a failure reason). */
  async announce(fields: Frame): Promise<Frame> {
    this.send({ action: "announce", numwant: 5, left: 100, ...fields });
    return this.waitFor((f) => (f.interval !== undefined || f["failure reason"] !== undefined) && f.info_hash === fields.info_hash);
  }

  async scrape(infoHash?: string | string[]): Promise<Frame> {
    this.send(infoHash === undefined ? { action: "scrape" } : { action: "scrape", info_hash: infoHash });
    return this.waitFor((f) => f.action === "scrape" || f["failure reason"] !== undefined);
  }

  close(): void {
    try {
      this.ws.close(1000, "done");
    } catch {
      // already closed
    }
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

/** Offers with one-character ids, each repeated to the 20-character wire id. */
export function offers(...ids: string[]) {
  return ids.map((id) => ({ offer: { type: "offer", sdp: `v=0 offer ${id}` }, offer_id: bin(id) }));
}

/** A fresh random info hash per test, as a 20-char latin-1 string, so tests never share a swarm. */
export function randomInfoHash(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(20));
  return String.fromCharCode(...bytes);
}
