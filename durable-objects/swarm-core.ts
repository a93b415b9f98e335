// One swarm as a tracker serves it, whatever hosts it (a Durable Object on Cloudflare, an in-process registry
// on Deno): the announce/answer flow over WebRTC sockets, HTTP announces, access checks, expiry, and the
// directory's counts — the I/O around the pure rules of ./swarm/swarm.ts. The host gives it ports (send,
// storage, an alarm, D1) and calls it. Layer: adapter core (no platform imports).
import type { HttpAnnounce } from "../protocol/http-tracker";
import {
  announceReplyFrame,
  answerFrame,
  failureFrame,
  offerFrame,
  type AnnounceMessage,
  type AnswerMessage,
  type ClientMessage,
  type SwarmCounts,
} from "../protocol/tracker";
import { DirectoryMembership } from "./directory-membership";
import { scrapeFrame } from "./scrape";
import { SwarmActivity } from "./swarm-activity";
import { upsertSwarmStats } from "./swarm-stats";
import { NOT_LISTED, accessVerdict, type AccessPolicy } from "./swarm/access-policy";
import { StatsThrottle } from "./swarm/stats-throttle";
import { Swarm, swarmConfig, type PeerRecord, type SwarmCaps } from "./swarm/swarm";

/** What survives a host's eviction with a socket: its address and the peers it announced. */
export type SocketState = { addr: string; peers: Record<string, { left: number | null; seen: number }> };

export type StoredHttpPeer = { peerId: string; ip: string; port: number; left: number | null };

/** What a swarm keeps beyond its sockets (a Durable Object: its SQLite storage; an in-process host: nothing). */
export interface SwarmStorage {
  loadDownloaded(): number;
  saveDownloaded(count: number): void;
  loadHttpPeers(): StoredHttpPeer[];
  saveHttpPeer(peer: StoredHttpPeer): void;
  deleteHttpPeer(peerId: string): void;
  /** The swarm emptied and the directory knows: keep nothing but, if asked, the completed count. */
  clear(keepDownloaded: boolean): void;
}

export interface SwarmHost<Sock> {
  readonly db: D1Database;
  readonly storage: SwarmStorage;
  /** Sends a frame; false when the socket is gone. */
  send(socket: Sock, frame: string): boolean;
  isOpen(socket: Sock): boolean;
  /** The socket's state changed: keep it where it survives the host's evictions (a hibernatable attachment). */
  saveSocketState(socket: Sock, state: SocketState): void;
  /** Calls `alarm()` at `at` (replacing an earlier wake-up), or never again. */
  setAlarm(at: number): void;
  cancelAlarm(): void;
  now(): number;
}

export type SwarmSettings = {
  infoHash: string | null;
  intervalSeconds: number;
  /** A swarm with activity but no change in its counts still reports it this often (0: never). */
  activityReportSeconds: number;
  caps: SwarmCaps & { maxSocketsPerAddress: number };
  access: AccessPolicy;
};

/** What an HTTP announce gets back (bencoded by the worker). */
export type HttpAnnounceResult =
  | { ok: false; reason: string }
  | { ok: true; interval: number; complete: number; incomplete: number; peers: { ip: string; port: number; peerId: string }[] };

/** Where a peer is reached: its socket (WebRTC), or `<ip>|<port>` (HTTP). */
type Handle<Sock> = Sock | string;

/** Re-save a peer's last-seen time only when it drifted this much (fewer attachment writes per announce). */
const SEEN_PERSIST_DRIFT_MS = 30_000;
export const STATS_MAX_INTERVAL_MS = 5_000;
/** A retried alarm comes this long after a failed one (the runtime's own retries are not relied on). */
export const ALARM_RETRY_MS = 30_000;

export class SwarmCore<Sock extends object> {
  readonly swarm: Swarm<Handle<Sock>>;
  readonly interval: number;
  private readonly stats: StatsThrottle;
  private readonly membership: DirectoryMembership;
  private readonly activity: SwarmActivity;
  private readonly states = new Map<Sock, SocketState>();
  private readonly socketsPerAddress = new Map<string, number>();
  /** HTTP peers as last stored, to skip writes that change nothing. */
  private readonly storedHttp = new Map<string, string>();
  private alarmAt: number | null = null;
  /** A count push under way: the next waits for it, so pushes land in order. */
  private pushing: Promise<void> | null = null;
  /** When the directory last took a report from this swarm. */
  private lastReportAt: number;

  constructor(
    private readonly host: SwarmHost<Sock>,
    private readonly settings: SwarmSettings,
  ) {
    this.interval = settings.intervalSeconds;
    // Counts change at most once per announce interval per peer: pushing more often than that buys nothing.
    this.stats = new StatsThrottle(Math.min(STATS_MAX_INTERVAL_MS, this.interval * 1000));
    // An HTTP peer has no connection to see into: it counts as live (take-over by address or silence only).
    this.swarm = new Swarm<Handle<Sock>>(swarmConfig(this.interval, settings.caps), Math.random, (h) => typeof h === "string" || host.isOpen(h));
    this.membership = new DirectoryMembership(host.db);
    this.activity = new SwarmActivity(host.now());
    this.lastReportAt = host.now();
  }

  get infoHash(): string | null {
    return this.settings.infoHash;
  }

  bindInfoHash(infoHash: string): void {
    this.settings.infoHash ??= infoHash;
  }

  // ---- Rebuilding after an eviction (hosts that evict) ----

  /** Brings back what the storage kept: the completed count and the HTTP peers (with a fresh TTL). */
  restoreStored(): void {
    this.swarm.downloaded = this.host.storage.loadDownloaded();
    const now = this.host.now();
    for (const p of this.host.storage.loadHttpPeers()) {
      this.swarm.restore({ peerId: p.peerId, socket: `${p.ip}|${p.port}`, transport: "http", port: p.port, addr: p.ip, left: p.left, lastSeen: now });
      this.storedHttp.set(p.peerId, `${p.ip}|${p.port}|${p.left}`);
    }
  }

  restoreSocket(socket: Sock, state: SocketState): void {
    this.track(socket, state);
    for (const [peerId, peer] of Object.entries(state.peers)) {
      this.swarm.restore({ peerId, socket, transport: "webrtc", addr: state.addr, left: peer.left, lastSeen: peer.seen });
    }
  }

  /** The host's alarm as found after an eviction; a swarm with peers and no alarm gets one (expiry must run). */
  knownAlarm(at: number | null): void {
    this.alarmAt = at;
    const expiry = this.swarm.nextExpiry();
    if (at === null && expiry !== null) this.armAlarm(expiry);
  }

  // ---- Sockets ----

  /** Why a new socket from `addr` is refused (the per-address cap), or null. Nothing is held for a refusal. */
  admission(addr: string): string | null {
    const max = this.settings.caps.maxSocketsPerAddress;
    return (this.socketsPerAddress.get(addr) ?? 0) >= max ? `too many connections to this swarm from one address (limit ${max})` : null;
  }

  /** A new socket from `addr`; its state, which the host keeps with the socket. */
  attach(socket: Sock, addr: string): SocketState {
    const state: SocketState = { addr, peers: {} };
    this.track(socket, state);
    return state;
  }

  /** A parsed, rate-checked message from a socket; replies go out through the host. */
  async handle(socket: Sock, message: ClientMessage): Promise<void> {
    if (message.kind === "scrape") {
      this.send(socket, await scrapeFrame(this.host.db, message.infoHashes, this.localCounts()));
      return;
    }
    const fail = (reason: string) => {
      this.activity.refused(reason);
      this.send(socket, failureFrame(reason, { action: "announce", infoHash: message.infoHash }));
    };
    if (message.infoHash !== this.infoHash) return fail("this connection is bound to one info hash; announce other torrents on /announce");
    if (message.kind === "answer") {
      const failure = this.answer(socket, message);
      if (failure) fail(failure);
      return;
    }
    const refusal = await this.refusal(message.infoHash);
    if (refusal) return fail(refusal);
    const outcome = this.announce(socket, message);
    if (!outcome.ok) return fail(outcome.reason);
    this.send(socket, outcome.frame);
  }

  /** The socket closed or failed: its peers leave (a synthetic `stopped` for each). */
  socketGone(socket: Sock): void {
    const state = this.states.get(socket);
    if (!state) return;
    this.states.delete(socket);
    const left = (this.socketsPerAddress.get(state.addr) ?? 1) - 1;
    if (left > 0) this.socketsPerAddress.set(state.addr, left);
    else this.socketsPerAddress.delete(state.addr);
    const removed = this.swarm.removeHeldBy(socket, Object.keys(state.peers));
    if (removed.length > 0) this.countsChanged(this.host.now());
  }

  counts(): SwarmCounts {
    return this.swarm.counts();
  }

  /**
   * Nothing left to do: no peer, no socket, no wake-up and no push under way (the directory has the last counts).
   * A host that keeps swarms in memory may forget this one; a later announce starts it afresh.
   */
  get idle(): boolean {
    return this.swarm.size === 0 && this.states.size === 0 && this.alarmAt === null && this.pushing === null;
  }

  // ---- HTTP announces (desktop clients; the worker parsed the query and bencodes the reply) ----

  async httpAnnounce(request: HttpAnnounce & { addr: string }): Promise<HttpAnnounceResult> {
    this.bindInfoHash(request.infoHash);
    const refuse = (reason: string): HttpAnnounceResult => {
      this.activity.refused(reason);
      return { ok: false, reason };
    };
    const refusal = await this.refusal(request.infoHash);
    if (refusal) return refuse(refusal);
    const now = this.host.now();
    this.activity.announced();
    const outcome = this.swarm.announce(now, {
      peerId: request.peerId,
      socket: `${request.addr}|${request.port}`,
      transport: "http",
      port: request.port,
      addr: request.addr,
      event: request.event,
      left: request.left,
      numwant: request.numwant,
      offerIds: [],
    });
    if (!outcome.ok) return refuse(outcome.reason);
    if (outcome.displaced !== null) this.forget(outcome.displaced, request.peerId);
    if (outcome.peer) this.rememberHttp(outcome.peer);
    else this.forgetHttp(request.peerId);
    this.afterAnnounce(now, request.event, outcome.membershipChanged);
    return {
      ok: true,
      interval: this.interval,
      complete: outcome.counts.complete,
      incomplete: outcome.counts.incomplete,
      peers: outcome.peers.map((p) => ({ ip: p.addr, port: p.port!, peerId: p.peerId })),
    };
  }

  // ---- Expiry and directory pushes ----

  async alarm(): Promise<void> {
    const now = this.host.now();
    this.alarmAt = null;
    for (const record of this.swarm.expire(now)) this.forget(record.socket, record.peerId);
    await this.pushStatsIfDue(now, this.activityReportDue(now));
    const next = [this.swarm.nextExpiry(), this.stats.due(this.host.now(), this.swarm.counts()), this.nextActivityReport()].filter(
      (t): t is number => t !== null,
    );
    if (next.length > 0) this.armAlarm(Math.max(now + 1000, Math.min(...next)));
  }

  /**
   * Activity (announces, relays, refusals) reaches the directory with count changes; a busy swarm whose counts
   * hold still reports it on this slower beat, so the stats page's rates do not go stale. Each report is one
   * D1 write per active swarm per beat: the beat is a setting (README "Stats and metrics").
   */
  private activityReportDue(now: number): boolean {
    const beat = this.settings.activityReportSeconds * 1000;
    return beat > 0 && this.activity.hasActivity() && now - this.lastReportAt >= beat;
  }

  private nextActivityReport(): number | null {
    const beat = this.settings.activityReportSeconds * 1000;
    return beat > 0 && this.swarm.size > 0 ? this.lastReportAt + beat : null;
  }

  /** The host re-armed its alarm after a failure. */
  alarmRearmed(at: number): void {
    this.alarmAt = at;
  }

  // ---- The announce/answer flow ----

  private announce(socket: Sock, message: AnnounceMessage): { ok: true; frame: string } | { ok: false; reason: string } {
    const now = this.host.now();
    const state = this.states.get(socket)!;
    this.activity.announced();
    const outcome = this.swarm.announce(now, {
      peerId: message.peerId,
      socket,
      addr: state.addr,
      event: message.event,
      left: message.left,
      numwant: message.numwant,
      offerIds: message.offers.map((o) => o.offerId),
    });
    if (!outcome.ok) return outcome;
    if (outcome.displaced !== null) this.forget(outcome.displaced, message.peerId);
    if (outcome.peer) this.remember(outcome.peer, now);
    else this.forget(socket, message.peerId);
    for (const delivery of outcome.offers) {
      const offer = message.offers[delivery.offerIndex]!;
      if (this.deliver(delivery.socket, delivery.toPeerId, offerFrame(message.infoHash, message.peerId, offer.offerId, offer.sdp))) {
        this.activity.offerRelayed();
      }
    }
    this.afterAnnounce(now, message.event, outcome.membershipChanged);
    return { ok: true, frame: announceReplyFrame(message.infoHash, this.interval, outcome.counts.complete, outcome.counts.incomplete) };
  }

  /** Null once the answer is on its way, else the failure reason. */
  private answer(socket: Sock, message: AnswerMessage): string | null {
    const outcome = this.swarm.answer(this.host.now(), { peerId: message.peerId, socket, toPeerId: message.toPeerId, offerId: message.offerId });
    if (!outcome.ok) return outcome.reason;
    if (this.deliver(outcome.socket, message.toPeerId, answerFrame(message.infoHash, message.peerId, message.offerId, message.sdp))) {
      this.activity.answerRelayed();
    }
    return null;
  }

  private afterAnnounce(now: number, event: AnnounceMessage["event"], membershipChanged: boolean): void {
    if (event === "completed") this.host.storage.saveDownloaded(this.swarm.downloaded);
    if (membershipChanged) {
      this.countsChanged(now);
      this.armAlarm(now + this.swarm.config.peerTtlMs, { onlyIfUnset: true });
    }
  }

  /** Why this swarm refuses announces under the access policy, or null when it serves them. */
  private async refusal(infoHash: string): Promise<string | null> {
    const verdict = accessVerdict(this.settings.access, infoHash);
    if (verdict.kind === "serve") return null;
    if (verdict.kind === "refuse") return verdict.reason;
    return (await this.membership.isListed(infoHash, this.host.now())) ? null : NOT_LISTED;
  }

  private deliver(handle: Handle<Sock>, peerId: string, frame: string): boolean {
    if (typeof handle === "string") return false; // offers and answers only ever go to WebRTC peers
    if (this.send(handle, frame)) return true;
    // The socket went away without its close reaching us yet: its peer leaves now.
    if (this.swarm.removeHeldBy(handle, [peerId]).length > 0) {
      this.forget(handle, peerId);
      this.countsChanged(this.host.now());
    }
    return false;
  }

  private send(socket: Sock, frame: string): boolean {
    return this.host.send(socket, frame);
  }

  // ---- Socket state (WebRTC peers) and stored HTTP peers ----

  private track(socket: Sock, state: SocketState): void {
    this.states.set(socket, state);
    this.socketsPerAddress.set(state.addr, (this.socketsPerAddress.get(state.addr) ?? 0) + 1);
  }

  private remember(record: PeerRecord<Handle<Sock>>, now: number): void {
    if (typeof record.socket === "string") return;
    const state = this.states.get(record.socket);
    if (!state) return;
    const stored = state.peers[record.peerId];
    if (stored && stored.left === record.left && now - stored.seen < SEEN_PERSIST_DRIFT_MS) return;
    state.peers[record.peerId] = { left: record.left, seen: now };
    this.host.saveSocketState(record.socket, state);
  }

  private forget(handle: Handle<Sock>, peerId: string): void {
    if (typeof handle === "string") return this.forgetHttp(peerId);
    const state = this.states.get(handle);
    if (!state || !(peerId in state.peers)) return;
    delete state.peers[peerId];
    this.host.saveSocketState(handle, state);
  }

  /**
   * HTTP peers have no socket to rebuild them from, so they are stored — on joins, leaves and seeding, not on
   * every re-announce: after an eviction a stored peer gets a fresh TTL (expiry runs late rather than storage
   * writes running on every announce).
   */
  private rememberHttp(record: PeerRecord<Handle<Sock>>): void {
    const fingerprint = `${record.addr}|${record.port}|${record.left}`;
    if (this.storedHttp.get(record.peerId) === fingerprint) return;
    this.host.storage.saveHttpPeer({ peerId: record.peerId, ip: record.addr, port: record.port!, left: record.left });
    this.storedHttp.set(record.peerId, fingerprint);
  }

  private forgetHttp(peerId: string): void {
    if (!this.storedHttp.has(peerId)) return;
    // The id may belong to a WebRTC take-over now: only a stored HTTP peer goes.
    if (this.swarm.get(peerId)?.transport === "http") return;
    this.host.storage.deleteHttpPeer(peerId);
    this.storedHttp.delete(peerId);
  }

  // ---- Counts in the directory ----

  private countsChanged(now: number): void {
    const due = this.stats.due(now, this.swarm.counts());
    if (due === null) return;
    if (due <= now) void this.pushStatsIfDue(now);
    else this.armAlarm(due);
  }

  /**
   * Pushes the counts (and the swarm's activity) to the directory if due. Counted as pushed only once D1 took
   * them; after a failure the alarm retries with a back-off, so a swarm that emptied never stays listed live.
   */
  private async pushStatsIfDue(now: number, activityDue = false): Promise<void> {
    if (this.pushing) return this.pushing;
    const counts = this.swarm.counts();
    const due = activityDue ? now : this.stats.due(now, counts);
    const infoHash = this.infoHash;
    if (due === null || !infoHash) return;
    if (due > now) return this.armAlarm(due);
    this.pushing = (async () => {
      try {
        await upsertSwarmStats(this.host.db, infoHash, { ...counts, ...this.activity.report(now, this.swarm) }, now);
        this.stats.pushed(now, counts);
        this.activity.reset(now);
        this.lastReportAt = now;
      } catch (error) {
        console.warn("swarm: stats push failed; retrying", { infoHash, error: String(error) });
        this.stats.failed(this.host.now());
      } finally {
        this.pushing = null;
      }
      const next = this.stats.due(this.host.now(), this.swarm.counts());
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
    this.storedHttp.clear();
    this.host.cancelAlarm();
    this.host.storage.clear(this.swarm.downloaded > 0);
  }

  private armAlarm(at: number, options: { onlyIfUnset?: boolean } = {}): void {
    if (this.alarmAt !== null && (options.onlyIfUnset || this.alarmAt <= at)) return;
    this.alarmAt = at;
    this.host.setAlarm(at);
  }

  private localCounts() {
    return this.infoHash ? { infoHash: this.infoHash, counts: this.swarm.counts() } : undefined;
  }
}
