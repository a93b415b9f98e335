// One Durable Object per `/announce` socket — the stock clients' single socket carrying all their torrents.
// It parses each frame once and forwards it to the swarm object of that info hash over RPC; swarm objects
// call `deliver` to push offers/answers down this socket. Layer: adapter (I/O only). Created next to the
// client (newUniqueId), so a client's socket terminates near it whichever swarms it joins.
import { TRACKER_LIMITS, type AnnounceMessage, type AnswerMessage, type ClientMessage } from "../protocol/tracker";
import { trySend } from "./connection-guard";
import { scrapeFrame } from "./scrape";
import { REMOTE_ADDR_HEADER, SocketHost, StubCache, refuse, respond, type TrackerOutcome } from "./socket-host";
import type { SwarmObject } from "./swarm-object";

/** Which peer ids this socket announced in which swarms; survives hibernation with the socket. */
type GatewayAttachment = { addr: string; swarms: Record<string, string[]> };

export class GatewayObject extends SocketHost<GatewayAttachment> {
  /** Per-swarm chains keep one swarm's messages in order while different swarms proceed in parallel. */
  private readonly queues = new Map<string, Promise<void>>();
  /** Bounded by the per-socket limit on info hashes. */
  private readonly swarms = new StubCache<DurableObjectStub<SwarmObject>>((infoHash) => this.env.SWARMS.get(this.env.SWARMS.idFromName(infoHash)));

  // The worker checked the upgrade; a gateway holds exactly one socket.
  override async fetch(request: Request): Promise<Response> {
    if (this.ctx.getWebSockets().length > 0) {
      return Response.json({ error: { code: "conflict", message: "gateway already has a socket" } }, { status: 409 });
    }
    return this.accept({ addr: request.headers.get(REMOTE_ADDR_HEADER) ?? "unknown", swarms: {} });
  }

  /** Called by swarm objects: push a frame to this gateway's client. False when the socket is gone. */
  async deliver(frame: string): Promise<boolean> {
    const ws = this.ctx.getWebSockets()[0];
    return ws ? trySend(ws, frame) : false;
  }

  protected override logContext(): Record<string, unknown> {
    return { role: "gateway", gateway: this.ctx.id.toString() };
  }

  protected override async onMessage(ws: WebSocket, message: ClientMessage): Promise<void> {
    if (message.kind === "scrape") {
      trySend(ws, await scrapeFrame(this.env, message.infoHashes));
      return;
    }
    const infoHash = message.infoHash;
    const previous = this.queues.get(infoHash) ?? Promise.resolve();
    const next = previous.then(async () => {
      try {
        const outcome = message.kind === "announce" ? await this.announce(ws, message) : await this.answer(message);
        respond(ws, outcome, { infoHash });
      } catch (error) {
        // One swarm's failure must not break the chain the socket's later messages for it wait on.
        console.error("gateway: message handling failed", { ...this.logContext(), infoHash, error: String(error) });
        respond(ws, refuse("internal error"), { infoHash });
      }
    });
    this.queues.set(infoHash, next);
    await next;
    if (this.queues.get(infoHash) === next) this.queues.delete(infoHash);
  }

  protected override async onSocketGone(ws: WebSocket): Promise<void> {
    // Let announces already on their way finish first, so none of them re-adds a peer after we left.
    await Promise.allSettled([...this.queues.values()]);
    const attachment = ws.deserializeAttachment() as GatewayAttachment | null;
    if (!attachment) return;
    const gatewayId = this.ctx.id.toString();
    await Promise.allSettled(
      Object.entries(attachment.swarms).map(([infoHash, peerIds]) => this.swarms.get(infoHash).gatewayLeave(gatewayId, peerIds)),
    );
  }

  private async announce(ws: WebSocket, message: AnnounceMessage): Promise<TrackerOutcome> {
    const attachment = ws.deserializeAttachment() as GatewayAttachment;
    const known = attachment.swarms[message.infoHash];
    if (!known && Object.keys(attachment.swarms).length >= TRACKER_LIMITS.maxInfoHashesPerSocket) {
      return refuse(`too many torrents on one connection (limit ${TRACKER_LIMITS.maxInfoHashesPerSocket})`);
    }
    const outcome = await this.swarms.get(message.infoHash).gatewayAnnounce(message.infoHash, this.ctx.id.toString(), attachment.addr, message);
    if (!outcome.ok) return outcome;
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
    return outcome;
  }

  private answer(message: AnswerMessage): Promise<TrackerOutcome> {
    return this.swarms.get(message.infoHash).gatewayAnswer(message.infoHash, this.ctx.id.toString(), message);
  }
}
