// A raw tracker connection (the `ws` package) for end-to-end tests: sends protocol frames as a WebTorrent
// client would, or anything else, and hands back the frames the tracker sends, matched by predicate.
import { randomBytes } from "node:crypto";
import WebSocket from "ws";
import { binaryToHex, hexToBinary } from "../../protocol/ids";

export type Frame = Record<string, unknown>;
export type Closed = { code: number; reason: string };

/** A 20-byte id in both of its forms. */
export type Id = { hex: string; binary: string };

export function randomId(): Id {
  const hex = randomBytes(20).toString("hex");
  return { hex, binary: hexToBinary(hex) };
}

export function idFromBinary(binary: string): Id {
  return { hex: binaryToHex(binary), binary };
}

type Waiter = { match: (frame: Frame) => boolean; resolve: (frame: Frame) => void };

export class TrackerSocket {
  /** Frames received and not yet taken by `next`. */
  private readonly inbox: Frame[] = [];
  private readonly waiters = new Set<Waiter>();
  private closedWith: Closed | null = null;
  private readonly closeListeners = new Set<(closed: Closed) => void>();

  private constructor(private readonly ws: WebSocket) {
    ws.on("message", (data, isBinary) => {
      const text = data.toString();
      let frame: Frame;
      try {
        frame = JSON.parse(text) as Frame;
      } catch {
        frame = { unparsable: text, binary: isBinary };
      }
      for (const waiter of this.waiters) {
        if (waiter.match(frame)) {
          this.waiters.delete(waiter);
          return waiter.resolve(frame);
        }
      }
      this.inbox.push(frame);
    });
    ws.on("close", (code, reason) => {
      this.closedWith = { code, reason: reason.toString() };
      for (const listener of this.closeListeners) listener(this.closedWith);
    });
    ws.on("error", () => undefined); // surfaces as a close
  }

  static open(url: string, options: number | { timeoutMs?: number; headers?: Record<string, string> } = {}): Promise<TrackerSocket> {
    const { timeoutMs = 10_000, headers } = typeof options === "number" ? { timeoutMs: options } : options;
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers });
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error(`no WebSocket to ${url} after ${timeoutMs} ms`));
      }, timeoutMs);
      ws.once("open", () => {
        clearTimeout(timer);
        resolve(new TrackerSocket(ws));
      });
      ws.once("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  send(frame: Frame): void {
    this.ws.send(JSON.stringify(frame));
  }

  /** Sends bytes as they are; `binary: false` makes a text frame whatever the bytes are. */
  sendRaw(data: string | Buffer, options: { binary: boolean }): void {
    this.ws.send(data, options);
  }

  /** The first frame (already received or still to come) that matches; it is taken out of the inbox. */
  next(match: (frame: Frame) => boolean, timeoutMs: number, what: string): Promise<Frame> {
    const index = this.inbox.findIndex(match);
    if (index >= 0) return Promise.resolve(this.inbox.splice(index, 1)[0]!);
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        match,
        resolve: (frame) => {
          clearTimeout(timer);
          resolve(frame);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; unmatched frames: ${JSON.stringify(this.inbox)}`));
      }, timeoutMs);
      this.waiters.add(waiter);
    });
  }

  /** Resolves when the tracker (or the network) closes the connection. */
  closed(timeoutMs: number): Promise<Closed> {
    if (this.closedWith) return Promise.resolve(this.closedWith);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`connection still open after ${timeoutMs} ms`)), timeoutMs);
      this.closeListeners.add((closed) => {
        clearTimeout(timer);
        resolve(closed);
      });
    });
  }

  /** Frames received and not taken by `next`. */
  unread(): Frame[] {
    return [...this.inbox];
  }

  close(): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(1000);
  }
}

// ---- Protocol frames as bittorrent-tracker's client builds them ----

export function announceFrame(
  infoHash: Id,
  peerId: Id,
  options: { event?: "started" | "completed" | "stopped"; left?: number; offers?: { offerId: Id; sdp: string }[] } = {},
): Frame {
  const offers = options.offers ?? [];
  return {
    action: "announce",
    info_hash: infoHash.binary,
    peer_id: peerId.binary,
    numwant: offers.length,
    uploaded: 0,
    downloaded: 0,
    left: options.left ?? 1000,
    ...(options.event ? { event: options.event } : {}),
    offers: offers.map((o) => ({ offer: { type: "offer", sdp: o.sdp }, offer_id: o.offerId.binary })),
  };
}

export function answerFrame(infoHash: Id, peerId: Id, toPeerId: Id, offerId: Id, sdp: string): Frame {
  return {
    action: "announce",
    info_hash: infoHash.binary,
    peer_id: peerId.binary,
    to_peer_id: toPeerId.binary,
    offer_id: offerId.binary,
    answer: { type: "answer", sdp },
  };
}

export const isAnnounceReply = (infoHash: Id) => (f: Frame) =>
  f.action === "announce" && f.info_hash === infoHash.binary && typeof f.complete === "number";
export const isOffer = (from: Id) => (f: Frame) => f.action === "announce" && f.peer_id === from.binary && !!f.offer;
export const isAnswer = (from: Id) => (f: Frame) => f.action === "announce" && f.peer_id === from.binary && !!f.answer;
export const isScrapeReply = (f: Frame) => f.action === "scrape";
export const isFailure = (f: Frame) => typeof f["failure reason"] === "string";
