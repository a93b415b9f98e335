// Block-level swarm simulator: the lab's swarm (cs, p2p, hybrid) as a fluid model stepped in time, with
// WebTorrent 3's request, piece selection and choking rules. Layer: client/lab, pure TypeScript.
//
// Model. Node 0 is the origin: the seed peer (p2p), the web seed (hybrid) or the HTTP server (cs); nodes 1…N
// are the leechers. A directed link u→d carries the blocks d requested from u, in order. Each step, every
// uploader splits its upload over its busy links (a web seed link weighs as many as its parallel HTTP
// responses), each downloader scales incoming offers down to its download rate, and upload left unused by
// saturated downloaders is handed once more to the others (two-pass max-min fairness, which is what
// token-bucket throttles over many streams give).
// Rules taken from webtorrent 3.0.21 lib/torrent.js and torrent-piece:
// - requests are 16 KiB blocks; a wire keeps 2 + ⌈speed·1 s / block⌉ in flight and tops up below
//   2 + ⌈speed·0.5 s / block⌉ (getBlockPipelineLength, speed = wire.downloadSpeed(), an EWMA here);
// - a piece is chosen per wire (`rarest`: fewest copies among connected peers, random ties; `sequential`:
//   lowest index) and every free block of it is requested from that wire until the pipeline is full; other
//   wires may take the piece's remaining blocks; a piece is verified when all blocks arrived, from anyone;
// - a slow wire (≤ 3 blocks/s) skips pieces a faster wire would finish sooner (the speed ranker);
// - `_hotswap`: a wire that cannot fill its pipeline takes the blocks of a piece reserved by a wire under
//   3 blocks/s and at most half as fast; the slow wire's requests stay queued, so those blocks can arrive
//   twice (redundant bytes);
// - a peer is unchoked the first time it becomes interested; `_rechoke` every 10 s keeps `uploads − 1`
//   interested peers by the rate they send us (then the rate we send them), plus one optimistic unchoke for
//   three periods; a choke stops new requests while what was requested drains (the uploader answered those
//   requests already; the choke message follows them on the wire), and received blocks stay;
// - a verified piece is announced (HAVE) to neighbours `haveSeconds` later;
// - the web seed (BEP 19, lib/webconn.js): one HTTP request per piece for all its remaining blocks, at most
//   min(1 + ⌈speed·1 s / piece⌉, maxWebConns) in flight, each starting `requestSeconds` after it is sent;
// - discovery through the WebSocket tracker: an announce every `announceSeconds` sends 5 offers to random
//   swarm members; a connection is up `connectSeconds` later, at most `maxConns` per peer; a leecher's
//   start-up (client, tracker socket, first announce) is paid once, `startupSeconds` after its start;
// - no endgame (optional here, to measure what it would pay).
// The parts live in ./sim: the event engine (event-queue), the model (swarm-model), the policies
// (piece-picker, choker, rates) and sampling (coverage); this module runs them in time.

import { boundFor, type Mode } from "./bounds";
import { coverageSample, distinctPieces, type CoverageSample } from "./sim/coverage";
import { EventQueue } from "./sim/event-queue";
import { planRechoke } from "./sim/choker";
import { blockPipeline, hotswap, pickEndgameBlock, pickPiece, reserveBlocks, speedThreshold, webSeedPipeline, type Strategy } from "./sim/piece-picker";
import { seededRandom } from "./sim/random";
import { RateAllocator } from "./sim/rates";
import { Link, PeerNode } from "./sim/swarm-model";

export type { CoverageSample } from "./sim/coverage";
export type { Strategy } from "./sim/piece-picker";
export { seededRandom } from "./sim/random";

/** Hot-swapping: webtorrent's (whenever a wire cannot fill its pipeline), only once nothing is left to request (endgame), or never. */
export type HotswapRule = "always" | "endgame" | "never";

export type SimConfig = {
  mode: Mode;
  strategy: Strategy;
  /** Leechers N. */
  peers: number;
  /** File size F (bits). */
  fileBits: number;
  /** Piece size (bits). */
  pieceBits: number;
  /** Origin upload u_s (bit/s). */
  serverUp: number;
  /** Leecher upload u (bit/s); a list gives each leecher its own (0: a free rider, which never unchokes anyone). */
  peerUp: number | readonly number[];
  /** Leecher download d (bit/s); Infinity = unlimited. */
  peerDown: number;
  /** PRNG seed. */
  seed?: number;
  /** Request unit (bits): webtorrent's 16 KiB blocks (default min(16 KiB, piece)). */
  blockBits?: number;
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
  /** Latency of one HTTP request to the origin before bytes flow (cs, web seed) (s). */
  requestSeconds?: number;
  /** One-off start-up of each leecher before its first announce or HTTP request (s). */
  startupSeconds?: number;
  /** Leechers start spread uniformly over [0, startJitterSeconds] (after their start-up). */
  startJitterSeconds?: number;
  /** Delay from a verified piece to its HAVE at the neighbours (s). */
  haveSeconds?: number;
  /** Time constant of the wire speed estimate (webtorrent averages over 5 s) (s). */
  speedSeconds?: number;
  /** Hot-swapping rule (webtorrent: always). */
  hotswap?: HotswapRule;
  /** hybrid: most requests in flight to the web seed (webtorrent maxWebConns; the lab sets 16). */
  webSeedRequests?: number;
  /** Once nothing is left to request, ask a second peer for each missing block (the first copy wins). */
  endgame?: boolean;
  /** The origin leaves once it has uploaded this many copies of the file (0: never): Legout's transient state. */
  originLeavesAfterCopies?: number;
  /** Coverage sample period (s; default max(0.25 s, bound/500), so hour-long swarms are not stepped at 4 Hz). */
  sampleSeconds?: number;
  /** Fastest transfer gets at least this many steps per block. */
  stepsPerBlock?: number;
  /** Give up after this much simulated time (default 50× the bound). */
  maxSeconds?: number;
};

export type SimResult = {
  config: Required<SimConfig>;
  pieces: number;
  /** Time the last leecher completed (s); Infinity if the run hit maxSeconds (or the origin left too early). */
  distributionSeconds: number;
  bound: number;
  /** Per leecher: completion time (s). */
  completionSeconds: number[];
  /** Per leecher: bits received from the origin and from other peers (duplicates included). */
  fromServerBits: number[];
  fromPeersBits: number[];
  /** Bits received twice (hot-swap, endgame). */
  redundantBits: number;
  serverUpBits: number;
  peersUpBits: number;
  /** Per leecher: bits uploaded. */
  uploadedBits: number[];
  coverage: CoverageSample[];
  /** Pieces held by some leecher when the origin had uploaded one full copy (null: never got there). */
  survivingAfterOneCopy: number | null;
  /** When the origin had uploaded one full copy (s). */
  oneCopySeconds: number | null;
  /** With originLeavesAfterCopies: when the origin left (s), and the pieces some leecher held then. */
  originLeftSeconds: number | null;
  survivingAtDeparture: number | null;
  /** Per leecher: time between 95% and 100% of pieces (the endgame tail). */
  tailSeconds: number[];
  hotswaps: number;
  steps: number;
};

/** The fastest link may finish this many blocks within one step (each arrival still timed exactly). */
const MAX_BLOCKS_PER_STEP = 2;
/** cs: requests a single streaming GET is ahead by (it is one response, not a request pipeline). */
const CS_WINDOW_BLOCKS = 64;
/** Hot-swap candidates tried per top-up (webtorrent tries every piece; a few suffice and keep this O(P)). */
const HOTSWAP_TRIES = 8;
const PIPELINE_MIN_SECONDS = 0.5;
const PIPELINE_MAX_SECONDS = 1;

const DEFAULTS = {
  seed: 1,
  blockBits: 0,
  uploadSlots: 10,
  rechokeSeconds: 10,
  optimisticRounds: 2,
  maxConns: 55,
  offersPerAnnounce: 5,
  announceSeconds: 5,
  connectSeconds: 0.5,
  requestSeconds: 0.05,
  startupSeconds: 0,
  startJitterSeconds: 0,
  haveSeconds: 0.05,
  speedSeconds: 2.5,
  hotswap: "always" as HotswapRule,
  webSeedRequests: 16,
  endgame: false,
  originLeavesAfterCopies: 0,
  sampleSeconds: 0,
  stepsPerBlock: 4,
  maxSeconds: 0,
} as const;

const enum EventKind {
  Join,
  Announce,
  Rechoke,
  ConnectionUp,
  Have,
  Wake,
}
type SimEvent = { t: number; kind: EventKind; a: number; b: number };

export function simulate(input: SimConfig): SimResult {
  return new SwarmSimulation(input).run();
}

class SwarmSimulation {
  private readonly cfg: Required<SimConfig>;
  private readonly random: () => number;
  /** Pieces P, blocks per piece B. */
  private readonly P: number;
  private readonly B: number;
  private readonly blockBits: number;
  private readonly lastPieceBits: number;
  private readonly bound: number;
  private readonly maxSeconds: number;
  private readonly nodes: PeerNode[] = [];
  /** p2p: the seed is a peer like the others (tracker, choking); cs and hybrid: an HTTP origin. */
  private readonly originIsPeer: boolean;
  private readonly leecherMesh: boolean;
  private readonly strategy: Strategy;
  private readonly leecherCopies: Int32Array;
  private serverUpBits = 0;
  private peersUpBits = 0;
  private redundantBits = 0;
  private hotswaps = 0;
  private survivingAfterOneCopy: number | null = null;
  private oneCopySeconds: number | null = null;
  private originLeftSeconds: number | null = null;
  private survivingAtDeparture: number | null = null;
  private remaining: number;
  private now = 0;
  private readonly coverage: CoverageSample[] = [];
  private readonly active: Link[] = [];
  private readonly pendingLinks: Link[] = [];
  private readonly events = new EventQueue<SimEvent>();
  private readonly swarmMembers: number[] = [];

  constructor(input: SimConfig) {
    const cfg: Required<SimConfig> = { ...DEFAULTS, ...input } as Required<SimConfig>;
    if (!Number.isInteger(cfg.peers) || cfg.peers < 1) throw new RangeError("peers must be an integer ≥ 1");
    if (!(cfg.pieceBits > 0) || !(cfg.fileBits > 0)) throw new RangeError("fileBits and pieceBits must be > 0");
    const ups = typeof cfg.peerUp === "number" ? null : cfg.peerUp;
    if (ups && ups.length !== cfg.peers) throw new RangeError(`peerUp: ${ups.length} rates for ${cfg.peers} peers`);
    this.cfg = cfg;
    this.random = seededRandom(cfg.seed);
    this.P = Math.ceil(cfg.fileBits / cfg.pieceBits);
    this.blockBits = cfg.blockBits > 0 ? Math.min(cfg.blockBits, cfg.pieceBits) : Math.min(16 * 1024 * 8, cfg.pieceBits);
    this.B = Math.ceil(cfg.pieceBits / this.blockBits);
    this.lastPieceBits = cfg.fileBits - (this.P - 1) * cfg.pieceBits;
    const lastPieceBlocks = Math.ceil(this.lastPieceBits / this.blockBits);
    const N = cfg.peers;
    this.bound = boundFor(cfg.mode, { fileBits: cfg.fileBits, serverUp: cfg.serverUp, peerUp: cfg.peerUp, peerDown: cfg.peerDown, peers: N });
    this.maxSeconds = cfg.maxSeconds > 0 ? cfg.maxSeconds : Math.max(60, 50 * this.bound);
    if (!(cfg.sampleSeconds > 0)) cfg.sampleSeconds = Math.max(0.25, this.bound / 500);
    const origin = new PeerNode(this.P, this.B, lastPieceBlocks, cfg.serverUp, Infinity);
    origin.fill();
    origin.doneAt = 0;
    origin.joined = true;
    this.nodes.push(origin);
    for (let i = 0; i < N; i++) this.nodes.push(new PeerNode(this.P, this.B, lastPieceBlocks, ups ? ups[i]! : (cfg.peerUp as number), cfg.peerDown));
    this.originIsPeer = cfg.mode === "p2p";
    this.leecherMesh = cfg.mode !== "cs";
    this.strategy = cfg.mode === "cs" ? "sequential" : cfg.strategy;
    this.leecherCopies = new Int32Array(this.P);
    this.remaining = N;
  }

  run(): SimResult {
    const { cfg } = this;
    if (this.originIsPeer) this.join(0, 0);
    for (let i = 1; i <= cfg.peers; i++) {
      const t = cfg.startupSeconds + (cfg.startJitterSeconds > 0 ? this.random() * cfg.startJitterSeconds : 0);
      this.events.push({ t, kind: EventKind.Join, a: i, b: 0 });
    }
    const rates = new RateAllocator(this.nodes);
    let t = 0;
    let steps = 0;
    let nextSample = 0;
    while (this.remaining > 0 && t < this.maxSeconds) {
      this.now = t;
      // the origin left with pieces nobody else holds: no one can finish (Legout's transient state)
      if (this.survivingAtDeparture !== null && this.survivingAtDeparture < this.P && distinctPieces(this.leecherCopies) < this.P && this.active.length === 0) break;
      while (this.events.size > 0 && this.events.peek()!.t <= t) this.handle(this.events.pop()!);
      if (t >= nextSample) {
        this.coverage.push(coverageSample(t, this.leecherCopies, this.serverUpBits));
        nextSample += cfg.sampleSeconds;
      }
      while (this.pendingLinks.length > 0) {
        const l = this.pendingLinks.pop()!;
        l.pending = false;
        this.topUp(l, t);
      }
      const { maxRate, sumRate } = rates.allocate(this.active);

      // step length: a few steps per block for the average link (a faster one finishes up to two blocks in a
      // step; each arrival is timed exactly within it), never past the next sample
      let dt = maxRate > 0 ? Math.min(this.blockBits / (sumRate / this.active.length) / cfg.stepsPerBlock, (MAX_BLOCKS_PER_STEP * this.blockBits) / maxRate) : Infinity;
      const nextEvent = this.events.size > 0 ? this.events.peek()!.t : Infinity;
      // Events (announces, rechokes, HAVEs, connections) are not step boundaries while data moves: with
      // thousands of peers they come every few ms; they run at the start of the next step (late by < a step).
      if (this.active.length === 0 || sumRate <= 0) dt = Math.max(nextEvent - t, 0);
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
      pieces: this.P,
      distributionSeconds: this.remaining === 0 ? Math.max(...completionSeconds) : Infinity,
      bound: this.bound,
      completionSeconds,
      fromServerBits: leechers.map((n) => n.fromServer),
      fromPeersBits: leechers.map((n) => n.fromPeers),
      redundantBits: this.redundantBits,
      serverUpBits: this.serverUpBits,
      peersUpBits: this.peersUpBits,
      uploadedBits: leechers.map((n) => n.uploaded),
      coverage: this.coverage,
      survivingAfterOneCopy: this.survivingAfterOneCopy,
      oneCopySeconds: this.oneCopySeconds,
      originLeftSeconds: this.originLeftSeconds,
      survivingAtDeparture: this.survivingAtDeparture,
      tailSeconds: leechers.map((n) => (n.doneAt < Infinity && n.at95 < Infinity ? n.doneAt - n.at95 : Infinity)),
      hotswaps: this.hotswaps,
      steps,
    };
  }

  /** Moves every active link's bits for `dt` (a snapshot: arrivals top links up and may start others). */
  private advance(t: number, dt: number): void {
    const tau = this.cfg.speedSeconds;
    for (const l of this.active.slice()) {
      if (l.activeIndex < 0) continue;
      l.updateSpeed(t + dt, l.rate, tau);
      if (l.rate <= 0) continue;
      let bits = l.rate * dt;
      let at = t;
      while (bits > 0 && l.queue.length > 0) {
        const need = this.blockSize(l.queue[0]!) - l.progress;
        if (bits < need) {
          this.account(l, bits);
          l.progress += bits;
          break;
        }
        this.account(l, need);
        bits -= need;
        at += need / l.rate;
        this.arrive(l, at);
        this.topUp(l, at); // pipelined: later blocks are already requested; the next flows at once
        if (!this.headReady(l, at)) break; // (topUp stopped it)
      }
    }
  }

  private blockSize(id: number): number {
    const real = id >= 0 ? id : -id - 1;
    const p = Math.floor(real / this.B);
    const b = real - p * this.B;
    const pieceBits = p === this.P - 1 ? this.lastPieceBits : this.cfg.pieceBits;
    return Math.min(this.blockBits, pieceBits - b * this.blockBits);
  }

  private isDone(n: number): boolean {
    return this.nodes[n]!.haveCount === this.P;
  }

  /** Whether the head request may move at `t` (a web seed request waits for its HTTP latency). */
  private headReady(l: Link, t: number): boolean {
    return l.queue.length > 0 && (l.readyAt[0] ?? 0) <= t + 1e-12;
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
    l.rate = 0;
  }

  private queue(l: Link): void {
    if (l.pending) return;
    l.pending = true;
    this.pendingLinks.push(l);
  }

  /** Starts or stops moving `l` as its head allows; a web seed link weighs as its ready requests. */
  private refresh(l: Link, t: number): void {
    if (l.http === "webseed") {
      let ready = 0;
      let lastPiece = -1;
      for (let i = 0; i < l.queue.length; i++) {
        const id = l.queue[i]!;
        const p = Math.floor((id >= 0 ? id : -id - 1) / this.B);
        if (p !== lastPiece && l.readyAt[i]! <= t + 1e-12) ready++;
        lastPiece = p;
      }
      l.weight = Math.max(1, ready);
    }
    if (this.headReady(l, t)) {
      if (l.activeIndex < 0) l.updateSpeed(t, 0, this.cfg.speedSeconds); // idle until now
      this.activate(l);
    } else {
      this.deactivate(l);
      if (l.queue.length > 0) this.events.push({ t: l.readyAt[0]!, kind: EventKind.Wake, a: l.from, b: l.to });
    }
  }

  // ---- requests (webtorrent's _updateWire)

  private topUp(l: Link, t: number): void {
    const d = this.nodes[l.to]!;
    const u = this.nodes[l.from]!;
    if (u.left || d.haveCount === this.P) return this.refresh(l, t);
    if (l.http === "cs") {
      // one streaming GET: the file front to back, its first byte one request latency after the start
      for (let p = d.firstMissing; p < this.P && l.queue.length < CS_WINDOW_BLOCKS; p++) if (d.pieceFree[p]! > 0) reserveBlocks(l, d, p, CS_WINDOW_BLOCKS);
      while (l.readyAt.length < l.queue.length) l.readyAt.push(l.openAt);
      return this.refresh(l, t);
    }
    if (!l.unchoked || l.interest <= 0) return this.refresh(l, t);
    const speed = l.speedNow(t, this.cfg.speedSeconds);
    if (l.http === "webseed") {
      const units = this.requestUnits(l);
      const min = webSeedPipeline(speed, this.cfg.pieceBits, PIPELINE_MIN_SECONDS, this.cfg.webSeedRequests);
      if (units >= min) return this.refresh(l, t);
      const max = webSeedPipeline(speed, this.cfg.pieceBits, PIPELINE_MAX_SECONDS, this.cfg.webSeedRequests);
      for (let n = units; n < max; n++) {
        const p = pickPiece(this.strategy, u, d, this.P, this.random);
        if (p < 0) break;
        const before = l.queue.length;
        reserveBlocks(l, d, p, Infinity); // reserveRemaining: one request for the rest of the piece
        for (let i = before; i < l.queue.length; i++) l.readyAt.push(t + this.cfg.requestSeconds);
      }
      return this.refresh(l, t);
    }
    const min = blockPipeline(speed, this.blockBits, PIPELINE_MIN_SECONDS);
    if (l.queue.length >= min) return this.refresh(l, t);
    const max = blockPipeline(speed, this.blockBits, PIPELINE_MAX_SECONDS);
    const accept = speed <= speedThreshold(this.blockBits) ? this.speedRanker(l, d, speed) : undefined;
    while (l.queue.length < max) {
      const p = pickPiece(this.strategy, u, d, this.P, this.random, accept);
      if (p < 0) break;
      reserveBlocks(l, d, p, max);
    }
    const rule = this.cfg.hotswap;
    if (l.queue.length < max && (rule === "always" || (rule === "endgame" && d.freeBlocks === 0))) this.hotswapPass(l, u, d, max, t);
    if (l.queue.length < max && this.cfg.endgame && d.freeBlocks === 0) {
      while (l.queue.length < max) {
        const id = pickEndgameBlock(l, u, d, this.P);
        if (id < 0 || d.blockRes[id]! >= 2) break;
        d.reserve(id);
        l.queue.push(id);
      }
    }
    while (l.readyAt.length < l.queue.length) l.readyAt.push(0);
    this.refresh(l, t);
  }

  /** webtorrent's trySelectWire(true): rarest pieces `u` has, taking blocks from slow wires where allowed. */
  private hotswapPass(l: Link, u: PeerNode, d: PeerNode, max: number, t: number): void {
    const tried = new Set<number>();
    const speedOf = (x: Link) => x.speedNow(t, this.cfg.speedSeconds);
    for (let tries = 0; tries < HOTSWAP_TRIES && l.queue.length < max; tries++) {
      let best = -1;
      let bestRarity = Infinity;
      for (let p = d.firstMissing; p < this.P; p++) {
        if (!u.announced[p] || d.have[p] || tried.has(p)) continue;
        const r = this.strategy === "sequential" ? p : d.rarity[p]!;
        if (r < bestRarity) {
          bestRarity = r;
          best = p;
        }
      }
      if (best < 0) return;
      tried.add(best);
      if (d.pieceFree[best]! === 0 && hotswap(l, d, best, speedOf, this.blockBits)) this.hotswaps++;
      reserveBlocks(l, d, best, max);
    }
  }

  /** webtorrent's speedRanker: a slow wire skips (up to 10) pieces that faster wires would finish first. */
  private speedRanker(l: Link, d: PeerNode, speed: number): (p: number) => boolean {
    const secs = (Math.max(1, l.queue.length) * this.blockBits) / Math.max(speed, 1);
    const threshold = speedThreshold(this.blockBits);
    let tries = 10;
    return (p) => {
      if (tries <= 0) return true;
      let missing = (d.blocksIn(p) - d.pieceGot[p]!) * this.blockBits;
      for (const other of d.inLinks) {
        if (other === l || other.http !== null) continue;
        const s = other.speedNow(this.now, this.cfg.speedSeconds);
        if (s < threshold || s <= speed || !this.nodes[other.from]!.announced[p]) continue;
        if ((missing -= s * secs) > 0) continue;
        tries--;
        return false;
      }
      return true;
    };
  }

  private requestUnits(l: Link): number {
    let units = 0;
    let lastPiece = -1;
    for (const id of l.queue) {
      const p = Math.floor((id >= 0 ? id : -id - 1) / this.B);
      if (p !== lastPiece) units++;
      lastPiece = p;
    }
    return units;
  }

  // ---- choking

  private choke(l: Link): void {
    if (!l.unchoked) return;
    l.unchoked = false; // no new requests; what was requested drains
  }

  private unchoke(l: Link): void {
    if (l.unchoked) return;
    l.unchoked = true;
    this.queue(l);
  }

  /** `l.from` has a piece `l.to` lacks (as `l.to` now knows). */
  private interestUp(l: Link): void {
    l.interest++;
    if (!l.everInterested) {
      l.everInterested = true;
      // wire.once('interested', () => wire.unchoke()) — except a free rider (no upload), which never unchokes
      if (this.nodes[l.from]!.up > 0) l.unchoked = true;
    }
    if (l.unchoked) this.queue(l);
  }

  // ---- arrivals

  /** The head block of `l` arrived at `t`. */
  private arrive(l: Link, t: number): void {
    const id = l.queue.shift()!;
    l.readyAt.shift();
    l.progress = 0;
    const owned = id >= 0;
    const real = owned ? id : -id - 1;
    const d = this.nodes[l.to]!;
    const size = this.blockSize(real);
    if (!d.receiveBlock(real, owned)) {
      d.duplicate += size;
      this.redundantBits += size;
      return;
    }
    const p = Math.floor(real / this.B);
    if (d.pieceGot[p] === d.blocksIn(p)) this.pieceVerified(l.to, p, t);
  }

  private pieceVerified(n: number, p: number, t: number): void {
    const node = this.nodes[n]!;
    if (node.have[p]) return;
    node.have[p] = 1;
    node.haveCount++;
    while (node.firstMissing < this.P && node.have[node.firstMissing]) node.firstMissing++;
    this.leecherCopies[p]!++;
    if (node.at95 === Infinity && node.haveCount >= 0.95 * this.P) node.at95 = t;
    if (node.haveCount === this.P) {
      node.doneAt = t;
      this.remaining--;
    }
    // this peer no longer wants p from anyone (that it knew had it); its neighbours learn it has p by the HAVE
    for (const inl of node.inLinks) if (this.nodes[inl.from]!.announced[p]) inl.interest--;
    this.events.push({ t: t + this.cfg.haveSeconds, kind: EventKind.Have, a: n, b: p });
  }

  private have(n: number, p: number): void {
    const node = this.nodes[n]!;
    node.announced[p] = 1;
    for (const out of node.outLinks) {
      const w = this.nodes[out.to]!;
      w.rarity[p]!++;
      if (!w.have[p]) this.interestUp(out);
    }
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
        this.oneCopySeconds = this.now;
      }
      const leave = this.cfg.originLeavesAfterCopies;
      if (leave > 0 && this.serverUpBits >= leave * this.cfg.fileBits && !this.nodes[0]!.left) this.originLeaves();
    } else {
      d.fromPeers += bits;
      this.peersUpBits += bits;
    }
    this.nodes[l.from]!.uploaded += bits;
  }

  /** The origin stops serving: its requests are cancelled, its pieces no longer count. */
  private originLeaves(): void {
    const origin = this.nodes[0]!;
    origin.left = true;
    this.originLeftSeconds = this.now;
    this.survivingAtDeparture = distinctPieces(this.leecherCopies);
    for (const l of origin.outLinks) {
      const d = this.nodes[l.to]!;
      for (const id of l.queue) if (id >= 0) d.unreserve(id);
      l.queue = [];
      l.readyAt = [];
      l.progress = 0;
      l.unchoked = false;
      l.interest = 0;
      this.deactivate(l);
      for (let p = 0; p < this.P; p++) d.rarity[p]!--;
      // its requests are free again: the leecher's other links may take them
      for (const other of d.inLinks) if (other !== l) this.queue(other);
    }
    const i = this.swarmMembers.indexOf(0);
    if (i >= 0) this.swarmMembers.splice(i, 1);
  }

  // ---- connections

  private connect(a: number, b: number): void {
    const P = this.P;
    const na = this.nodes[a]!;
    const nb = this.nodes[b]!;
    if (na.left || nb.left) return;
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
      // the bitfield: what `from` has announced (a piece verified a moment ago follows as a HAVE)
      if (from.haveCount > 0) for (let p = 0; p < P; p++) if (from.announced[p]) to.rarity[p]!++;
      if (to.haveCount < P && from.haveCount > 0) {
        let interest = 0;
        for (let p = 0; p < P; p++) if (from.announced[p] && !to.have[p]) interest++;
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
    link.http = this.cfg.mode === "cs" ? "cs" : "webseed";
    link.openAt = this.now + this.cfg.requestSeconds;
    o.outLinks.push(link);
    d.inLinks.push(link);
    link.unchoked = true;
    link.everInterested = true;
    link.interest = this.P - d.haveCount;
    if (link.http === "webseed") for (let p = 0; p < this.P; p++) d.rarity[p]!++;
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
    if (this.nodes[u]!.left || this.nodes[u]!.up <= 0) return; // a free rider keeps everyone choked
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
      this.events.push({ t: t + this.cfg.rechokeSeconds * this.random(), kind: EventKind.Rechoke, a, b: 0 });
    }
    // cs and hybrid: every leecher also asks the HTTP origin (each request pays its own latency)
    if (a !== 0 && !this.originIsPeer) this.connectOrigin(a);
  }

  private handle(e: SimEvent): void {
    switch (e.kind) {
      case EventKind.Join:
        return this.join(e.a, e.t);
      case EventKind.Announce:
        if (this.nodes[e.a]!.left) return;
        return this.announce(e.a, e.t);
      case EventKind.Rechoke:
        return this.rechoke(e.a, e.t);
      case EventKind.Have:
        return this.have(e.a, e.b);
      case EventKind.Wake: {
        const l = this.nodes[e.b]!.inLinks.find((x) => x.from === e.a);
        if (l) this.refresh(l, e.t);
        return;
      }
      case EventKind.ConnectionUp: {
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
