// One Durable Object per swarm (info hash). Holds the sockets of `/announce/<hash>` peers directly and
// answers gateway objects (multi-swarm `/announce` sockets) over RPC. Layer: adapter — I/O only; the rules
// live in ./swarm/swarm.ts. Uses the Hibernation API; everything needed to rebuild after an eviction is in
// socket attachments (direct peers) or this object's SQLite storage (gateway peers, completed count).
import {
  announceReplyFrame,
  answerFrame,
  offerFrame,
  type AnnounceMessage,
  type AnswerMessage,
  type ClientMessage,
  type SwarmCounts,
} from "../protocol/tracker";
import { trySend } from "./connection-guard";
import { announceIntervalSeconds, type TrackerEnv } from "./env";
import type { GatewayObject } from "./gateway-object";
import { scrapeFrame } from "./scrape";
import { INFO_HASH_HEADER, OK, REMOTE_ADDR_HEADER, SocketHost, StubCache, refuse, respond, type TrackerOutcome } from "./socket-host";
import { upsertSwarmStats } from "./swarm-stats";
import { StatsThrottle } from "./swarm/stats-throttle";
import { Swarm, swarmConfig, type PeerRecord } from "./swarm/swarm";

/** Where a peer is reachable: its own socket here, or the id of the gateway object holding its socket. */
type PeerHandle = WebSocket | string;

type DirectPeer = { left: number | null; seen: number };
type DirectAttachment = { addr: string; peers: Record<string, DirectPeer> };

/** Re-persist a peer's last-seen time only when it drifted this much (fewer storage writes per announce). */
const SEEN_PERSIST_DRIFT_MS = 30_000;

export class SwarmObject extends SocketHost<DirectAttachment> {
  private readonly swarm: Swarm<PeerHandle>;
  private readonly stats = new StatsThrottle();
  private readonly interval: number;
  private infoHash: string | null;
  private alarmAt: number | null = null;
  /** Gateway peers' rows as last written, to skip writes that change nothing useful. */
  private readonly persisted = new Map<string, { gateway: string; left: number | null; seen: number }>();
  private readonly gatewayStubs = new StubCache<DurableObjectStub<GatewayObject>>((id) => this.env.GATEWAYS.get(this.env.GATEWAYS.idFromString(id)));

  constructor(ctx: DurableObjectState, env: TrackerEnv) {
    super(ctx, env);
    this.interval = announceIntervalSeconds(env);
    this.swarm = new Swarm<PeerHandle>(swarmConfig(this.interval), Math.random, (h) =>
      typeof h === "string" ? true : h.readyState === WebSocket.OPEN,
    );
    const sql = ctx.storage.sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
    sql.exec(
      `CREATE TABLE IF NOT EXISTS gateway_peers (peer_id TEXT PRIMARY KEY, gateway TEXT NOT NULL, addr TEXT NOT NULL,
       left_bytes REAL, last_seen INTEGER NOT NULL)`,
    );
    this.infoHash = this.readMeta("info_hash");
    this.swarm.downloaded = Number(this.readMeta("downloaded") ?? 0);

    // Rebuild the swarm after hibernation/eviction: attachments and storage are the truth, memory a cache.
    for (const ws of ctx.getWebSockets()) {
      const attachment = ws.deserializeAttachment() as DirectAttachment | null;
      if (!attachment) continue;
      for (const [peerId, peer] of Object.entries(attachment.peers)) {
        this.swarm.restore({ peerId, socket: ws, addr: attachment.addr, left: peer.left, lastSeen: peer.seen });
      }
    }
    for (const row of sql.exec<{ peer_id: string; gateway: string; addr: string; left_bytes: number | null; last_seen: number }>(
      `SELECT peer_id, gateway, addr, left_bytes, last_seen FROM gateway_peers`,
    )) {
      this.swarm.restore({ peerId: row.peer_id, socket: row.gateway, addr: row.addr, left: row.left_bytes, lastSeen: row.last_seen });
      this.persisted.set(row.peer_id, { gateway: row.gateway, left: row.left_bytes, seen: row.last_seen });
    }
    void ctx.blockConcurrencyWhile(async () => {
      this.alarmAt = await ctx.storage.getAlarm();
    });
  }

  // ---- Direct sockets: GET /announce/<hash> (the worker checked the upgrade and the hash) ----

  override async fetch(request: Request): Promise<Response> {
    this.bindInfoHash(request.headers.get(INFO_HASH_HEADER)!);
    return this.accept({ addr: request.headers.get(REMOTE_ADDR_HEADER) ?? "unknown", peers: {} });
  }

  protected override logContext(): Record<string, unknown> {
    return { role: "swarm", infoHash: this.infoHash };
  }

  protected override async onMessage(ws: WebSocket, message: ClientMessage): Promise<void> {
    if (message.kind === "scrape") {
      trySend(ws, await scrapeFrame(this.env, message.infoHashes, this.localCounts()));
      return;
    }
    const context = { infoHash: message.infoHash };
    if (message.infoHash !== this.infoHash) {
      return respond(ws, refuse("this connection is bound to one info hash; announce other torrents on /announce"), context);
    }
    if (message.kind === "announce") {
      const attachment = ws.deserializeAttachment() as DirectAttachment;
      return respond(ws, this.announce(ws, attachment.addr, message), context);
    }
    respond(ws, this.answer(ws, message), context);
  }

  protected override async onSocketGone(ws: WebSocket): Promise<void> {
    this.dropSocket(ws);
  }

  // ---- RPC from gateway objects (sockets carrying several swarms: GET /announce) ----

  async gatewayAnnounce(infoHash: string, gatewayId: string, addr: string, message: AnnounceMessage): Promise<TrackerOutcome> {
    this.bindInfoHash(infoHash);
    return this.announce(gatewayId, addr, message);
  }

  async gatewayAnswer(infoHash: string, gatewayId: string, message: AnswerMessage): Promise<TrackerOutcome> {
    this.bindInfoHash(infoHash);
    return this.answer(gatewayId, message);
  }

  /** A gateway's socket closed: its peers leave (a synthetic `stopped` for each). */
  async gatewayLeave(gatewayId: string, peerIds: string[]): Promise<void> {
    const removed = this.swarm.removeHeldBy(gatewayId, peerIds);
    for (const peerId of removed) this.forgetGatewayPeer(peerId);
    if (removed.length > 0) this.countsChanged(Date.now());
  }

  async counts(): Promise<SwarmCounts> {
    return this.swarm.counts();
  }

  // ---- Expiry and directory pushes ----

  protected override async onAlarm(): Promise<void> {
    const now = Date.now();
    this.alarmAt = null;
    const dropped = this.swarm.expire(now);
    for (const record of dropped) this.forgetPeer(record);
    await this.pushStatsIfDue(now);
    const next = [this.swarm.nextExpiry(), this.stats.due(now, this.swarm.counts())].filter((t): t is number => t !== null);
    if (next.length > 0) this.armAlarm(Math.max(now + 1000, Math.min(...next)));
  }

  // ---- The announce/answer core shared by both kinds of connection ----

  private announce(handle: PeerHandle, addr: string, message: AnnounceMessage): TrackerOutcome {
    const now = Date.now();
    const outcome = this.swarm.announce(now, {
      peerId: message.peerId,
      socket: handle,
      addr,
      event: message.event,
      left: message.left,
      numwant: message.numwant,
      offerIds: message.offers.map((o) => o.offerId),
    });
    if (!outcome.ok) return refuse(outcome.reason);

    if (outcome.displaced !== null) this.forgetHandle(outcome.displaced, message.peerId);
    if (outcome.peer) this.persistPeer(outcome.peer, now);
    else this.forgetHandle(handle, message.peerId);
    if (message.event === "completed") this.writeMeta("downloaded", String(this.swarm.downloaded));

    for (const delivery of outcome.offers) {
      const offer = message.offers[delivery.offerIndex]!;
      this.deliver(delivery.socket, delivery.toPeerId, offerFrame(message.infoHash, message.peerId, offer.offerId, offer.sdp));
    }
    if (outcome.membershipChanged) {
      this.countsChanged(now);
      this.armAlarm(now + this.swarm.config.peerTtlMs, { onlyIfUnset: true });
    }
    return { ok: true, frame: announceReplyFrame(message.infoHash, this.interval, outcome.counts.complete, outcome.counts.incomplete) };
  }

  private answer(handle: PeerHandle, message: AnswerMessage): TrackerOutcome {
    const outcome = this.swarm.answer(Date.now(), {
      peerId: message.peerId,
      socket: handle,
      toPeerId: message.toPeerId,
      offerId: message.offerId,
    });
    if (!outcome.ok) return refuse(outcome.reason);
    this.deliver(outcome.socket, message.toPeerId, answerFrame(message.infoHash, message.peerId, message.offerId, message.sdp));
    return OK;
  }

  private deliver(handle: PeerHandle, peerId: string, frame: string): void {
    if (typeof handle !== "string") {
      if (!trySend(handle, frame)) this.dropPeers(handle, [peerId]);
      return;
    }
    this.gatewayStubs
      .get(handle)
      .deliver(frame)
      .then(
        (delivered) => {
          if (!delivered) this.dropPeers(handle, [peerId]);
        },
        (error) => {
          console.warn("swarm: delivery to gateway failed", { infoHash: this.infoHash, error: String(error) });
          this.dropPeers(handle, [peerId]);
        },
      );
  }

  private dropSocket(ws: WebSocket): void {
    const attachment = ws.deserializeAttachment() as DirectAttachment | null;
    if (attachment) this.dropPeers(ws, Object.keys(attachment.peers));
  }

  private dropPeers(handle: PeerHandle, peerIds: string[]): void {
    const removed = this.swarm.removeHeldBy(handle, peerIds);
    for (const peerId of removed) this.forgetHandle(handle, peerId);
    if (typeof handle === "string" && !this.hasPeersOn(handle)) this.gatewayStubs.forget(handle);
    if (removed.length > 0) this.countsChanged(Date.now());
  }

  private hasPeersOn(handle: PeerHandle): boolean {
    for (const record of this.swarm.all()) if (record.socket === handle) return true;
    return false;
  }

  // ---- Persistence: attachments for direct peers, SQLite for gateway peers ----

  private persistPeer(record: PeerRecord<PeerHandle>, now: number): void {
    if (typeof record.socket !== "string") {
      const attachment = record.socket.deserializeAttachment() as DirectAttachment;
      const stored = attachment.peers[record.peerId];
      if (stored && stored.left === record.left && now - stored.seen < SEEN_PERSIST_DRIFT_MS) return;
      attachment.peers[record.peerId] = { left: record.left, seen: now };
      record.socket.serializeAttachment(attachment);
      return;
    }
    const persisted = this.persisted.get(record.peerId);
    if (persisted && persisted.gateway === record.socket && persisted.left === record.left && now - persisted.seen < SEEN_PERSIST_DRIFT_MS) {
      return;
    }
    this.ctx.storage.sql.exec(
      `INSERT INTO gateway_peers (peer_id, gateway, addr, left_bytes, last_seen) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT (peer_id) DO UPDATE SET gateway = excluded.gateway, addr = excluded.addr,
       left_bytes = excluded.left_bytes, last_seen = excluded.last_seen`,
      record.peerId,
      record.socket,
      record.addr,
      record.left,
      now,
    );
    this.persisted.set(record.peerId, { gateway: record.socket, left: record.left, seen: now });
  }

  private forgetPeer(record: PeerRecord<PeerHandle>): void {
    this.forgetHandle(record.socket, record.peerId);
    this.countsChanged(Date.now());
  }

  private forgetHandle(handle: PeerHandle, peerId: string): void {
    if (typeof handle === "string") return this.forgetGatewayPeer(peerId);
    const attachment = handle.deserializeAttachment() as DirectAttachment | null;
    if (attachment && peerId in attachment.peers) {
      delete attachment.peers[peerId];
      try {
        handle.serializeAttachment(attachment);
      } catch {
        // the socket is already gone; nothing to keep
      }
    }
  }

  private forgetGatewayPeer(peerId: string): void {
    // The row may already belong to a direct connection's take-over; only a gateway's own row is removed.
    const current = this.swarm.get(peerId);
    if (current && typeof current.socket === "string") return;
    this.ctx.storage.sql.exec(`DELETE FROM gateway_peers WHERE peer_id = ?`, peerId);
    this.persisted.delete(peerId);
  }

  private countsChanged(now: number): void {
    const due = this.stats.due(now, this.swarm.counts());
    if (due === null) return;
    if (due <= now) void this.pushStatsIfDue(now);
    else this.armAlarm(due);
  }

  private async pushStatsIfDue(now: number): Promise<void> {
    const counts = this.swarm.counts();
    const due = this.stats.due(now, counts);
    if (due === null || due > now || !this.infoHash) return;
    this.stats.pushed(now, counts);
    try {
      await upsertSwarmStats(this.env.DB, this.infoHash, counts, now);
    } catch (error) {
      console.warn("swarm: stats push failed", { infoHash: this.infoHash, error: String(error) });
    }
  }

  protected override alarmRearmed(at: number): void {
    this.alarmAt = at;
  }

  private armAlarm(at: number, options: { onlyIfUnset?: boolean } = {}): void {
    if (this.alarmAt !== null && (options.onlyIfUnset || this.alarmAt <= at)) return;
    this.alarmAt = at;
    void this.ctx.storage.setAlarm(at);
  }

  private localCounts() {
    return this.infoHash ? { infoHash: this.infoHash, counts: this.swarm.counts() } : undefined;
  }

  private bindInfoHash(infoHash: string): void {
    if (this.infoHash === infoHash) return;
    this.infoHash = infoHash;
    this.writeMeta("info_hash", infoHash);
  }

  private readMeta(key: string): string | null {
    const row = this.ctx.storage.sql.exec<{ value: string }>(`SELECT value FROM meta WHERE key = ?`, key).toArray()[0];
    return row?.value ?? null;
  }

  private writeMeta(key: string, value: string): void {
    this.ctx.storage.sql.exec(`INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value);
  }
}
