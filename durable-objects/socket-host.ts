// The socket host the tracker's objects build on: it accepts the upgrade the worker forwarded, runs every
// runtime entry point (message, close, error, alarm) inside one guard that logs its context and always
// completes the close, and turns outcomes into frames. Layer: adapter (I/O only).
import { DurableObject } from "cloudflare:workers";
import { failureFrame, parseClientFrame, type ClientMessage } from "../protocol/tracker";
import { ConnectionGuard, closeQuietly, trySend } from "./connection-guard";
import type { TrackerEnv } from "./env";
import { ALARM_RETRY_MS } from "./swarm-core";
import { meter } from "./usage";

/** Headers the worker adds to a forwarded upgrade (clients cannot set them: the worker overwrites both). */
export const INFO_HASH_HEADER = "x-edgeswarm-info-hash";
export const REMOTE_ADDR_HEADER = "x-edgeswarm-remote-addr";

/** What handling a client message produced for its socket: a frame to send (or none), or a refusal. */
export type TrackerOutcome = { ok: true; frame?: string } | { ok: false; reason: string };

export const OK: TrackerOutcome = Object.freeze({ ok: true });

export function refuse(reason: string): TrackerOutcome {
  return { ok: false, reason };
}

export abstract class SocketHost<Attachment> extends DurableObject<TrackerEnv> {
  private readonly frames = new ConnectionGuard<ClientMessage>(parseClientFrame);

  /** Who is logging ("swarm", "gateway") and what identifies this object in logs. */
  protected abstract logContext(): Record<string, unknown>;
  /** A parsed, rate-checked client message. Throwing answers the socket "internal error" and keeps it open. */
  protected abstract onMessage(ws: WebSocket, message: ClientMessage): Promise<void>;
  /** The socket is gone (closed by either side, or failed): its peers leave. Must not throw for a second call. */
  protected abstract onSocketGone(ws: WebSocket): Promise<void>;
  /** Scheduled work (expiry, pushes); objects without any keep the default. */
  protected async onAlarm(): Promise<void> {}
  /** Told when the host re-armed the alarm after a failure, for objects that track their alarm time. */
  protected alarmRearmed(_at: number): void {}

  /** Sends without throwing; false when the socket is gone. */
  protected send(ws: WebSocket, frame: string): boolean {
    meter.doWsOut++;
    return trySend(ws, frame);
  }

  /** Sends an outcome down a socket: its frame, or a `failure reason` naming the action and info hash. */
  protected respond(ws: WebSocket, outcome: TrackerOutcome, context: { action?: string; infoHash?: string } = {}): void {
    if (outcome.ok) {
      if (outcome.frame !== undefined) this.send(ws, outcome.frame);
      return;
    }
    this.send(ws, failureFrame(outcome.reason, { action: "action" in context ? context.action : "announce", infoHash: context.infoHash }));
  }

  /** Accepts the forwarded upgrade as a hibernatable socket carrying `attachment`; returns our end and the reply. */
  protected accept(attachment: Attachment): { socket: WebSocket; response: Response } {
    const pair = new WebSocketPair();
    const server = pair[1];
    this.ctx.acceptWebSocket(server);
    server.serializeAttachment(attachment);
    return { socket: server, response: new Response(null, { status: 101, webSocket: pair[0] }) };
  }

  override async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer): Promise<void> {
    meter.doWsIn++;
    let infoHash: string | undefined;
    try {
      const verdict = this.frames.check(ws, raw, Date.now());
      if (verdict.kind === "close") {
        // Our own close may not come back through webSocketClose; the peers leave now.
        try {
          await this.onSocketGone(ws);
        } finally {
          closeQuietly(ws, verdict.code, verdict.reason);
        }
        return;
      }
      if (verdict.kind === "reply") return void this.send(ws, verdict.frame);
      if (verdict.message.kind !== "scrape") infoHash = verdict.message.infoHash;
      await this.onMessage(ws, verdict.message);
    } catch (error) {
      this.log("message handling failed", { infoHash, error });
      // Named like any refusal, so the client can match it to what it sent.
      this.respond(ws, refuse("internal error"), { infoHash, action: infoHash ? "announce" : undefined });
    }
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    try {
      await this.onSocketGone(ws);
    } catch (error) {
      this.log("close handling failed", error);
    } finally {
      closeQuietly(ws, code);
    }
  }

  override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    console.warn(`${this.logName()}: socket error`, { ...this.safeContext(), error: String(error) });
    try {
      await this.onSocketGone(ws);
    } catch (failure) {
      this.log("error handling failed", failure);
    } finally {
      closeQuietly(ws, 1011);
    }
  }

  override async alarm(): Promise<void> {
    try {
      await this.onAlarm();
    } catch (error) {
      this.log("alarm failed", error);
      const at = Date.now() + ALARM_RETRY_MS;
      try {
        await this.ctx.storage.setAlarm(at);
        this.alarmRearmed(at);
      } catch (rearm) {
        this.log("alarm could not be re-armed", rearm);
      }
    }
  }

  private log(what: string, detail: unknown): void {
    const fields = detail instanceof Object && "error" in detail ? { ...detail, error: String(detail.error) } : { error: String(detail) };
    console.error(`${this.logName()}: ${what}`, { ...this.safeContext(), ...fields });
  }

  private logName(): string {
    return String(this.safeContext().role ?? "tracker");
  }

  private safeContext(): Record<string, unknown> {
    try {
      return this.logContext();
    } catch {
      return {};
    }
  }
}
