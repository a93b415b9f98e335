// Swarm rules for one info hash: membership, seeder/leecher counts, who receives which offer, which answers
// may be delivered, and expiry. Layer: pure logic — no platform imports; time and randomness are arguments.
// `S` is the adapter's handle for where a peer is reachable (a WebSocket, or a gateway object's id).
import { TRACKER_LIMITS, type AnnounceEvent, type SwarmCounts } from "../../protocol/tracker";

/** How a peer is reached: WebRTC offers relayed over its socket, or its address handed to other HTTP peers. */
export type Transport = "webrtc" | "http";

export type PeerRecord<S> = {
  peerId: string;
  /** Where the peer is reachable: its connection (WebRTC), or its endpoint key (HTTP). */
  socket: S;
  transport: Transport;
  /** HTTP peers: the port the client listens on (its address is `addr`). */
  port?: number;
  /** Remote address of the connection that holds this peer (used to allow a reconnect take-over). */
  addr: string;
  /** Bytes still missing; null when unknown. 0 means seeder. */
  left: number | null;
  lastSeen: number;
};

export type SwarmConfig = {
  /** Re-announce interval given to clients. */
  intervalMs: number;
  /** A peer not heard from for this long is expired. */
  peerTtlMs: number;
  /** A peer silent this long may be taken over by a new connection presenting its peer_id. */
  takeoverIdleMs: number;
  /** How long a relayed offer may be answered. */
  offerTtlMs: number;
  /** Bound on remembered relayed offers (oldest forgotten first). */
  maxPendingOffers: number;
  /** Server cap on offers fanned out per announce. */
  maxFanOut: number;
  /** Peers one swarm holds at most; a new peer beyond it is refused (memory, and offers for real peers). */
  maxPeers: number;
  /** Peer ids one connection may hold in a swarm: its peer, and a restarted client's new id until the old expires. */
  maxPeersPerSocket: number;
};

export type SwarmCaps = Pick<SwarmConfig, "maxPeers" | "maxPeersPerSocket">;

export const DEFAULT_SWARM_CAPS: SwarmCaps = { maxPeers: 10_000, maxPeersPerSocket: 2 };

export function swarmConfig(intervalSeconds: number, caps: Partial<SwarmCaps> = {}): SwarmConfig {
  const intervalMs = intervalSeconds * 1000;
  return {
    ...DEFAULT_SWARM_CAPS,
    ...caps,
    intervalMs,
    // Two missed re-announces (plus slack for slow clients) before a peer is dropped.
    peerTtlMs: 2 * intervalMs + Math.min(15_000, intervalMs),
    takeoverIdleMs: intervalMs + Math.min(10_000, intervalMs),
    // simple-peer gives up on an unanswered offer after ~50 s; answers after that are useless anyway.
    offerTtlMs: 60_000,
    maxPendingOffers: 8192,
    maxFanOut: TRACKER_LIMITS.maxFanOut,
  };
}

export type AnnounceInput<S> = {
  peerId: string;
  socket: S;
  /** Default "webrtc". */
  transport?: Transport;
  port?: number;
  addr: string;
  event: AnnounceEvent;
  left: number | null;
  numwant: number | undefined;
  offerIds: string[];
};

export type OfferDelivery<S> = { socket: S; toPeerId: string; offerIndex: number };

export type AnnounceOutcome<S> =
  | { ok: false; reason: string }
  | {
      ok: true;
      counts: SwarmCounts;
      /** The peer's record after the announce, or null when it left (stopped). */
      peer: PeerRecord<S> | null;
      /** True when this announce added the peer or changed whether it seeds. */
      membershipChanged: boolean;
      /** A connection that held this peer_id before and lost it to this one (reconnect take-over). */
      displaced: S | null;
      offers: OfferDelivery<S>[];
      /** HTTP announces: other HTTP peers (address and port) for this one to connect to. */
      peers: PeerRecord<S>[];
    };

export type AnswerOutcome<S> = { ok: false; reason: string } | { ok: true; socket: S };

type PendingOffer = { from: string; expires: number };

export type SocketLiveness<S> = (socket: S) => boolean;

export class Swarm<S> {
  private readonly peers = new Map<string, PeerRecord<S>>();
  /** Peer ids in an array too, so random offer targets are O(1) picks rather than a scan. */
  private readonly order: string[] = [];
  private readonly position = new Map<string, number>();
  private readonly pendingOffers = new Map<string, PendingOffer>();
  /** Unanswered offers per (sender, receiver) pair, to avoid offering both ways at once. */
  private readonly pendingPairs = new Map<string, number>();
  /** Peers held per connection, for the per-connection cap. */
  private readonly perSocket = new Map<S, number>();
  private seeders = 0;
  downloaded = 0;

  constructor(
    readonly config: SwarmConfig,
    private readonly random: () => number = Math.random,
    /** Whether a connection is still open; connections the adapter cannot see into count as open. */
    private readonly isAlive: SocketLiveness<S> = () => true,
  ) {}

  get size(): number {
    return this.peers.size;
  }

  counts(): SwarmCounts {
    return { complete: this.seeders, incomplete: this.peers.size - this.seeders, downloaded: this.downloaded };
  }

  get(peerId: string): PeerRecord<S> | undefined {
    return this.peers.get(peerId);
  }

  all(): IterableIterator<PeerRecord<S>> {
    return this.peers.values();
  }

  /** Peers by transport, each split into seeders and leechers. */
  countsByTransport(): Record<Transport, { complete: number; incomplete: number }> {
    const out = { webrtc: { complete: 0, incomplete: 0 }, http: { complete: 0, incomplete: 0 } };
    for (const p of this.peers.values()) out[p.transport][p.left === 0 ? "complete" : "incomplete"]++;
    return out;
  }

  /** Restores a peer remembered across an eviction, without the announce rules. */
  restore(record: PeerRecord<S>): void {
    this.remove(record.peerId);
    this.insert(record);
  }

  announce(now: number, input: AnnounceInput<S>): AnnounceOutcome<S> {
    const existing = this.peers.get(input.peerId);
    let displaced: S | null = null;
    if (existing && existing.socket !== input.socket) {
      if (!this.mayTakeOver(now, existing, input.addr)) {
        return { ok: false, reason: "peer_id is in use by another connection" };
      }
      displaced = existing.socket;
    }

    if (input.event === "stopped") {
      if (existing) this.remove(input.peerId);
      return { ok: true, counts: this.counts(), peer: null, membershipChanged: !!existing, displaced, offers: [], peers: [] };
    }

    if (!existing) {
      // Caps are checked before anything is stored: a refused peer leaves no trace.
      if (this.peers.size >= this.config.maxPeers) return { ok: false, reason: `swarm is full (limit ${this.config.maxPeers} peers)` };
      if ((this.perSocket.get(input.socket) ?? 0) >= this.config.maxPeersPerSocket) {
        return { ok: false, reason: `too many peer ids on one connection (limit ${this.config.maxPeersPerSocket} per torrent)` };
      }
    } else if (displaced !== null && (this.perSocket.get(input.socket) ?? 0) >= this.config.maxPeersPerSocket) {
      return { ok: false, reason: `too many peer ids on one connection (limit ${this.config.maxPeersPerSocket} per torrent)` };
    }

    const left = input.event === "completed" ? 0 : input.left;
    const wasSeeder = existing?.left === 0;
    // BEP 3: "completed" is sent once when a download finishes; a peer that started as a seeder never counts.
    if (input.event === "completed" && existing && !wasSeeder) this.downloaded++;

    const transport = input.transport ?? "webrtc";
    const record: PeerRecord<S> = { peerId: input.peerId, socket: input.socket, transport, port: input.port, addr: input.addr, left, lastSeen: now };
    if (existing) {
      if (wasSeeder) this.seeders--;
      if (left === 0) this.seeders++;
      if (existing.socket !== record.socket) {
        this.countSocket(existing.socket, -1);
        this.countSocket(record.socket, +1);
      }
      existing.socket = record.socket;
      existing.transport = record.transport;
      existing.port = record.port;
      existing.addr = record.addr;
      existing.left = record.left;
      existing.lastSeen = now;
    } else {
      this.insert(record);
    }
    const peer = existing ?? record;

    if (transport === "http") {
      const wanted = input.numwant ?? 0;
      return {
        ok: true,
        counts: this.counts(),
        peer,
        membershipChanged: !existing || wasSeeder !== (left === 0),
        displaced,
        offers: [],
        peers: wanted > 0 ? this.pickPeers(peer, wanted, "http") : [],
      };
    }

    const fanOut = Math.min(input.offerIds.length, input.numwant ?? input.offerIds.length, this.config.maxFanOut);
    const targets = fanOut > 0 ? this.pickPeers(peer, fanOut, "webrtc") : [];
    const offers: OfferDelivery<S>[] = [];
    targets.forEach((target, offerIndex) => {
      const offerId = input.offerIds[offerIndex]!;
      this.rememberOffer(now, offerId, input.peerId, target.peerId);
      offers.push({ socket: target.socket, toPeerId: target.peerId, offerIndex });
    });

    return {
      ok: true,
      counts: this.counts(),
      peer,
      membershipChanged: !existing || wasSeeder !== (left === 0),
      displaced,
      offers,
      peers: [],
    };
  }

  /** An answer is relayed only back to the peer that really sent this offer to the answerer. */
  answer(now: number, input: { peerId: string; socket: S; toPeerId: string; offerId: string }): AnswerOutcome<S> {
    const answerer = this.peers.get(input.peerId);
    if (!answerer || answerer.socket !== input.socket) {
      return { ok: false, reason: "answer from a peer that has not announced on this connection" };
    }
    answerer.lastSeen = now;
    const key = pendingKey(input.offerId, input.peerId);
    const pending = this.pendingOffers.get(key);
    if (!pending || pending.from !== input.toPeerId || pending.expires <= now) {
      return { ok: false, reason: "no matching offer: answers go only to the peer that sent that offer" };
    }
    this.forgetOffer(key, pending);
    const target = this.peers.get(input.toPeerId);
    if (!target) return { ok: false, reason: "the offering peer has left the swarm" };
    return { ok: true, socket: target.socket };
  }

  /** Removes the given peers if (and only if) this connection still holds them. Returns those removed. */
  removeHeldBy(socket: S, peerIds: Iterable<string>): string[] {
    const removed: string[] = [];
    for (const peerId of peerIds) {
      const record = this.peers.get(peerId);
      if (record && record.socket === socket) {
        this.remove(peerId);
        removed.push(peerId);
      }
    }
    return removed;
  }

  /** Drops peers silent for longer than the TTL and forgets stale offers. Returns the dropped records. */
  expire(now: number): PeerRecord<S>[] {
    const dropped: PeerRecord<S>[] = [];
    for (const record of this.peers.values()) {
      if (now - record.lastSeen >= this.config.peerTtlMs) dropped.push(record);
    }
    for (const record of dropped) this.remove(record.peerId);
    // Offers share one TTL, so insertion order is expiry order.
    for (const [key, pending] of this.pendingOffers) {
      if (pending.expires > now) break;
      this.forgetOffer(key, pending);
    }
    return dropped;
  }

  /** When the next peer would expire, or null for an empty swarm. */
  nextExpiry(): number | null {
    let oldest = Infinity;
    for (const record of this.peers.values()) oldest = Math.min(oldest, record.lastSeen);
    return oldest === Infinity ? null : oldest + this.config.peerTtlMs;
  }

  private mayTakeOver(now: number, holder: PeerRecord<S>, addr: string): boolean {
    // A reconnecting client: its old connection is closed, it comes from the same address, or it has
    // missed its re-announce. Anyone else presenting a live peer's id is refused.
    return !this.isAlive(holder.socket) || holder.addr === addr || now - holder.lastSeen >= this.config.takeoverIdleMs;
  }

  /**
   * Random peers of `transport` for `sender`: WebRTC offer targets, or HTTP peers to list. A seeder gains
   * nothing from another seeder, so seeders get leechers only. For offers, a peer with an unanswered offer of
   * its own to the sender is skipped: offering back would open two connections between the same pair
   * ("glare"), and clients may each keep a different one.
   */
  private pickPeers(sender: PeerRecord<S>, count: number, transport: Transport): PeerRecord<S>[] {
    const wanted = (p: PeerRecord<S>) =>
      p.transport === transport &&
      p.peerId !== sender.peerId &&
      !(sender.left === 0 && p.left === 0) &&
      (transport === "http" || !this.pendingPairs.has(pairKey(p.peerId, sender.peerId)));
    const n = this.order.length;
    const picked: PeerRecord<S>[] = [];
    if (n <= count * 3) {
      // Small swarm: shuffle the eligible peers and take the first few.
      const eligible = this.order.map((id) => this.peers.get(id)!).filter(wanted);
      for (let i = eligible.length - 1; i > 0; i--) {
        const j = Math.floor(this.random() * (i + 1));
        [eligible[i], eligible[j]] = [eligible[j]!, eligible[i]!];
      }
      return eligible.slice(0, count);
    }
    const seen = new Set<number>();
    for (let attempts = 0; picked.length < count && attempts < count * 8; attempts++) {
      const index = Math.floor(this.random() * n);
      if (seen.has(index)) continue;
      seen.add(index);
      const candidate = this.peers.get(this.order[index]!)!;
      if (wanted(candidate)) picked.push(candidate);
    }
    return picked;
  }

  private rememberOffer(now: number, offerId: string, from: string, to: string): void {
    const key = pendingKey(offerId, to);
    const previous = this.pendingOffers.get(key);
    if (previous) this.forgetOffer(key, previous);
    this.pendingOffers.set(key, { from, expires: now + this.config.offerTtlMs });
    const pair = pairKey(from, to);
    this.pendingPairs.set(pair, (this.pendingPairs.get(pair) ?? 0) + 1);
    if (this.pendingOffers.size > this.config.maxPendingOffers) {
      const [oldestKey, oldest] = this.pendingOffers.entries().next().value!;
      this.forgetOffer(oldestKey, oldest);
    }
  }

  private forgetOffer(key: string, pending: PendingOffer): void {
    this.pendingOffers.delete(key);
    const pair = pairKey(pending.from, key.slice(key.indexOf(":") + 1));
    const count = (this.pendingPairs.get(pair) ?? 1) - 1;
    if (count > 0) this.pendingPairs.set(pair, count);
    else this.pendingPairs.delete(pair);
  }

  /** Peers this connection holds in the swarm. */
  heldBy(socket: S): number {
    return this.perSocket.get(socket) ?? 0;
  }

  private countSocket(socket: S, delta: number): void {
    const count = (this.perSocket.get(socket) ?? 0) + delta;
    if (count > 0) this.perSocket.set(socket, count);
    else this.perSocket.delete(socket);
  }

  private insert(record: PeerRecord<S>): void {
    this.countSocket(record.socket, +1);
    this.peers.set(record.peerId, record);
    this.position.set(record.peerId, this.order.length);
    this.order.push(record.peerId);
    if (record.left === 0) this.seeders++;
  }

  private remove(peerId: string): void {
    const record = this.peers.get(peerId);
    if (!record) return;
    if (record.left === 0) this.seeders--;
    this.countSocket(record.socket, -1);
    this.peers.delete(peerId);
    // Swap-remove keeps `order` dense.
    const index = this.position.get(peerId)!;
    const last = this.order.pop()!;
    if (last !== peerId) {
      this.order[index] = last;
      this.position.set(last, index);
    }
    this.position.delete(peerId);
  }
}

function pendingKey(offerId: string, toPeerId: string): string {
  return `${offerId}:${toPeerId}`;
}

function pairKey(from: string, to: string): string {
  return `${from}>${to}`;
}
