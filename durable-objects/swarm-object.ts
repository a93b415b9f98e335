// One Durable Object per swarm (info hash): it holds every WebRTC peer's socket — a `/announce/<hash>`
// client's own, or the one the worker opens per torrent for a `/announce` client (announce-mux.ts) — relays
// offers and answers between them, and answers HTTP announces of desktop clients (the same swarm, the same
// counts). Layer: adapter — I/O only; the rules live in ./swarm/swarm.ts. Hibernation API: after an eviction
// the swarm is rebuilt from the sockets' attachments and, for HTTP peers, from storage.
import type { HttpAnnounce } from "../protocol/http-tracker";
import { announceReplyFrame, answerFrame, offerFrame, type AnnounceMessage, type AnswerMessage, type ClientMessage } from "../protocol/tracker";
import { DirectoryMembership } from "./directory-membership";
import { announceIntervalSeconds, trackerCaps, type TrackerEnv } from "./env";
import { scrapeFrame } from "./scrape";
import { INFO_HASH_HEADER, OK, REMOTE_ADDR_HEADER, SocketHost, refuse, type TrackerOutcome } from "./socket-host";
import { upsertSwarmStats } from "./swarm-stats";
import { STATS_MIN_INTERVAL_MS, StatsThrottle } from "./swarm/stats-throttle";
import { NOT_LISTED, accessPolicy, accessVerdict, type AccessPolicy } from "./swarm/access-policy";
import { Swarm, swarmConfig, type PeerRecord } from "./swarm/swarm";
import { meter } from "./usage";

/** A peer is reached over its socket (WebRTC), or at an address (HTTP: the key `<ip>|<port>`). */
type PeerHandle = WebSocket | string;

/** What an HTTP announce gets back (bencoded by the worker). */
export type HttpAnnounceResult =
  | { ok: false; reason: string }
  | { ok: true; interval: number; complete: number; incomplete: number; peers: { ip: string; port: number; peerId: string }[] };

type DirectPeer = { left: number | null; seen: number };
/** What survives hibernation with a socket: its address and the peers it announced. */
type SocketState = { addr: string; peers: Record<string, DirectPeer> };

/** Re-persist a peer's last-seen time only when it drifted this much (fewer attachment writes per announce). */
const SEEN_PERSIST_DRIFT_MS = 30_000;

export class SwarmObject extends SocketHost<SocketState> {
  private readonly swarm: Swarm<PeerHandle>;
  private readonly access: AccessPolicy;
  private readonly membership: DirectoryMembership;
  /** Whether the http_peers table exists (made on the first HTTP peer: most swarms never have one). */
  private httpTable = false;
  private readonly stats: StatsThrottle;
  private readonly interval: number;
  private readonly maxSocketsPerAddress: number;
  /** The sockets' attachments, mirrored: reading an attachment back on every message was measurable. */
  private readonly states = new Map<WebSocket, SocketState>();
  private readonly socketsPerAddress = new Map<string, number>();
  private infoHash: string | null;
  private alarmAt: number | null = null;
  /** A count push under way: the next waits for it, so pushes land in order. */
  private pushing: Promise<void> | null = null;

  constructor(ctx: DurableObjectState, env: TrackerEnv) {
    super(ctx, env);
    meter.objectsCreated++;
    this.interval = announceIntervalSeconds(env);
    // Counts change at most once per announce interval per peer: pushing more often than that buys nothing.
    this.stats = new StatsThrottle(Math.min(STATS_MIN_INTERVAL_MS, this.interval * 1000));
    const caps = trackerCaps(env);
    this.maxSocketsPerAddress = caps.maxSocketsPerAddress;
    // An HTTP peer has no connection to see into: it counts as live (take-over by address or silence only).
    this.swarm = new Swarm<PeerHandle>(swarmConfig(this.interval, caps), Math.random, (h) => typeof h === "string" || h.readyState === WebSocket.OPEN);
    this.access = accessPolicy(env).policy;
    this.membership = new DirectoryMembership(env.DB);
    // idFromName(info hash): the name is the swarm's identity, nothing to store for it.
    this.infoHash = ctx.id.name ?? null;
    this.swarm.downloaded = ctx.storage.kv.get<number>("downloaded") ?? 0;
    meter.storageRowsRead++;

    // Rebuild after hibernation/eviction: attachments are the truth, memory a cache.
    for (const ws of ctx.getWebSockets()) {
      const state = ws.deserializeAttachment() as SocketState | null;
      if (!state) continue;
      this.track(ws, state);
      for (const [peerId, peer] of Object.entries(state.peers)) {
        this.swarm.restore({ peerId, socket: ws, transport: "webrtc", addr: state.addr, left: peer.left, lastSeen: peer.seen });
      }
    }
    this.restoreHttpPeers();
    void ctx.blockConcurrencyWhile(async () => {
      this.alarmAt = await ctx.storage.getAlarm();
    });
  }

  // ---- Sockets: a direct client's, or the worker's for a `/announce` client (the worker checked the upgrade) ----

  override async fetch(request: Request): Promise<Response> {
    this.infoHash ??= request.headers.get(INFO_HASH_HEADER);
    const addr = request.headers.get(REMOTE_ADDR_HEADER) ?? "unknown";
    if ((this.socketsPerAddress.get(addr) ?? 0) >= this.maxSocketsPerAddress) {
      // Refused before the upgrade: nothing is held for it (a `/announce` client gets a failure reason).
      return Response.json(
        { error: { code: "too_many_connections", message: `too many connections to this swarm from one address (limit ${this.maxSocketsPerAddress})` } },
        { status: 429 },
      );
    }
    const state: SocketState = { addr, peers: {} };
    const { socket, response } = this.accept(state);
    this.track(socket, state);
    return response;
  }

  protected override logContext(): Record<string, unknown> {
    return { role: "swarm", infoHash: this.infoHash, peers: this.swarm.size };
  }

  protected override async onMessage(ws: WebSocket, message: ClientMessage): Promise<void> {
    if (message.kind === "scrape") {
      this.send(ws, await scrapeFrame(this.env, message.infoHashes, this.localCounts()));
      return;
    }
    const context = { infoHash: message.infoHash };
    if (message.infoHash !== this.infoHash) {
      return this.respond(ws, refuse("this connection is bound to one info hash; announce other torrents on /announce"), context);
    }
    if (message.kind === "announce") {
      const refusal = await this.refusal(message.infoHash);
      if (refusal) return this.respond(ws, refuse(refusal), context);
    }
    this.respond(ws, message.kind === "announce" ? this.announce(ws, message) : this.answer(ws, message), context);
  }

  // ---- HTTP announces (desktop clients; the worker parsed the query and bencodes the reply) ----

  async httpAnnounce(request: HttpAnnounce & { addr: string }): Promise<HttpAnnounceResult> {
    this.infoHash ??= request.infoHash;
    const refusal = await this.refusal(request.infoHash);
    if (refusal) return { ok: false, reason: refusal };
    const now = Date.now();
    const handle = `${request.addr}|${request.port}`;
    const outcome = this.swarm.announce(now, {
      peerId: request.peerId,
      socket: handle,
      transport: "http",
      port: request.port,
      addr: request.addr,
      event: request.event,
      left: request.left,
      numwant: request.numwant,
      offerIds: [],
    });
    if (!outcome.ok) return { ok: false, reason: outcome.reason };
    if (outcome.displaced !== null) this.forget(outcome.displaced, request.peerId);
    if (outcome.peer) this.rememberHttp(outcome.peer);
    else this.forgetHttp(request.peerId);
    if (request.event === "completed") this.saveDownloaded();
    if (outcome.membershipChanged) {
      this.countsChanged(now);
      this.armAlarm(now + this.swarm.config.peerTtlMs, { onlyIfUnset: true });
    }
    return {
      ok: true,
      interval: this.interval,
      complete: outcome.counts.complete,
      incomplete: outcome.counts.incomplete,
      peers: outcome.peers.map((p) => ({ ip: p.addr, port: p.port!, peerId: p.peerId })),
    };
  }

  /** Why this swarm refuses announces under the access policy, or null when it serves them. */
  private async refusal(infoHash: string): Promise<string | null> {
    const verdict = accessVerdict(this.access, infoHash);
    if (verdict.kind === "serve") return null;
    if (verdict.kind === "refuse") return verdict.reason;
    return (await this.membership.isListed(infoHash, Date.now())) ? null : NOT_LISTED;
  }

  protected override async onSocketGone(ws: WebSocket): Promise<void> {
    const state = this.states.get(ws);
    if (!state) return;
    this.states.delete(ws);
    const left = (this.socketsPerAddress.get(state.addr) ?? 1) - 1;
    if (left > 0) this.socketsPerAddress.set(state.addr, left);
    else this.socketsPerAddress.delete(state.addr);
    const removed = this.swarm.removeHeldBy(ws, Object.keys(state.peers));
    if (removed.length > 0) this.countsChanged(Date.now());
  }

  /** This swarm's counts, exact (scrapes read the pushed ones from D1): for tools and tests. */
  async counts() {
    return this.swarm.counts();
  }

  // ---- Expiry and directory pushes ----

  protected override async onAlarm(): Promise<void> {
    meter.alarms++;
    const now = Date.now();
    this.alarmAt = null;
    for (const record of this.swarm.expire(now)) this.forget(record.socket, record.peerId);

    await this.pushStatsIfDue(now);
    const next = [this.swarm.nextExpiry(), this.stats.due(Date.now(), this.swarm.counts())].filter((t): t is number => t !== null);
    if (next.length > 0) this.armAlarm(Math.max(now + 1000, Math.min(...next)));
  }

  protected override alarmRearmed(at: number): void {
    this.alarmAt = at;
  }

  // ---- Announces and answers ----

  private announce(ws: WebSocket, message: AnnounceMessage): TrackerOutcome {
    const now = Date.now();
    const state = this.states.get(ws)!;
    const outcome = this.swarm.announce(now, {
      peerId: message.peerId,
      socket: ws,
      addr: state.addr,
      event: message.event,
      left: message.left,
      numwant: message.numwant,
      offerIds: message.offers.map((o) => o.offerId),
    });
    if (!outcome.ok) return refuse(outcome.reason);

    if (outcome.displaced !== null) this.forget(outcome.displaced, message.peerId);
    if (outcome.peer) this.remember(outcome.peer, now);
    else this.forget(ws, message.peerId);
    if (message.event === "completed") this.saveDownloaded();

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

  private answer(ws: WebSocket, message: AnswerMessage): TrackerOutcome {
    const outcome = this.swarm.answer(Date.now(), { peerId: message.peerId, socket: ws, toPeerId: message.toPeerId, offerId: message.offerId });
    if (!outcome.ok) return refuse(outcome.reason);
    this.deliver(outcome.socket, message.toPeerId, answerFrame(message.infoHash, message.peerId, message.offerId, message.sdp));
    return OK;
  }

  private deliver(handle: PeerHandle, peerId: string, frame: string): void {
    if (typeof handle === "string") return; // offers and answers only ever go to WebRTC peers
    const ws = handle;
    if (this.send(ws, frame)) return;
    // The socket went away without its close reaching us yet: its peer leaves now.
    if (this.swarm.removeHeldBy(ws, [peerId]).length > 0) {
      this.forget(ws, peerId);
      this.countsChanged(Date.now());
    }
  }

  // ---- Socket state: attachments (what survives hibernation) mirrored in memory ----

  private track(ws: WebSocket, state: SocketState): void {
    this.states.set(ws, state);
    this.socketsPerAddress.set(state.addr, (this.socketsPerAddress.get(state.addr) ?? 0) + 1);
  }

  private remember(record: PeerRecord<PeerHandle>, now: number): void {
    if (typeof record.socket === "string") return;
    const state = this.states.get(record.socket);
    if (!state) return;
    const stored = state.peers[record.peerId];
    if (stored && stored.left === record.left && now - stored.seen < SEEN_PERSIST_DRIFT_MS) return;
    state.peers[record.peerId] = { left: record.left, seen: now };
    record.socket.serializeAttachment(state);
  }

  private forget(handle: PeerHandle, peerId: string): void {
    if (typeof handle === "string") return this.forgetHttp(peerId);
    const ws = handle;
    const state = this.states.get(ws);
    if (!state || !(peerId in state.peers)) return;
    delete state.peers[peerId];
    try {
      ws.serializeAttachment(state);
    } catch {
      // the socket is already gone; nothing to keep
    }
  }

  // ---- HTTP peers: no socket to rebuild them from, so they are stored (joins, leaves, seeding; not every
  // re-announce: after an eviction a stored peer gets a fresh TTL, so expiry runs late rather than writes
  // running on every announce) ----

  private restoreHttpPeers(): void {
    const sql = this.ctx.storage.sql;
    const exists = sql.exec<{ n: number }>(`SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'http_peers'`).one().n > 0;
    if (!exists) return;
    this.httpTable = true;
    const now = Date.now();
    for (const row of sql.exec<{ peer_id: string; ip: string; port: number; left_bytes: number | null }>(`SELECT peer_id, ip, port, left_bytes FROM http_peers`)) {
      meter.storageRowsRead++;
      this.swarm.restore({ peerId: row.peer_id, socket: `${row.ip}|${row.port}`, transport: "http", port: row.port, addr: row.ip, left: row.left_bytes, lastSeen: now });
    }
  }

  private readonly storedHttp = new Map<string, string>();

  private rememberHttp(record: PeerRecord<PeerHandle>): void {
    const fingerprint = `${record.addr}|${record.port}|${record.left}`;
    if (this.storedHttp.get(record.peerId) === fingerprint) return;
    const sql = this.ctx.storage.sql;
    if (!this.httpTable) {
      sql.exec(`CREATE TABLE IF NOT EXISTS http_peers (peer_id TEXT PRIMARY KEY, ip TEXT NOT NULL, port INTEGER NOT NULL, left_bytes REAL)`);
      this.httpTable = true;
    }
    sql.exec(
      `INSERT INTO http_peers (peer_id, ip, port, left_bytes) VALUES (?, ?, ?, ?)
       ON CONFLICT (peer_id) DO UPDATE SET ip = excluded.ip, port = excluded.port, left_bytes = excluded.left_bytes`,
      record.peerId,
      record.addr,
      record.port,
      record.left,
    );
    meter.storageRowsWritten++;
    this.storedHttp.set(record.peerId, fingerprint);
  }

  private forgetHttp(peerId: string): void {
    if (!this.httpTable) return;
    // The row may belong to a WebRTC take-over now: only a stored HTTP peer's row goes.
    const current = this.swarm.get(peerId);
    if (current && current.transport === "http") return;
    this.ctx.storage.sql.exec(`DELETE FROM http_peers WHERE peer_id = ?`, peerId);
    meter.storageRowsWritten++;
    this.storedHttp.delete(peerId);
  }

  private saveDownloaded(): void {
    this.ctx.storage.kv.put("downloaded", this.swarm.downloaded);
    meter.storageRowsWritten++;
  }

  private countsChanged(now: number): void {
    const due = this.stats.due(now, this.swarm.counts());
    if (due === null) return;
    if (due <= now) void this.pushStatsIfDue(now);
    else this.armAlarm(due);
  }

  /**
   * Pushes the counts to the directory if due. Counted as pushed only once D1 took them; after a failure the
   * alarm retries (with a back-off), so a swarm that emptied never stays listed as live.
   */
  private async pushStatsIfDue(now: number): Promise<void> {
    if (this.pushing) return this.pushing;
    const counts = this.swarm.counts();
    const due = this.stats.due(now, counts);
    if (due === null || !this.infoHash) return;
    if (due > now) return this.armAlarm(due);
    const infoHash = this.infoHash;
    this.pushing = (async () => {
      try {
        await upsertSwarmStats(this.env.DB, infoHash, counts, now);
        this.stats.pushed(now, counts);
      } catch (error) {
        console.warn("swarm: stats push failed; retrying", { infoHash, error: String(error) });
        this.stats.failed(Date.now());
      } finally {
        this.pushing = null;
      }
      const next = this.stats.due(Date.now(), this.swarm.counts());
      if (next !== null) this.armAlarm(next);
      else if (this.swarm.size === 0) this.cleanUp();
    })();
    return this.pushing;
  }

  /**
   * An empty swarm whose last counts reached the directory keeps nothing: no alarm, and no storage unless it
   * counted completed downloads (that one number is all a swarm remembers when it empties).
   */
  private cleanUp(): void {
    this.alarmAt = null;
    if (this.swarm.downloaded === 0) {
      this.httpTable = false;
      this.storedHttp.clear();
      void this.ctx.storage.deleteAll();
    } else {
      if (this.httpTable) this.ctx.storage.sql.exec(`DROP TABLE http_peers`);
      this.httpTable = false;
      this.storedHttp.clear();
      void this.ctx.storage.deleteAlarm();
    }
  }

  private armAlarm(at: number, options: { onlyIfUnset?: boolean } = {}): void {
    if (this.alarmAt !== null && (options.onlyIfUnset || this.alarmAt <= at)) return;
    this.alarmAt = at;
    meter.storageRowsWritten++; // an alarm write is billed as one row written
    void this.ctx.storage.setAlarm(at);
  }

  private localCounts() {
    return this.infoHash ? { infoHash: this.infoHash, counts: this.swarm.counts() } : undefined;
  }
}
