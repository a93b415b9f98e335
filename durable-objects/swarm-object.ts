// One Durable Object per swarm (info hash): the Cloudflare host of a swarm (./swarm-core.ts). It holds every
// WebRTC peer's socket — a `/announce/<hash>` client's own, or the one the worker opens per torrent for a
// `/announce` client (announce-mux.ts) — and answers the worker's HTTP announces over RPC. Layer: adapter.
// Hibernation API: after an eviction the swarm is rebuilt from the sockets' attachments and, for HTTP peers
// and the completed count, from this object's storage.
import type { HttpAnnounce } from "../protocol/http-tracker";
import type { ClientMessage } from "../protocol/tracker";
import { activityReportSeconds, announceIntervalSeconds, trackerCaps, type TrackerEnv } from "./env";
import { admissionRefused } from "./refusing-socket";
import { INFO_HASH_HEADER, REMOTE_ADDR_HEADER, SocketHost } from "./socket-host";
import { SwarmCore, type HttpAnnounceResult, type SocketState, type StoredHttpPeer, type SwarmStorage } from "./swarm-core";
import { accessPolicy } from "./swarm/access-policy";
import { meter } from "./usage";

export type { HttpAnnounceResult } from "./swarm-core";

export class SwarmObject extends SocketHost<SocketState> {
  private readonly core: SwarmCore<WebSocket>;

  constructor(ctx: DurableObjectState, env: TrackerEnv) {
    super(ctx, env);
    meter.objectsCreated++;
    const object = this;
    this.core = new SwarmCore<WebSocket>(
      {
        db: env.DB,
        storage: new ObjectStorage(ctx.storage),
        send: (ws, frame) => object.send(ws, frame),
        isOpen: (ws) => ws.readyState === WebSocket.OPEN,
        saveSocketState: (ws, state) => {
          try {
            ws.serializeAttachment(state);
          } catch {
            // the socket is already gone; nothing to keep
          }
        },
        setAlarm: (at) => {
          meter.storageRowsWritten++; // an alarm write is billed as one row written
          // Replies need not wait for this write to be durable (the output gate): losing it in a crash costs
          // at most a late expiry, and the rebuild re-arms the alarm of a swarm that has peers.
          void ctx.storage.setAlarm(at, { allowUnconfirmed: true });
        },
        cancelAlarm: () => void ctx.storage.deleteAlarm(),
        now: () => Date.now(),
      },
      {
        // idFromName(info hash): the name is the swarm's identity, nothing to store for it.
        infoHash: ctx.id.name ?? null,
        intervalSeconds: announceIntervalSeconds(env),
        activityReportSeconds: activityReportSeconds(env),
        caps: trackerCaps(env),
        access: accessPolicy(env).policy,
      },
    );
    // Rebuild after hibernation/eviction: attachments and storage are the truth, memory a cache.
    this.core.restoreStored();
    for (const ws of ctx.getWebSockets()) {
      const state = ws.deserializeAttachment() as SocketState | null;
      if (state) this.core.restoreSocket(ws, state);
    }
    void ctx.blockConcurrencyWhile(async () => this.core.knownAlarm(await ctx.storage.getAlarm()));
  }

  // ---- Sockets: a direct client's, or the worker's for a `/announce` client (the worker checked the upgrade) ----

  override async fetch(request: Request): Promise<Response> {
    const infoHash = request.headers.get(INFO_HASH_HEADER);
    if (infoHash) this.core.bindInfoHash(infoHash);
    const addr = request.headers.get(REMOTE_ADDR_HEADER) ?? "unknown";
    const refusal = this.core.admission(addr);
    // Refused before the upgrade: nothing is held for it (a `/announce` client gets a failure reason).
    if (refusal) return admissionRefused(refusal);
    const pair = new WebSocketPair();
    const [client, server] = [pair[0], pair[1]];
    this.ctx.acceptWebSocket(server);
    server.serializeAttachment(this.core.attach(server, addr));
    return new Response(null, { status: 101, webSocket: client });
  }

  protected override logContext(): Record<string, unknown> {
    return { role: "swarm", infoHash: this.core.infoHash, peers: this.core.swarm.size };
  }

  protected override onMessage(ws: WebSocket, message: ClientMessage): Promise<void> {
    return this.core.handle(ws, message);
  }

  protected override async onSocketGone(ws: WebSocket): Promise<void> {
    this.core.socketGone(ws);
  }

  protected override onAlarm(): Promise<void> {
    meter.alarms++;
    return this.core.alarm();
  }

  protected override alarmRearmed(at: number): void {
    this.core.alarmRearmed(at);
  }

  // ---- RPC from the worker ----

  /** An HTTP announce (desktop clients; the worker parsed the query and bencodes the reply). */
  httpAnnounce(request: HttpAnnounce & { addr: string }): Promise<HttpAnnounceResult> {
    return this.core.httpAnnounce(request);
  }

  /** This swarm's counts, exact (scrapes read the pushed ones from D1): for tools and tests. */
  async counts() {
    return this.core.counts();
  }
}

/**
 * A swarm's storage in its object: the completed count in the key-value API, HTTP peers in a table made with
 * the first of them (most swarms never have one, and an object that stores nothing costs nothing).
 */
class ObjectStorage implements SwarmStorage {
  private httpTable: boolean | null = null;

  constructor(private readonly storage: DurableObjectStorage) {}

  loadDownloaded(): number {
    meter.storageRowsRead++;
    return this.storage.kv.get<number>("downloaded") ?? 0;
  }

  saveDownloaded(count: number): void {
    meter.storageRowsWritten++;
    this.storage.kv.put("downloaded", count);
  }

  loadHttpPeers(): StoredHttpPeer[] {
    if (!this.hasHttpTable()) return [];
    const rows = this.storage.sql.exec<{ peer_id: string; ip: string; port: number; left_bytes: number | null }>(`SELECT peer_id, ip, port, left_bytes FROM http_peers`).toArray();
    meter.storageRowsRead += rows.length;
    return rows.map((r) => ({ peerId: r.peer_id, ip: r.ip, port: r.port, left: r.left_bytes }));
  }

  saveHttpPeer(peer: StoredHttpPeer): void {
    if (!this.hasHttpTable()) {
      this.storage.sql.exec(`CREATE TABLE IF NOT EXISTS http_peers (peer_id TEXT PRIMARY KEY, ip TEXT NOT NULL, port INTEGER NOT NULL, left_bytes REAL)`);
      this.httpTable = true;
    }
    this.storage.sql.exec(
      `INSERT INTO http_peers (peer_id, ip, port, left_bytes) VALUES (?, ?, ?, ?)
       ON CONFLICT (peer_id) DO UPDATE SET ip = excluded.ip, port = excluded.port, left_bytes = excluded.left_bytes`,
      peer.peerId,
      peer.ip,
      peer.port,
      peer.left,
    );
    meter.storageRowsWritten++;
  }

  deleteHttpPeer(peerId: string): void {
    if (!this.hasHttpTable()) return;
    this.storage.sql.exec(`DELETE FROM http_peers WHERE peer_id = ?`, peerId);
    meter.storageRowsWritten++;
  }

  clear(keepDownloaded: boolean): void {
    if (!keepDownloaded) {
      this.httpTable = false;
      void this.storage.deleteAll();
      return;
    }
    if (this.hasHttpTable()) this.storage.sql.exec(`DROP TABLE http_peers`);
    this.httpTable = false;
  }

  private hasHttpTable(): boolean {
    this.httpTable ??=
      this.storage.sql.exec<{ n: number }>(`SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = 'http_peers'`).one().n > 0;
    return this.httpTable;
  }
}
