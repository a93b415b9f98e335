// The checks every tracker socket applies to an incoming frame before any swarm sees it: frame type and
// size, the per-connection rate limit, and parsing. Shared by every socket holder (the swarm objects and the
// worker's multiplexer on Cloudflare, the in-process host elsewhere). Layer: adapters.
import { CLOSE_CODES, TRACKER_LIMITS, failureFrame, looksLikeInvalidUtf8, type ParseFailure } from "../protocol/tracker";
import { TokenBucket } from "./swarm/token-bucket";

export type GuardVerdict<M> =
  | { kind: "message"; message: M }
  | { kind: "reply"; frame: string }
  | { kind: "close"; code: number; reason: string };

/** The guard of one kind of socket: what it does with a frame that passed the checks (parse it, or route it). */
export type FrameParser<M> = (text: string) => { ok: true; message: M } | ParseFailure;

/** What the tracker needs of a socket, whichever runtime's WebSocket it is (all follow the web standard). */
export type PeerSocket = {
  send(frame: string): void;
  close(code?: number, reason?: string): void;
  readonly readyState: number;
};

/** WebSocket.OPEN in every runtime (the constant is not on every runtime's socket type). */
export const SOCKET_OPEN = 1;

/** The per-connection message rate (README "Tracker limits"); only a benchmark of capacity raises it. */
export type MessageRate = { perSecond: number; burst: number };
export const DEFAULT_MESSAGE_RATE: MessageRate = { perSecond: TRACKER_LIMITS.messagesPerSecond, burst: TRACKER_LIMITS.messageBurst };

export class ConnectionGuard<M> {
  constructor(
    private readonly parse: FrameParser<M>,
    private readonly rate: MessageRate = DEFAULT_MESSAGE_RATE,
  ) {}

  // In memory only: after an eviction a connection simply starts with a full bucket.
  private readonly buckets = new WeakMap<object, TokenBucket>();

  /** `raw` as the runtime hands it over: a text frame, or a binary one (ArrayBuffer in objects, Blob in the worker). */
  check(ws: object, raw: string | ArrayBuffer | Blob, now: number): GuardVerdict<M> {
    let bucket = this.buckets.get(ws);
    if (!bucket) {
      bucket = new TokenBucket(this.rate.perSecond, this.rate.burst, now);
      this.buckets.set(ws, bucket);
    }
    if (!bucket.take(now)) {
      if (bucket.violations > TRACKER_LIMITS.maxRateViolations) {
        return { kind: "close", code: CLOSE_CODES.policyViolation, reason: "rate limit exceeded repeatedly" };
      }
      return { kind: "reply", frame: failureFrame("rate limit exceeded: slow down") };
    }
    if (typeof raw !== "string") {
      if ((raw instanceof Blob ? raw.size : raw.byteLength) > TRACKER_LIMITS.maxFrameBytes) {
        return { kind: "close", code: CLOSE_CODES.messageTooBig, reason: "frame too large" };
      }
      return { kind: "reply", frame: failureFrame("binary frames are not supported: send JSON text") };
    }
    if (raw.length > TRACKER_LIMITS.maxFrameBytes) {
      return { kind: "close", code: CLOSE_CODES.messageTooBig, reason: "frame too large" };
    }
    if (looksLikeInvalidUtf8(raw)) {
      return { kind: "close", code: CLOSE_CODES.invalidPayload, reason: "text frame is not valid UTF-8" };
    }
    const parsed = this.parse(raw);
    if (!parsed.ok) return { kind: "reply", frame: failureFrame(parsed.reason, parsed) };
    return { kind: "message", message: parsed.message };
  }
}

/** Sends without throwing: a socket that closed meanwhile is the close handler's business. */
export function trySend(ws: PeerSocket, frame: string): boolean {
  try {
    ws.send(frame);
    return true;
  } catch {
    return false;
  }
}

/** Completes the close handshake; 1005/1006 cannot be echoed (STACK.md), so answer with 1000. */
export function closeQuietly(ws: PeerSocket, code: number = CLOSE_CODES.normal, reason = ""): void {
  try {
    ws.close(code === 1005 || code === 1006 || code === 1015 ? CLOSE_CODES.normal : code, reason);
  } catch {
    // already closed
  }
}
