// One Durable Object per `/announce` socket — the stock clients' single socket carrying all their torrents.
// It parses each frame once and forwards it to the swarm object of that info hash over RPC; swarm objects
// call `deliver` to push offers/answers down this socket. Layer: adapter (I/O only). Created next to the
// client (newUniqueId), so a client's socket terminates near it whichever swarms it joins.
import { DurableObject } from "cloudflare:workers";
import { TRACKER_LIMITS, failureFrame, type AnnounceMessage, type AnswerMessage } from "../protocol/tracker";
import type { Env } from "../worker/env";
import { ConnectionGuard, closeQuietly, trySend } from "./connection-guard";
import { scrapeFrame } from "./scrape";
import { REMOTE_ADDR_HEADER } from "./swarm-object";

/** Which peer ids this socket announced in which swarms; survives hibernation with the socket. */
type GatewayAttachment = { addr: string; swarms: Record<string, string[]> };

export class GatewayObject extends DurableObject<Env> {
  private readonly guard = new ConnectionGuard();
  /** Per-swarm chains keep one swarm's messages in order while different swarms proceed in parallel. */
  private readonly queues = new Map<string, Promise<void>>();

  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") {
      return Response.json({ error: { code: "upgrade_required", message: "expected a WebSocket upgrade" } }, { status: 426 });
    }
    if (this.ctx.getWebSockets().length > 0) {
      return Response.json({ error: { code: "conflict", message: "gateway already has a socket" } }, { status: 409 });
    }
    const pair = new WebSocketPair();
    const server = pair[1];
    this.ctx.acceptWebSocket(server);
    const attachment: GatewayAttachment = { addr: request.headers.get(REMOTE_ADDR_HEADER) ?? "unknown", swarms: {} };
    server.serializeAttachment(attachment);
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  /** Called by swarm objects: push a frame to this gateway's client. False when the socket is gone. */
  async deliver(frame: string): Promise<boolean> {
    const ws = this.ctx.getWebSockets()[0];
    return ws ? trySend(ws, frame) : false;
  }

  override async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer): Promise<void> {
    const verdict = this.guard.check(ws, raw, Date.now());
    if (verdict.kind === "close") {
      // Our own close may not come back through webSocketClose; the peers leave now.
      closeQuietly(ws, verdict.code, verdict.reason);
      return this.leaveAll(ws);
    }
    if (verdict.kind === "reply") return void trySend(ws, verdict.frame);
    const message = verdict.message;
    if (message.kind === "scrape") {
      await this.guarded(ws, undefined, async () => trySend(ws, await scrapeFrame(this.env, message.infoHashes)));
      return;
    }
    const infoHash = message.infoHash;
    const previous = this.queues.get(infoHash) ?? Promise.resolve();
    const next = previous.then(() =>
      this.guarded(ws, infoHash, () => (message.kind === "announce" ? this.announce(ws, message) : this.answer(ws, message))),
    );
    this.queues.set(infoHash, next);
    await next;
    if (this.queues.get(infoHash) === next) this.queues.delete(infoHash);
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    await this.leaveAll(ws);
    closeQuietly(ws, code);
  }

  override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    console.warn("gateway: socket error", { error: String(error) });
    await this.leaveAll(ws);
  }

  private async announce(ws: WebSocket, message: AnnounceMessage): Promise<void> {
    const attachment = ws.deserializeAttachment() as GatewayAttachment;
    const known = attachment.swarms[message.infoHash];
    if (!known && Object.keys(attachment.swarms).length >= TRACKER_LIMITS.maxInfoHashesPerSocket) {
      trySend(ws, failureFrame(`too many torrents on one connection (limit ${TRACKER_LIMITS.maxInfoHashesPerSocket})`, { action: "announce", infoHash: message.infoHash }));
      return;
    }
    const result = await this.swarm(message.infoHash).gatewayAnnounce(message.infoHash, this.ctx.id.toString(), attachment.addr, message);
    if (!result.ok) {
      trySend(ws, failureFrame(result.reason, { action: "announce", infoHash: message.infoHash }));
      return;
    }
    // Re-read: other swarms' messages may have updated the attachment while this one awaited.
    const current = ws.deserializeAttachment() as GatewayAttachment;
    const peers = new Set(current.swarms[message.infoHash] ?? []);
    const before = peers.size;
    if (message.event === "stopped") peers.delete(message.peerId);
    else peers.add(message.peerId);
    if (peers.size !== before) {
      if (peers.size === 0) delete current.swarms[message.infoHash];
      else current.swarms[message.infoHash] = [...peers];
      ws.serializeAttachment(current);
    }
    if (result.reply) trySend(ws, result.reply);
  }

  private async answer(ws: WebSocket, message: AnswerMessage): Promise<void> {
    const result = await this.swarm(message.infoHash).gatewayAnswer(message.infoHash, this.ctx.id.toString(), message);
    if (!result.ok) trySend(ws, failureFrame(result.reason, { action: "announce", infoHash: message.infoHash }));
  }

  private async leaveAll(ws: WebSocket): Promise<void> {
    // Let announces already on their way finish first, so none of them re-adds a peer after we left.
    await Promise.allSettled([...this.queues.values()]);
    const attachment = ws.deserializeAttachment() as GatewayAttachment | null;
    if (!attachment) return;
    const gatewayId = this.ctx.id.toString();
    await Promise.allSettled(
      Object.entries(attachment.swarms).map(([infoHash, peerIds]) => this.swarm(infoHash).gatewayLeave(gatewayId, peerIds)),
    );
  }

  private async guarded(ws: WebSocket, infoHash: string | undefined, work: () => Promise<unknown>): Promise<void> {
    try {
      await work();
    } catch (error) {
      console.error("gateway: message handling failed", { infoHash, error: String(error) });
      trySend(ws, failureFrame("internal error", { infoHash }));
    }
  }

  /** Stubs per info hash (bounded by the per-socket limit): resolving one per message cost ~10% CPU. */
  private readonly swarmStubs = new Map<string, DurableObjectStub<import("./swarm-object").SwarmObject>>();

  private swarm(infoHash: string) {
    let stub = this.swarmStubs.get(infoHash);
    if (!stub) {
      stub = this.env.SWARMS.get(this.env.SWARMS.idFromName(infoHash));
      this.swarmStubs.set(infoHash, stub);
    }
    return stub;
  }
}
