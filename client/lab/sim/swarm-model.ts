// The simulated swarm's state: peers (the origin is node 0), the directed links between them and the blocks
// each link has been asked for. Layer: client/lab (pure).
//
// Blocks are webtorrent's 16 KiB request unit (torrent-piece BLOCK_LENGTH): a piece is verified once all its
// blocks arrived, from whichever links. Block ids are global: piece · blocksPerPiece + index.

/** A directed link `from → to`: the blocks `to` asked `from` for, in order, and `from`'s choking state for `to`. */
export class Link {
  unchoked = false;
  everInterested = false;
  /** Pieces `from` has that `to` lacks (as `to` knows them: HAVEs arrive late). */
  interest = 0;
  /** Requested block ids, served in order; a negative entry (−id − 1) was hot-swapped away and is no reservation. */
  queue: number[] = [];
  /** Bits of the head block already moved. */
  progress = 0;
  /** Web seed: when each queued request (per piece) may start moving (HTTP latency); see `readyAt`. */
  readyAt: number[] = [];
  rate = 0;
  /** Weight in the uploader's split: 1 per wire; a web seed link counts its parallel HTTP responses. */
  weight = 1;
  /** webtorrent's wire.downloadSpeed(): bits/s received over the last seconds (an EWMA here). */
  speed = 0;
  speedAt = 0;
  totalBits = 0;
  /** totalBits of this link and of its reverse at `from`'s last rechoke, for the rate ranking. */
  snapUp = 0;
  snapDown = 0;
  activeIndex = -1;
  pending = false;
  reverse: Link | null = null;
  /** The origin as an HTTP server (cs) or a BEP 19 web seed (hybrid). */
  http: "cs" | "webseed" | null = null;
  /** cs: when the single GET's first byte may flow. */
  openAt = 0;
  constructor(
    readonly from: number,
    readonly to: number,
  ) {}

  /** The EWMA speed at `t` (decays while the link is idle). */
  speedNow(t: number, tau: number): number {
    if (t <= this.speedAt) return this.speed;
    return this.speed * Math.exp(-(t - this.speedAt) / tau);
  }

  /** Folds `rate` held over [speedAt, t] into the EWMA. */
  updateSpeed(t: number, rate: number, tau: number): void {
    const dt = t - this.speedAt;
    if (dt <= 0) return;
    const a = Math.exp(-dt / tau);
    this.speed = this.speed * a + rate * (1 - a);
    this.speedAt = t;
  }
}

export class PeerNode {
  /** Verified pieces. */
  readonly have: Uint8Array;
  /** Pieces the neighbours know of (bitfield at connection, then HAVEs, which arrive late). */
  readonly announced: Uint8Array;
  /** Per block: received. */
  readonly blockGot: Uint8Array;
  /** Per block: links holding a reservation for it (more than one only in endgame or after a hot-swap). */
  readonly blockRes: Uint8Array;
  /** Per piece: blocks received, and blocks neither received nor reserved (what a new request can take). */
  readonly pieceGot: Int32Array;
  readonly pieceFree: Int32Array;
  /** Copies of each piece among connected peers, as HAVEs told (only kept for leechers). */
  readonly rarity: Int32Array;
  haveCount = 0;
  firstMissing = 0;
  /** Blocks neither received nor reserved, over all pieces. */
  freeBlocks: number;
  outLinks: Link[] = [];
  inLinks: Link[] = [];
  neighbours = new Set<number>();
  pendingConns = 0;
  joined = false;
  left = false;
  doneAt = Infinity;
  at95 = Infinity;
  optimistic: Link | null = null;
  optimisticTime = 0;
  lastRechoke = 0;
  fromServer = 0;
  fromPeers = 0;
  /** Bits received twice (hot-swap, endgame). */
  duplicate = 0;
  uploaded = 0;
  constructor(
    readonly pieces: number,
    readonly blocksPerPiece: number,
    readonly lastPieceBlocks: number,
    readonly up: number,
    readonly down: number,
  ) {
    this.have = new Uint8Array(pieces);
    this.announced = new Uint8Array(pieces);
    this.blockGot = new Uint8Array(pieces * blocksPerPiece);
    this.blockRes = new Uint8Array(pieces * blocksPerPiece);
    this.pieceGot = new Int32Array(pieces);
    this.pieceFree = new Int32Array(pieces);
    for (let p = 0; p < pieces; p++) this.pieceFree[p] = this.blocksIn(p);
    this.freeBlocks = (pieces - 1) * blocksPerPiece + lastPieceBlocks;
    this.rarity = new Int32Array(pieces);
  }

  blocksIn(piece: number): number {
    return piece === this.pieces - 1 ? this.lastPieceBlocks : this.blocksPerPiece;
  }

  /** Marks every piece held (the origin, a seed). */
  fill(): void {
    this.have.fill(1);
    this.announced.fill(1);
    this.blockGot.fill(1);
    this.haveCount = this.pieces;
    this.firstMissing = this.pieces;
    for (let p = 0; p < this.pieces; p++) {
      this.pieceGot[p] = this.blocksIn(p);
      this.pieceFree[p] = 0;
    }
    this.freeBlocks = 0;
  }

  /** Reserves block `id` for one more link. */
  reserve(id: number): void {
    if (this.blockRes[id] === 0 && !this.blockGot[id]) {
      const p = Math.floor(id / this.blocksPerPiece);
      this.pieceFree[p]!--;
      this.freeBlocks--;
    }
    this.blockRes[id]!++;
  }

  /** Drops one link's reservation of block `id` (cancelled, or hot-swapped away). */
  unreserve(id: number): void {
    this.blockRes[id]!--;
    if (this.blockRes[id] === 0 && !this.blockGot[id]) {
      const p = Math.floor(id / this.blocksPerPiece);
      this.pieceFree[p]!++;
      this.freeBlocks++;
    }
  }

  /** Block `id` arrived (`owned`: on a link holding its reservation). Returns false for a duplicate. */
  receiveBlock(id: number, owned: boolean): boolean {
    if (owned) this.blockRes[id]!--;
    if (this.blockGot[id]) return false;
    const p = Math.floor(id / this.blocksPerPiece);
    // a block nobody holds a reservation for was counted free until now
    if (this.blockRes[id] === 0 && !owned) {
      this.pieceFree[p]!--;
      this.freeBlocks--;
    }
    this.blockGot[id] = 1;
    this.pieceGot[p]!++;
    return true;
  }

  /** Whether a request for block `id` is already queued on a link from `from`. */
  requestedFrom(from: number, id: number): boolean {
    for (const l of this.inLinks) if (l.from === from && l.queue.includes(id)) return true;
    return false;
  }
}
