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

import { boundFor, type Mode } from "./bounds";

export type Strategy = "rarest" | "sequential";

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

export type CoverageSample = {
  t: number;
  /** Pieces held by at least one leecher. */
  distinct: number;
  /** Copies of the rarest piece among leechers. */
  minCopies: number;
  /** Bits the origin has uploaded so far. */
  serverBits: number;
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

/** Mulberry32: small, fast, seedable. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Link {
  unchoked = false;
  everInterested = false;
  /** Pieces `from` has that `to` lacks. */
  interest = 0;
  piece = -1;
  progress = 0;
  rate = 0;
  totalBits = 0;
  /** totalBits of this link and of its reverse at `from`'s last rechoke, for the rate ranking. */
  snapUp = 0;
  snapDown = 0;
  activeIndex = -1;
  pending = false;
  reverse: Link | null = null;
  constructor(
    readonly from: number,
    readonly to: number,
  ) {}
}

class Node {
  readonly have: Uint8Array;
  readonly inFlight: Uint8Array;
  /** Copies of each piece among connected peers (only kept for leechers). */
  readonly rarity: Int32Array;
  haveCount = 0;
  firstMissing = 0;
  outLinks: Link[] = [];
  inLinks: Link[] = [];
  neighbours = new Set<number>();
  pendingConns = 0;
  joined = false;
  doneAt = Infinity;
  at95 = Infinity;
  optimistic: Link | null = null;
  optimisticTime = 0;
  lastRechoke = 0;
  fromServer = 0;
  fromPeers = 0;
  uploaded = 0;
  constructor(
    pieces: number,
    readonly up: number,
    readonly down: number,
  ) {
    this.have = new Uint8Array(pieces);
    this.inFlight = new Uint8Array(pieces);
    this.rarity = new Int32Array(pieces);
  }
}

type Event = { t: number; kind: 0 | 1 | 2 | 3; a: number; b: number };
// kinds: 0 join, 1 announce, 2 rechoke, 3 connection up

/** Binary min-heap on t. */
class EventQueue {
  private heap: Event[] = [];
  get size(): number {
    return this.heap.length;
  }
  peek(): Event | undefined {
    return this.heap[0];
  }
  push(e: Event): void {
    const h = this.heap;
    h.push(e);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (h[p]!.t <= e.t) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = e;
  }
  pop(): Event | undefined {
    const h = this.heap;
    const top = h[0];
    const last = h.pop();
    if (h.length > 0 && last) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= h.length) break;
        const r = l + 1;
        const c = r < h.length && h[r]!.t < h[l]!.t ? r : l;
        if (h[c]!.t >= last.t) break;
        h[i] = h[c]!;
        i = c;
      }
      h[i] = last;
    }
    return top;
  }
}

export function simulate(input: SimConfig): SimResult {
  const cfg: Required<SimConfig> = { ...DEFAULTS, ...input };
  if (!Number.isInteger(cfg.peers) || cfg.peers < 1) throw new RangeError("peers must be an integer ≥ 1");
  if (!(cfg.pieceBits > 0) || !(cfg.fileBits > 0)) throw new RangeError("fileBits and pieceBits must be > 0");
  const random = seededRandom(cfg.seed);
  const P = Math.ceil(cfg.fileBits / cfg.pieceBits);
  const lastPieceBits = cfg.fileBits - (P - 1) * cfg.pieceBits;
  const pieceSize = (p: number) => (p === P - 1 ? lastPieceBits : cfg.pieceBits);
  const N = cfg.peers;
  const bound = boundFor(cfg.mode, { fileBits: cfg.fileBits, serverUp: cfg.serverUp, peerUp: cfg.peerUp, peerDown: cfg.peerDown, peers: N });
  const maxSeconds = cfg.maxSeconds > 0 ? cfg.maxSeconds : Math.max(60, 50 * bound);

  const nodes: Node[] = [];
  nodes.push(new Node(P, cfg.serverUp, Infinity));
  for (let i = 0; i < N; i++) nodes.push(new Node(P, cfg.peerUp, cfg.peerDown));
  const origin = nodes[0]!;
  origin.have.fill(1);
  origin.haveCount = P;
  origin.firstMissing = P;
  origin.doneAt = 0;
  origin.joined = true;
  const originIsPeer = cfg.mode === "p2p"; // p2p: the seed is a peer like the others (tracker, choking)
  const leecherMesh = cfg.mode !== "cs";

  const leecherCopies = new Int32Array(P);
  let serverUpBits = 0;
  let peersUpBits = 0;
  let survivingAfterOneCopy: number | null = null;
  let remaining = N;
  const coverage: CoverageSample[] = [];

  const active: Link[] = [];
  const pendingLinks: Link[] = [];
  const events = new EventQueue();

  // ---- active-link bookkeeping
  const activate = (l: Link) => {
    if (l.activeIndex >= 0) return;
    l.activeIndex = active.length;
    active.push(l);
  };
  const deactivate = (l: Link) => {
    const i = l.activeIndex;
    if (i < 0) return;
    const last = active.pop()!;
    if (last !== l) {
      active[i] = last;
      last.activeIndex = i;
    }
    l.activeIndex = -1;
  };
  const queue = (l: Link) => {
    if (l.pending) return;
    l.pending = true;
    pendingLinks.push(l);
  };

  const isDone = (n: number) => nodes[n]!.haveCount === P;

  // ---- piece selection (webtorrent's, per wire)
  const pick = (l: Link): number => {
    const u = nodes[l.from]!;
    const d = nodes[l.to]!;
    if (cfg.strategy === "sequential" || cfg.mode === "cs") {
      // cs: one HTTP response carries the file front to back
      for (let p = d.firstMissing; p < P; p++) if (u.have[p] && !d.have[p] && !d.inFlight[p]) return p;
      return -1;
    }
    let best = -1;
    let bestRarity = Infinity;
    let ties = 0;
    const rarity = d.rarity;
    for (let p = d.firstMissing; p < P; p++) {
      if (!u.have[p] || d.have[p] || d.inFlight[p]) continue;
      const r = rarity[p]!;
      if (r < bestRarity) {
        bestRarity = r;
        best = p;
        ties = 1;
      } else if (r === bestRarity && random() * ++ties < 1) {
        best = p;
      }
    }
    return best;
  };

  /** Endgame: a missing piece already in flight from another peer, not yet from this one. */
  const pickEndgame = (l: Link): number => {
    const u = nodes[l.from]!;
    const d = nodes[l.to]!;
    let best = -1;
    let fewest = Infinity;
    for (let p = d.firstMissing; p < P; p++) {
      if (!u.have[p] || d.have[p]) continue;
      const flights = d.inFlight[p]!;
      if (flights === 0) return p; // a free piece after all
      if (flights < fewest && !inFlightOn(d, p, l.from)) {
        fewest = flights;
        best = p;
      }
    }
    return best;
  };
  const inFlightOn = (d: Node, p: number, from: number) => {
    for (const l of d.inLinks) if (l.from === from && l.piece === p) return true;
    return false;
  };

  const start = (l: Link, p: number, carry: number) => {
    l.piece = p;
    l.progress = carry;
    nodes[l.to]!.inFlight[p]!++;
    activate(l);
  };

  const trySelect = (l: Link, carry = 0): boolean => {
    if (!l.unchoked || l.piece >= 0 || l.interest <= 0) return false;
    let p = pick(l);
    if (p < 0 && cfg.endgame) {
      const d = nodes[l.to]!;
      if (d.haveCount + countInFlight(d) >= P) p = pickEndgame(l);
    }
    if (p < 0) return false;
    start(l, p, carry);
    return true;
  };
  const countInFlight = (d: Node) => {
    let n = 0;
    for (const l of d.inLinks) if (l.piece >= 0) n++;
    return n;
  };

  const drop = (l: Link) => {
    if (l.piece < 0) return;
    const d = nodes[l.to]!;
    const p = l.piece;
    d.inFlight[p]!--;
    l.piece = -1;
    l.progress = 0;
    deactivate(l);
    // the piece is free again: the first idle link that can carry it takes it (it is their only new candidate)
    if (d.have[p] || d.inFlight[p]) return;
    for (const other of d.inLinks) {
      if (other !== l && other.piece < 0 && other.unchoked && !other.pending && other.interest > 0 && nodes[other.from]!.have[p]) {
        start(other, p, 0);
        return;
      }
    }
  };

  const choke = (l: Link) => {
    if (!l.unchoked) return;
    l.unchoked = false;
    drop(l);
  };
  const unchoke = (l: Link) => {
    if (l.unchoked) return;
    l.unchoked = true;
    queue(l);
  };

  /** `l.from` has a piece `l.to` lacks. With `p`, that piece is the only new candidate for an idle link. */
  const interestUp = (l: Link, p = -1) => {
    l.interest++;
    if (!l.everInterested) {
      l.everInterested = true;
      l.unchoked = true; // wire.once('interested', () => wire.unchoke())
      queue(l);
      return;
    }
    if (!l.unchoked || l.piece >= 0 || l.pending) return;
    // An idle unchoked link had no free candidate; now `p` is the only possible one (O(1), no scan).
    if (p >= 0) {
      if (!nodes[l.to]!.inFlight[p]) start(l, p, 0);
      else if (cfg.endgame) queue(l);
    } else queue(l);
  };

  // ---- piece arrival
  const receive = (l: Link, t: number) => {
    const v = l.to;
    const node = nodes[v]!;
    const p = l.piece;
    node.inFlight[p]!--;
    l.piece = -1;
    if (node.have[p]) return; // endgame duplicate
    node.have[p] = 1;
    node.haveCount++;
    while (node.firstMissing < P && node.have[node.firstMissing]) node.firstMissing++;
    leecherCopies[p]!++;
    if (node.at95 === Infinity && node.haveCount >= 0.95 * P) node.at95 = t;
    if (node.haveCount === P) {
      node.doneAt = t;
      remaining--;
    }
    // endgame: cancel the same piece in flight from other peers
    if (cfg.endgame && node.inFlight[p]! > 0) for (const other of node.inLinks) if (other.piece === p) drop(other);
    for (const out of node.outLinks) {
      const w = nodes[out.to]!;
      if (!w.have[p]) interestUp(out, p);
      w.rarity[p]!++;
    }
    for (const inl of node.inLinks) if (nodes[inl.from]!.have[p]) inl.interest--;
  };

  // ---- connections
  const connect = (a: number, b: number) => {
    const na = nodes[a]!;
    const nb = nodes[b]!;
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
          interestUp(link);
        }
      }
    }
  };
  const connectOrigin = (leecher: number) => {
    // cs and hybrid: the origin is an HTTP server — no choking, always "unchoked".
    const o = origin;
    const d = nodes[leecher]!;
    const link = new Link(0, leecher);
    o.outLinks.push(link);
    d.inLinks.push(link);
    link.unchoked = true;
    link.everInterested = true;
    link.interest = P - d.haveCount;
    queue(link);
  };

  const swarmMembers: number[] = [];
  const announce = (a: number, t: number) => {
    const na = nodes[a]!;
    const candidates = swarmMembers.length - 1;
    if (candidates > 0) {
      const want = Math.min(cfg.offersPerAnnounce, candidates);
      const chosen = new Set<number>();
      let guard = 0;
      while (chosen.size < want && guard++ < want * 20) {
        const b = swarmMembers[Math.floor(random() * swarmMembers.length)]!;
        if (b !== a) chosen.add(b);
      }
      for (const b of chosen) {
        const nb = nodes[b]!;
        if (na.neighbours.has(b)) continue;
        if (na.neighbours.size + na.pendingConns >= cfg.maxConns || nb.neighbours.size + nb.pendingConns >= cfg.maxConns) continue;
        if (isDone(a) && isDone(b)) continue; // two seeds have nothing to say
        na.pendingConns++;
        nb.pendingConns++;
        na.neighbours.add(b); // reserved: no duplicate offer while connecting
        nb.neighbours.add(a);
        events.push({ t: t + cfg.connectSeconds, kind: 3, a, b });
      }
    }
    events.push({ t: t + cfg.announceSeconds, kind: 1, a, b: 0 });
  };

  // ---- choking (webtorrent _rechoke)
  const rechoke = (u: number, t: number) => {
    const node = nodes[u]!;
    const links = node.outLinks;
    const span = Math.max(t - node.lastRechoke, 1e-9);
    node.lastRechoke = t;
    const ranked = links.map((l) => ({
      l,
      down: l.reverse ? (l.reverse.totalBits - l.snapDown) / span : 0,
      up: (l.totalBits - l.snapUp) / span,
      r: random(),
    }));
    for (const l of links) {
      l.snapUp = l.totalBits;
      l.snapDown = l.reverse ? l.reverse.totalBits : 0;
    }
    ranked.sort((a, b) => b.down - a.down || b.up - a.up || Number(b.l.unchoked) - Number(a.l.unchoked) || a.r - b.r);
    if (node.optimisticTime <= 0) node.optimistic = null;
    else node.optimisticTime--;
    const interested = (l: Link) => l.interest > 0 && !isDone(l.to);
    let unchoked = 0;
    let i = 0;
    for (; i < ranked.length && unchoked < cfg.uploadSlots - 1; i++) {
      const l = ranked[i]!.l;
      if (isDone(l.to) || l === node.optimistic) continue;
      unchoke(l);
      if (interested(l)) unchoked++;
    }
    const rest = ranked.slice(i).map((x) => x.l);
    if (node.optimistic === null && cfg.uploadSlots > 0) {
      const candidates = rest.filter(interested);
      if (candidates.length > 0) {
        const chosen = candidates[Math.floor(random() * candidates.length)]!;
        unchoke(chosen);
        node.optimistic = chosen;
        node.optimisticTime = cfg.optimisticRounds;
      }
    }
    for (const l of rest) if (l !== node.optimistic) choke(l);
    events.push({ t: t + cfg.rechokeSeconds, kind: 2, a: u, b: 0 });
  };

  // ---- schedule
  const join = (a: number, t: number) => {
    const node = nodes[a]!;
    node.joined = true;
    node.lastRechoke = t;
    const inMesh = a === 0 ? originIsPeer : leecherMesh;
    if (inMesh) {
      swarmMembers.push(a);
      announce(a, t);
      // each torrent's rechoke timer starts when it is ready: a random phase per peer
      events.push({ t: t + cfg.rechokeSeconds * (0.5 + random()), kind: 2, a, b: 0 });
    }
    // cs and hybrid: every leecher also asks the HTTP origin
    if (a !== 0 && !originIsPeer) events.push({ t: t + cfg.requestSeconds, kind: 3, a: 0, b: a });
  };
  if (originIsPeer) join(0, 0);
  for (let i = 1; i <= N; i++) {
    const t = cfg.startJitterSeconds > 0 ? random() * cfg.startJitterSeconds : 0;
    events.push({ t, kind: 0, a: i, b: 0 });
  }

  const handleEvent = (e: Event) => {
    switch (e.kind) {
      case 0:
        join(e.a, e.t);
        break;
      case 1:
        announce(e.a, e.t);
        break;
      case 2:
        rechoke(e.a, e.t);
        break;
      case 3: {
        if (e.a === 0 && !originIsPeer) {
          connectOrigin(e.b);
          break;
        }
        const na = nodes[e.a]!;
        const nb = nodes[e.b]!;
        na.pendingConns--;
        nb.pendingConns--;
        na.neighbours.delete(e.b);
        nb.neighbours.delete(e.a);
        connect(e.a, e.b);
        break;
      }
    }
  };

  // ---- main loop
  const upOffer = new Float64Array(N + 1);
  const downSum = new Float64Array(N + 1);
  const upUsed = new Float64Array(N + 1);
  const activeOut = new Int32Array(N + 1);
  const unsaturatedOut = new Int32Array(N + 1);
  const downScale = new Float64Array(N + 1);
  const downUsed = new Float64Array(N + 1);

  let t = 0;
  let steps = 0;
  let nextSample = 0;
  const sample = (at: number) => {
    let distinct = 0;
    let minCopies = Infinity;
    for (let p = 0; p < P; p++) {
      const c = leecherCopies[p]!;
      if (c > 0) distinct++;
      if (c < minCopies) minCopies = c;
    }
    coverage.push({ t: at, distinct, minCopies, serverBits: serverUpBits });
  };

  while (remaining > 0 && t < maxSeconds) {
    while (events.size > 0 && events.peek()!.t <= t) handleEvent(events.pop()!);
    if (t >= nextSample) {
      sample(t);
      nextSample += cfg.sampleSeconds;
    }
    while (pendingLinks.length > 0) {
      const l = pendingLinks.pop()!;
      l.pending = false;
      trySelect(l);
    }

    // rates
    for (const l of active) {
      activeOut[l.from]!++;
      upUsed[l.from] = 0;
      downSum[l.to] = 0;
      downUsed[l.to] = 0;
      unsaturatedOut[l.from] = 0;
    }
    for (const l of active) {
      const offer = nodes[l.from]!.up / activeOut[l.from]!;
      upOffer[l.from] = offer;
      downSum[l.to]! += offer;
    }
    for (const l of active) {
      const d = nodes[l.to]!.down;
      downScale[l.to] = downSum[l.to]! > d ? d / downSum[l.to]! : 1;
    }
    for (const l of active) {
      l.rate = upOffer[l.from]! * downScale[l.to]!;
      upUsed[l.from]! += l.rate;
      downUsed[l.to]! += l.rate;
      if (downScale[l.to]! >= 1) unsaturatedOut[l.from]!++;
    }
    // second pass: upload left by saturated downloaders goes to the others, within their headroom
    for (const l of active) downSum[l.to] = 0;
    for (const l of active) {
      if (downScale[l.to]! < 1 || unsaturatedOut[l.from]! === 0) continue;
      const extra = (nodes[l.from]!.up - upUsed[l.from]!) / unsaturatedOut[l.from]!;
      if (extra > 0) downSum[l.to]! += extra;
    }
    let maxRate = 0;
    let sumRate = 0;
    for (const l of active) {
      if (downScale[l.to]! >= 1 && unsaturatedOut[l.from]! > 0 && downSum[l.to]! > 0) {
        const extra = (nodes[l.from]!.up - upUsed[l.from]!) / unsaturatedOut[l.from]!;
        if (extra > 0) {
          const headroom = nodes[l.to]!.down - downUsed[l.to]!;
          const share = Math.max(0, Math.min(1, headroom / downSum[l.to]!));
          l.rate += extra * share;
        }
      }
      if (l.rate > maxRate) maxRate = l.rate;
      sumRate += l.rate;
    }
    for (const l of active) activeOut[l.from] = 0;

    // step length: a few steps per piece for the average link (a faster one finishes up to two pieces in a
    // step; each arrival is timed exactly within it), never past the next event or sample
    let dt = maxRate > 0 ? Math.min(cfg.pieceBits / (sumRate / active.length) / cfg.stepsPerPiece, (MAX_PIECES_PER_STEP * cfg.pieceBits) / maxRate) : Infinity;
    const nextEvent = events.size > 0 ? events.peek()!.t : Infinity;
    // Events (announces, rechokes, connections) are not step boundaries while data moves: with thousands of
    // peers they come every few ms; they run at the start of the next step instead (late by under a step).
    if (active.length === 0) dt = Math.max(nextEvent - t, 0);
    dt = Math.min(dt, Math.max(nextSample - t, 1e-9), maxSeconds - t);
    if (!(dt > 0)) dt = 1e-9;
    if (dt === Infinity) break; // nothing moves and nothing is scheduled

    // advance (iterate a snapshot: completions start new pieces and drop others)
    const snapshot = active.slice();
    for (const l of snapshot) {
      if (l.activeIndex < 0 || l.rate <= 0) continue;
      let bits = l.rate * dt;
      let at = t;
      while (bits > 0 && l.piece >= 0) {
        const need = pieceSize(l.piece) - l.progress;
        if (bits < need) {
          account(l, bits);
          l.progress += bits;
          bits = 0;
          break;
        }
        account(l, need);
        bits -= need;
        at += need / l.rate;
        receive(l, at);
        deactivate(l);
        if (!trySelect(l)) break; // pipelined: the next piece starts at once
      }
    }
    t += dt;
    steps++;
  }
  sample(t);

  function account(l: Link, bits: number) {
    l.totalBits += bits;
    const d = nodes[l.to]!;
    if (l.from === 0) {
      d.fromServer += bits;
      const before = serverUpBits;
      serverUpBits += bits;
      if (before < cfg.fileBits && serverUpBits >= cfg.fileBits && survivingAfterOneCopy === null) {
        let distinct = 0;
        for (let p = 0; p < P; p++) if (leecherCopies[p]! > 0) distinct++;
        survivingAfterOneCopy = distinct;
      }
    } else {
      d.fromPeers += bits;
      peersUpBits += bits;
    }
    nodes[l.from]!.uploaded += bits;
  }

  const leechers = nodes.slice(1);
  const completionSeconds = leechers.map((n) => n.doneAt);
  return {
    config: cfg,
    pieces: P,
    distributionSeconds: remaining === 0 ? Math.max(...completionSeconds) : Infinity,
    bound,
    completionSeconds,
    fromServerBits: leechers.map((n) => n.fromServer),
    fromPeersBits: leechers.map((n) => n.fromPeers),
    serverUpBits,
    peersUpBits,
    coverage,
    survivingAfterOneCopy,
    tailSeconds: leechers.map((n) => (n.doneAt < Infinity && n.at95 < Infinity ? n.doneAt - n.at95 : Infinity)),
    steps,
  };
}
