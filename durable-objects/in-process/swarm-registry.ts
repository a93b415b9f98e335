// Every swarm of a tracker that runs in one process (a self-hosted server): one SwarmCore per info hash, made on
// first use and forgotten once idle, its alarm a timer, its storage memory. Nothing outlives the process: after a
// restart the swarms start empty and fill again as peers re-announce (the directory keeps the last counts).
// Layer: adapter (the in-process host of ../swarm-core.ts; web-standard APIs only, so it runs on Deno and Node).
import type { HttpAnnounce } from "../../protocol/http-tracker";
import { parseClientFrame, type ClientMessage, type SwarmCounts } from "../../protocol/tracker";
import { ConnectionGuard, SOCKET_OPEN, trySend, type MessageRate, type PeerSocket } from "../connection-guard";
import type { TrackerCaps } from "../env";
import { completedCounts, zeroStaleSwarmStats } from "../swarm-stats";
import { swarmConfig } from "../swarm/swarm";
import { ALARM_RETRY_MS, SwarmCore, type HttpAnnounceResult, type SocketState, type StoredHttpPeer, type SwarmHost, type SwarmStorage } from "../swarm-core";
import type { AccessPolicy } from "../swarm/access-policy";

export type RegistrySettings = {
  db: D1Database;
  intervalSeconds: number;
  /** A busy swarm whose counts hold still reports its activity this often (0: never); see SwarmCore. */
  activityReportSeconds: number;
  caps: TrackerCaps;
  access: AccessPolicy;
  /** Messages per connection; default README "Tracker limits" (a capacity benchmark lifts it). */
  messageRate?: MessageRate;
  now?: () => number;
};

/**
 * Completed counts of swarms that emptied, as a Durable Object keeps that one number in its storage. Bounded:
 * past this many the oldest go (a listed torrent's row still has its count; an unlisted swarm's is gone with
 * its swarm_stats row, migration 0003).
 */
const KEPT_DOWNLOADED = 100_000;

export class SwarmRegistry<S extends PeerSocket> {
  private readonly swarms = new Map<string, HostedSwarm<S>>();
  private readonly downloaded = new Map<string, number>();
  private staleTimer: ReturnType<typeof setTimeout> | null = null;
  readonly now: () => number;
  /** The checks every connection's frames pass (its state, the rate limit's bucket, is kept per socket). */
  readonly guard: ConnectionGuard<ClientMessage>;

  constructor(readonly settings: RegistrySettings) {
    this.now = settings.now ?? Date.now;
    this.guard = new ConnectionGuard<ClientMessage>(parseClientFrame, settings.messageRate);
  }

  /** Swarms in memory (with peers, sockets, or work left). */
  get size(): number {
    return this.swarms.size;
  }

  /** Why a new socket from `addr` may not join the swarm (the per-address cap), or null. */
  admission(infoHash: string, addr: string): string | null {
    return this.swarms.get(infoHash)?.core.admission(addr) ?? null;
  }

  /** A socket joins a swarm (admitted first); the swarm's core handles its messages from now on. */
  attach(infoHash: string, socket: S, addr: string): SwarmCore<S> {
    const swarm = this.swarm(infoHash);
    swarm.core.attach(socket, addr);
    return swarm.core;
  }

  /** The socket left the swarm (closed, failed or refused): its peers leave, and an idle swarm is forgotten. */
  detach(infoHash: string, socket: S): void {
    const swarm = this.swarms.get(infoHash);
    if (!swarm) return;
    swarm.core.socketGone(socket);
    this.forgetIfIdle(swarm);
  }

  /** An HTTP announce (a desktop client): into the same swarm as the sockets' peers. */
  async httpAnnounce(request: HttpAnnounce & { addr: string }): Promise<HttpAnnounceResult> {
    const swarm = this.swarm(request.infoHash);
    swarm.holds++; // not forgotten while the announce waits (a directory lookup under "listed" access)
    try {
      return await swarm.core.httpAnnounce(request);
    } finally {
      swarm.holds--;
      this.forgetIfIdle(swarm);
    }
  }

  /** A swarm's exact counts; null when no swarm of that hash is in memory. */
  counts(infoHash: string): SwarmCounts | null {
    return this.swarms.get(infoHash)?.core.counts() ?? null;
  }

  /**
   * The process (re)started with empty swarms while the directory still has the counts the last one pushed:
   * the completed counts come back from there, and counts that no swarm renews within a peer's lifetime (its
   * peers did not re-announce) are zeroed then — as the peers themselves would have expired.
   */
  async started(): Promise<void> {
    const startedAt = this.now();
    for (const [infoHash, count] of (await completedCounts(this.settings.db, KEPT_DOWNLOADED)).entries()) {
      if (!this.downloaded.has(infoHash)) this.downloaded.set(infoHash, count);
    }
    const { peerTtlMs } = swarmConfig(this.settings.intervalSeconds);
    this.staleTimer = setTimeout(() => {
      this.staleTimer = null;
      zeroStaleSwarmStats(this.settings.db, startedAt).catch((error) => console.error("swarms: zeroing stale counts failed", { error: String(error) }));
    }, peerTtlMs);
    (this.staleTimer as { unref?: () => void }).unref?.();
  }

  /** Stops every timer (the process is shutting down). */
  close(): void {
    if (this.staleTimer !== null) clearTimeout(this.staleTimer);
    for (const swarm of this.swarms.values()) swarm.cancelAlarm();
    this.swarms.clear();
  }

  forgetIfIdle(swarm: HostedSwarm<S>): void {
    if (swarm.holds === 0 && swarm.core.idle && this.swarms.get(swarm.infoHash) === swarm) this.swarms.delete(swarm.infoHash);
  }

  keptDownloaded(infoHash: string): number {
    return this.downloaded.get(infoHash) ?? 0;
  }

  keepDownloaded(infoHash: string, count: number | null): void {
    this.downloaded.delete(infoHash); // re-inserted last: the newest is kept longest
    if (count === null || count === 0) return;
    this.downloaded.set(infoHash, count);
    if (this.downloaded.size > KEPT_DOWNLOADED) this.downloaded.delete(this.downloaded.keys().next().value!);
  }

  private swarm(infoHash: string): HostedSwarm<S> {
    let swarm = this.swarms.get(infoHash);
    if (!swarm) {
      swarm = new HostedSwarm(this, infoHash);
      this.swarms.set(infoHash, swarm);
    }
    return swarm;
  }
}

/** One swarm's host: its ports (send, timer alarm, memory storage) around its core. */
class HostedSwarm<S extends PeerSocket> implements SwarmHost<S>, SwarmStorage {
  readonly core: SwarmCore<S>;
  readonly db: D1Database;
  readonly storage: SwarmStorage = this;
  readonly now: () => number;
  /** Work under way that must find this swarm in the registry when it completes. */
  holds = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(
    private readonly registry: SwarmRegistry<S>,
    readonly infoHash: string,
  ) {
    const { db, intervalSeconds, activityReportSeconds, caps, access } = registry.settings;
    this.db = db;
    this.now = registry.now;
    this.core = new SwarmCore<S>(this, { infoHash, intervalSeconds, activityReportSeconds, caps, access });
    this.core.restoreStored(); // the completed count, if this swarm was here before and emptied
  }

  // ---- SwarmHost ----

  send(socket: S, frame: string): boolean {
    return trySend(socket, frame);
  }

  isOpen(socket: S): boolean {
    return socket.readyState === SOCKET_OPEN;
  }

  saveSocketState(_socket: S, _state: SocketState): void {
    // Memory is all there is: the core's own map is the socket's state.
  }

  setAlarm(at: number): void {
    this.cancelAlarm();
    const timer = setTimeout(() => void this.wake(), Math.max(0, at - this.now()));
    // Node: a swarm's wake-up alone must not keep a process alive (tests); a server's listener does that.
    (timer as { unref?: () => void }).unref?.();
    this.timer = timer;
  }

  cancelAlarm(): void {
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
  }

  private async wake(): Promise<void> {
    this.timer = null;
    try {
      await this.core.alarm();
    } catch (error) {
      console.error("swarm: alarm failed", { infoHash: this.infoHash, peers: this.core.swarm.size, error: String(error) });
      const at = this.now() + ALARM_RETRY_MS;
      this.setAlarm(at);
      this.core.alarmRearmed(at);
    }
    this.registry.forgetIfIdle(this);
  }

  // ---- SwarmStorage: HTTP peers live in the swarm itself for as long as it is in memory ----

  loadDownloaded(): number {
    return this.registry.keptDownloaded(this.infoHash);
  }

  saveDownloaded(count: number): void {
    this.registry.keepDownloaded(this.infoHash, count);
  }

  loadHttpPeers(): StoredHttpPeer[] {
    return [];
  }

  saveHttpPeer(_peer: StoredHttpPeer): void {}

  deleteHttpPeer(_peerId: string): void {}

  clear(keepDownloaded: boolean): void {
    if (!keepDownloaded) this.registry.keepDownloaded(this.infoHash, null);
    // The core finishes its clean-up after this call; then the swarm may go.
    queueMicrotask(() => this.registry.forgetIfIdle(this));
  }
}
