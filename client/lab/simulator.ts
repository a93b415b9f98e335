// Piece-level swarm simulator: the lab's swarm (cs, p2p, hybrid) as a fluid model stepped in time, with
// WebTorrent 3's piece selection and choking rules. Layer: client/lab, pure TypeScript (no platform imports).
//
// Model. Node 0 is the origin: the seed peer (p2p), the web seed (hybrid) or the HTTP server (cs); nodes 1…N
// are the leechers. A directed link u→d carries at most one piece at a time (webtorrent pipelines requests,
// so a finished piece's leftover bits flow straight into the next). Each step, every uploader splits its
// upload evenly over its active links, each downloader scales its incoming offers down to its download rate,
// and upload left unused by saturated downloaders is handed once more to the others (a two-pass
// approximation of max-min fairness, which is what token-bucket throttles over many streams give).
// Rules taken from webtorrent 3.0.21 lib/torrent.js:
// - a peer is unchoked the first time it becomes interested (`wire.once('interested', unchoke)`);
// - `_rechoke` every 10 s: rank wires by the rate they send us, then the rate we send them, then already
//   unchoked, then random; unchoke the best until `uploads − 1` interested non-seeders are unchoked; one
//   optimistic unchoke (random interested among the rest) kept while its counter (2) counts down, i.e. three
//   rechoke periods; choke the rest (choking drops the piece in flight);
// - `rarest`: lowest count among connected peers, random ties; `sequential`: lowest index;
// - no endgame (optional here, to measure what it would pay);
// - discovery through the WebSocket tracker: each announce sends 5 offers to random swarm members, a
//   connection is up `connectSeconds` later, at most `maxConns` per peer.
// Cost per step is O(active links); per piece completion O(degree).
// The parts live in ./sim: the event engine (event-queue), the model (swarm-model), the policies
// (piece-picker, choker, rates) and sampling (coverage); this module runs them in time.

import { boundFor, type Mode } from "./bounds";
import { coverageSample, distinctPieces, type CoverageSample } from "./sim/coverage";
import { EventQueue } from "./sim/event-queue";
import { planRechoke } from "./sim/choker";
import { pickEndgamePiece, pickPiece, type Strategy } from "./sim/piece-picker";
import { seededRandom } from "./sim/random";
import { RateAllocator } from "./sim/rates";
import { Link, PeerNode } from "./sim/swarm-model";

export type { CoverageSample } from "./sim/coverage";
export type { Strategy } from "./sim/piece-picker";
export { seededRandom } from "./sim/random";

export type SimConfig = {
  mode: Mode;
  strategy: Strategy;
  /** Leechers N. */
  peers: number;
  /** File size F (bits). */
  fileBits: number;
  /** Piece size (bits); webtorrent's torrents of a few MiB use 16 KiB pieces. */
  pieceBits: number;
  /** Origin upload u_s (bit/s). */
  serverUp: number;
  /** Leecher upload u (bit/s). */
  peerUp: number;
  /** Leecher download d (bit/s); Infinity = unlimited. */
  peerDown: number;
  /** PRNG seed. */
  seed?: number;
  /** webtorrent `uploads` (10). */
  uploadSlots?: number;
  rechokeSeconds?: number;
  /** webtorrent RECHOKE_OPTIMISTIC_DURATION (2). */
  optimisticRounds?: number;
  maxConns?: number;
  offersPerAnnounce?: number;
  /** Tracker announce interval (s). */
  announceSeconds?: number;
  /** Time from an offer to an open data channel (s). */
  connectSeconds?: number;
  /** Time to the first HTTP byte from the origin in cs/hybrid (s). */
  requestSeconds?: number;
  /** Leechers start spread uniformly over [0, startJitterSeconds]. */
  startJitterSeconds?: number;
  /** Request a missing piece from a second peer once every missing piece is in flight. */
  endgame?: boolean;
  /** Coverage sample period (s). */
  sampleSeconds?: number;
  /** Fastest transfer gets at least this many steps per piece. */
  stepsPerPiece?: number;
  /** Give up after this much simulated time (default 50× the bound). */
  maxSeconds?: number;
};

export type SimResult = {
  config: Required<SimConfig>;
  pieces: number;
  /** Time the last leecher completed (s); Infinity if the run hit maxSeconds. */
  distributionSeconds: number;
  bound: number;
  /** Per leecher: completion time (s). */
  completionSeconds: number[];
  /** Per leecher: bits received from the origin and from other peers (includes endgame duplicates). */
  fromServerBits: number[];
  fromPeersBits: number[];
  serverUpBits: number;
  peersUpBits: number;
  coverage: CoverageSample[];
  /** Pieces held by some leecher when the origin had uploaded one full copy (null: never got there). */
  survivingAfterOneCopy: number | null;
  /** Per leecher: time between 95% and 100% of pieces (the endgame tail). */
  tailSeconds: number[];
  steps: number;
};

/** The fastest link may finish this many pieces within one step (each arrival still timed exactly). */
const MAX_PIECES_PER_STEP = 2;

const DEFAULTS = {
  seed: 1,
  uploadSlots: 10,
  rechokeSeconds: 10,
  optimisticRounds: 2,
  maxConns: 55,
  offersPerAnnounce: 5,
  announceSeconds: 5,
  connectSeconds: 0.5,
  requestSeconds: 0.05,
  startJitterSeconds: 0,
  endgame: false,
  sampleSeconds: 0.25,
  stepsPerPiece: 4,
  maxSeconds: 0,
} as const;

const enum EventKind {
  Join,
  Announce,
  Rechoke,
  ConnectionUp,
}
type SimEvent = { t: number; kind: EventKind; a: number; b: number };

export function simulate(input: SimConfig): SimResult {
  return new SwarmSimulation(input).run();
}

class SwarmSimulation {
  private readonly cfg: Required<SimConfig>;
  private readonly random: () => number;
  /** Pieces P. */
  private readonly P: number;
  private readonly lastPieceBits: number;
  private readonly bound: number;
  private readonly maxSeconds: number;
  private readonly nodes: PeerNode[] = [];
  /** p2p: the seed is a peer like the others (tracker, choking); cs and hybrid: an HTTP origin. */
  private readonly originIsPeer: boolean;
  private readonly leecherMesh: boolean;
  /** cs: one HTTP response carries the file front to back. */
  private readonly strategy: Strategy;
  private readonly leecherCopies: Int32Array;
  private serverUpBits = 0;
  private peersUpBits = 0;
  private survivingAfterOneCopy: number | null = null;
  private remaining: number;
  private readonly coverage: CoverageSample[] = [];
  private readonly active: Link[] = [];
  private readonly pendingLinks: Link[] = [];
  private readonly events = new EventQueue<SimEvent>();
  private readonly swarmMembers: number[] = [];

  constructor(input: SimConfig) {
    const cfg: Required<SimConfig> = { ...DEFAULTS, ...input };
    if (!Number.isInteger(cfg.peers) || cfg.peers < 1) throw new RangeError("peers must be an integer ≥ 1");
    if (!(cfg.pieceBits > 0) || !(cfg.fileBits > 0)) throw new RangeError("fileBits and pieceBits must be > 0");
    this.cfg = cfg;
    this.random = seededRandom(cfg.seed);
    this.P = Math.ceil(cfg.fileBits / cfg.pieceBits);
    this.lastPieceBits = cfg.fileBits - (this.P - 1) * cfg.pieceBits;
    const N = cfg.peers;
    this.bound = boundFor(cfg.mode, { fileBits: cfg.fileBits, serverUp: cfg.serverUp, peerUp: cfg.peerUp, peerDown: cfg.peerDown, peers: N });
    this.maxSeconds = cfg.maxSeconds > 0 ? cfg.maxSeconds : Math.max(60, 50 * this.bound);
    this.nodes.push(new PeerNode(this.P, cfg.serverUp, Infinity));
    for (let i = 0; i < N; i++) this.nodes.push(new PeerNode(this.P, cfg.peerUp, cfg.peerDown));
    const origin = this.nodes[0]!;
    origin.have.fill(1);
    origin.haveCount = this.P;
    origin.firstMissing = this.P;
    origin.doneAt = 0;
    origin.joined = true;
    this.originIsPeer = cfg.mode === "p2p";
    this.leecherMesh = cfg.mode !== "cs";
    this.strategy = cfg.mode === "cs" ? "sequential" : cfg.strategy;
    this.leecherCopies = new Int32Array(this.P);
    this.remaining = N;
  }

  run(): SimResult {
    const { cfg, P } = this;
    if (this.originIsPeer) this.join(0, 0);
    for (let i = 1; i <= cfg.peers; i++) {
      const t = cfg.startJitterSeconds > 0 ? this.random() * cfg.startJitterSeconds : 0;
      this.events.push({ t, kind: EventKind.Join, a: i, b: 0 });
    }
    const rates = new RateAllocator(this.nodes);
    let t = 0;
    let steps = 0;
    let nextSample = 0;
    while (this.remaining > 0 && t < this.maxSeconds) {
      while (this.events.size > 0 && this.events.peek()!.t <= t) this.handle(this.events.pop()!);
      if (t >= nextSample) {
        this.coverage.push(coverageSample(t, this.leecherCopies, this.serverUpBits));
        nextSample += cfg.sampleSeconds;
      }
      while (this.pendingLinks.length > 0) {
        const l = this.pendingLinks.pop()!;
        l.pending = false;
        this.trySelect(l);
      }
      const { maxRate, sumRate } = rates.allocate(this.active);

      // step length: a few steps per piece for the average link (a faster one finishes up to two pieces in a
      // step; each arrival is timed exactly within it), never past the next event or sample
      let dt = maxRate > 0 ? Math.min(cfg.pieceBits / (sumRate / this.active.length) / cfg.stepsPerPiece, (MAX_PIECES_PER_STEP * cfg.pieceBits) / maxRate) : Infinity;
      const nextEvent = this.events.size > 0 ? this.events.peek()!.t : Infinity;
      // Events (announces, rechokes, connections) are not step boundaries while data moves: with thousands of
      // peers they come every few ms; they run at the start of the next step instead (late by under a step).
      if (this.active.length === 0) dt = Math.max(nextEvent - t, 0);
      dt = Math.min(dt, Math.max(nextSample - t, 1e-9), this.maxSeconds - t);
      if (!(dt > 0)) dt = 1e-9;
      if (dt === Infinity) break; // nothing moves and nothing is scheduled
      this.advance(t, dt);
      t += dt;
      steps++;
    }
    this.coverage.push(coverageSample(t, this.leecherCopies, this.serverUpBits));

    const leechers = this.nodes.slice(1);
    const completionSeconds = leechers.map((n) => n.doneAt);
    return {
      config: cfg,
      pieces: P,
      distributionSeconds: this.remaining === 0 ? Math.max(...completionSeconds) : Infinity,
      bound: this.bound,
      completionSeconds,
      fromServerBits: leechers.map((n) => n.fromServer),
      fromPeersBits: leechers.map((n) => n.fromPeers),
      serverUpBits: this.serverUpBits,
      peersUpBits: this.peersUpBits,
      coverage: this.coverage,
      survivingAfterOneCopy: this.survivingAfterOneCopy,
      tailSeconds: leechers.map((n) => (n.doneAt < Infinity && n.at95 < Infinity ? n.doneAt - n.at95 : Infinity)),
      steps,
    };
  }

  /** Moves every active link's bits for `dt` (a snapshot: completions start new pieces and drop others). */
  private advance(t: number, dt: number): void {
    for (const l of this.active.slice()) {
      if (l.activeIndex < 0 || l.rate <= 0) continue;
      let bits = l.rate * dt;
      let at = t;
      while (bits > 0 && l.piece >= 0) {
        const need = this.pieceSize(l.piece) - l.progress;
        if (bits < need) {
          this.account(l, bits);
          l.progress += bits;
          bits = 0;
          break;
        }
        this.account(l, need);
        bits -= need;
        at += need / l.rate;
        this.receive(l, at);
        this.deactivate(l);
        if (!this.trySelect(l)) break; // pipelined: the next piece starts at once
      }
    }
  }

  private pieceSize(p: number): number {
    return p === this.P - 1 ? this.lastPieceBits : this.cfg.pieceBits;
  }

  private isDone(n: number): boolean {
    return this.nodes[n]!.haveCount === this.P;
  }

  // ---- active-link bookkeeping

  private activate(l: Link): void {
    if (l.activeIndex >= 0) return;
    l.activeIndex = this.active.length;
    this.active.push(l);
  }

  private deactivate(l: Link): void {
    const i = l.activeIndex;
    if (i < 0) return;
    const last = this.active.pop()!;
    if (last !== l) {
      this.active[i] = last;
      last.activeIndex = i;
    }
    l.activeIndex = -1;
  }

  private queue(l: Link): void {
    if (l.pending) return;
    l.pending = true;
    this.pendingLinks.push(l);
  }

  // ---- requests

  private start(l: Link, p: number, carry: number): void {
    l.piece = p;
    l.progress = carry;
    this.nodes[l.to]!.inFlight[p]!++;
    this.activate(l);
  }

  private trySelect(l: Link, carry = 0): boolean {
    if (!l.unchoked || l.piece >= 0 || l.interest <= 0) return false;
    const u = this.nodes[l.from]!;
    const d = this.nodes[l.to]!;
    let p = pickPiece(this.strategy, u, d, this.P, this.random);
    if (p < 0 && this.cfg.endgame && d.haveCount + d.requestsInFlight() >= this.P) p = pickEndgamePiece(u, l.from, d, this.P);
    if (p < 0) return false;
    this.start(l, p, carry);
    return true;
  }

  private drop(l: Link): void {
    if (l.piece < 0) return;
    const d = this.nodes[l.to]!;
    const p = l.piece;
    d.inFlight[p]!--;
    l.piece = -1;
    l.progress = 0;
    this.deactivate(l);
    // the piece is free again: the first idle link that can carry it takes it (it is their only new candidate)
    if (d.have[p] || d.inFlight[p]) return;
    for (const other of d.inLinks) {
      if (other !== l && other.piece < 0 && other.unchoked && !other.pending && other.interest > 0 && this.nodes[other.from]!.have[p]) {
        this.start(other, p, 0);
        return;
      }
    }
  }

  private choke(l: Link): void {
    if (!l.unchoked) return;
    l.unchoked = false;
    this.drop(l);
  }

  private unchoke(l: Link): void {
    if (l.unchoked) return;
    l.unchoked = true;
    this.queue(l);
  }

  /** `l.from` has a piece `l.to` lacks. With `p`, that piece is the only new candidate for an idle link. */
  private interestUp(l: Link, p = -1): void {
    l.interest++;
    if (!l.everInterested) {
      l.everInterested = true;
      l.unchoked = true; // wire.once('interested', () => wire.unchoke())
      this.queue(l);
      return;
    }
    if (!l.unchoked || l.piece >= 0 || l.pending) return;
    // An idle unchoked link had no free candidate; now `p` is the only possible one (O(1), no scan).
    if (p >= 0) {
      if (!this.nodes[l.to]!.inFlight[p]) this.start(l, p, 0);
      else if (this.cfg.endgame) this.queue(l);
    } else this.queue(l);
  }

  // ---- piece arrival

  private receive(l: Link, t: number): void {
    const P = this.P;
    const node = this.nodes[l.to]!;
    const p = l.piece;
    node.inFlight[p]!--;
    l.piece = -1;
    if (node.have[p]) return; // endgame duplicate
    node.have[p] = 1;
    node.haveCount++;
    while (node.firstMissing < P && node.have[node.firstMissing]) node.firstMissing++;
    this.leecherCopies[p]!++;
    if (node.at95 === Infinity && node.haveCount >= 0.95 * P) node.at95 = t;
    if (node.haveCount === P) {
      node.doneAt = t;
      this.remaining--;
    }
    // endgame: cancel the same piece in flight from other peers
    if (this.cfg.endgame && node.inFlight[p]! > 0) for (const other of node.inLinks) if (other.piece === p) this.drop(other);
    for (const out of node.outLinks) {
      const w = this.nodes[out.to]!;
      if (!w.have[p]) this.interestUp(out, p);
      w.rarity[p]!++;
    }
    for (const inl of node.inLinks) if (this.nodes[inl.from]!.have[p]) inl.interest--;
  }

  private account(l: Link, bits: number): void {
    l.totalBits += bits;
    const d = this.nodes[l.to]!;
    if (l.from === 0) {
      d.fromServer += bits;
      const before = this.serverUpBits;
      this.serverUpBits += bits;
      if (before < this.cfg.fileBits && this.serverUpBits >= this.cfg.fileBits && this.survivingAfterOneCopy === null) {
        this.survivingAfterOneCopy = distinctPieces(this.leecherCopies);
      }
    } else {
      d.fromPeers += bits;
      this.peersUpBits += bits;
    }
    this.nodes[l.from]!.uploaded += bits;
  }

  // ---- connections

  private connect(a: number, b: number): void {
    const P = this.P;
    const na = this.nodes[a]!;
    const nb = this.nodes[b]!;
    na.neighbours.add(b);
    nb.neighbours.add(a);
    const ab = new Link(a, b);
    const ba = new Link(b, a);
    ab.reverse = ba;
    ba.reverse = ab;
    na.outLinks.push(ab);
    nb.inLinks.push(ab);
    nb.outLinks.push(ba);
    na.inLinks.push(ba);
    for (const [from, to, link] of [
      [na, nb, ab],
      [nb, na, ba],
    ] as const) {
      if (from.haveCount > 0) for (let p = 0; p < P; p++) if (from.have[p]) to.rarity[p]!++;
      if (to.haveCount < P && from.haveCount > 0) {
        let interest = 0;
        for (let p = 0; p < P; p++) if (from.have[p] && !to.have[p]) interest++;
        if (interest > 0) {
          link.interest = interest - 1;
          this.interestUp(link);
        }
      }
    }
  }

  /** cs and hybrid: the origin is an HTTP server — no choking, always "unchoked". */
  private connectOrigin(leecher: number): void {
    const o = this.nodes[0]!;
    const d = this.nodes[leecher]!;
    const link = new Link(0, leecher);
    o.outLinks.push(link);
    d.inLinks.push(link);
    link.unchoked = true;
    link.everInterested = true;
    link.interest = this.P - d.haveCount;
    this.queue(link);
  }

  /** A tracker announce: offers to random swarm members; each accepted one is a connection a moment later. */
  private announce(a: number, t: number): void {
    const { cfg, nodes, swarmMembers } = this;
    const na = nodes[a]!;
    const candidates = swarmMembers.length - 1;
    if (candidates > 0) {
      const want = Math.min(cfg.offersPerAnnounce, candidates);
      const chosen = new Set<number>();
      let guard = 0;
      while (chosen.size < want && guard++ < want * 20) {
        const b = swarmMembers[Math.floor(this.random() * swarmMembers.length)]!;
        if (b !== a) chosen.add(b);
      }
      for (const b of chosen) {
        const nb = nodes[b]!;
        if (na.neighbours.has(b)) continue;
        if (na.neighbours.size + na.pendingConns >= cfg.maxConns || nb.neighbours.size + nb.pendingConns >= cfg.maxConns) continue;
        if (this.isDone(a) && this.isDone(b)) continue; // two seeds have nothing to say
        na.pendingConns++;
        nb.pendingConns++;
        na.neighbours.add(b); // reserved: no duplicate offer while connecting
        nb.neighbours.add(a);
        this.events.push({ t: t + cfg.connectSeconds, kind: EventKind.ConnectionUp, a, b });
      }
    }
    this.events.push({ t: t + cfg.announceSeconds, kind: EventKind.Announce, a, b: 0 });
  }

  private rechoke(u: number, t: number): void {
    const plan = planRechoke(this.nodes[u]!, t, this.cfg, this.random, (n) => this.isDone(n));
    for (const l of plan.unchoke) this.unchoke(l);
    for (const l of plan.choke) this.choke(l);
    this.events.push({ t: t + this.cfg.rechokeSeconds, kind: EventKind.Rechoke, a: u, b: 0 });
  }

  // ---- schedule

  private join(a: number, t: number): void {
    const node = this.nodes[a]!;
    node.joined = true;
    node.lastRechoke = t;
    const inMesh = a === 0 ? this.originIsPeer : this.leecherMesh;
    if (inMesh) {
      this.swarmMembers.push(a);
      this.announce(a, t);
      // each torrent's rechoke timer starts when it is ready: a random phase per peer
      this.events.push({ t: t + this.cfg.rechokeSeconds * (0.5 + this.random()), kind: EventKind.Rechoke, a, b: 0 });
    }
    // cs and hybrid: every leecher also asks the HTTP origin
    if (a !== 0 && !this.originIsPeer) this.events.push({ t: t + this.cfg.requestSeconds, kind: EventKind.ConnectionUp, a: 0, b: a });
  }

  private handle(e: SimEvent): void {
    switch (e.kind) {
      case EventKind.Join:
        return this.join(e.a, e.t);
      case EventKind.Announce:
        return this.announce(e.a, e.t);
      case EventKind.Rechoke:
        return this.rechoke(e.a, e.t);
      case EventKind.ConnectionUp: {
        if (e.a === 0 && !this.originIsPeer) return this.connectOrigin(e.b);
        const na = this.nodes[e.a]!;
        const nb = this.nodes[e.b]!;
        na.pendingConns--;
        nb.pendingConns--;
        na.neighbours.delete(e.b);
        nb.neighbours.delete(e.a);
        return this.connect(e.a, e.b);
      }
    }
  }
}
