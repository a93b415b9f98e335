// The simulated swarm's state: peers (the origin is node 0) and the directed links between them.
// Layer: client/lab (pure).

/** A directed link `from → to`: at most one piece in flight, with the choking state `from` keeps for `to`. */
export class Link {
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

export class PeerNode {
  readonly have: Uint8Array;
  /** Requests in flight per piece (more than one only in endgame). */
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

  /** Whether a request for `piece` is already in flight to this node from `from`. */
  requestedFrom(from: number, piece: number): boolean {
    for (const l of this.inLinks) if (l.from === from && l.piece === piece) return true;
    return false;
  }

  /** Requests in flight to this node. */
  requestsInFlight(): number {
    let n = 0;
    for (const l of this.inLinks) if (l.piece >= 0) n++;
    return n;
  }
}
