// What a link asks for next: webtorrent 3's `_updateWire` per wire (lib/torrent.js) — pieces by strategy,
// every free block of a piece until the pipeline is full, the speed ranker that keeps slow wires off pieces a
// faster wire would finish first, and `_hotswap`. Layer: client/lab (pure).
import type { Link, PeerNode } from "./swarm-model";

export type Strategy = "rarest" | "sequential";

/** webtorrent's SPEED_THRESHOLD (3 blocks/s) and BLOCK_LENGTH per second, in bits/s for 16 KiB blocks. */
export function speedThreshold(blockBits: number): number {
  return 3 * blockBits;
}

/** Requests a wire keeps in flight: 2 + ⌈duration·speed / block⌉ (getBlockPipelineLength). */
export function blockPipeline(speedBits: number, blockBits: number, durationSeconds: number): number {
  return 2 + Math.ceil((durationSeconds * speedBits) / blockBits);
}

/** Web seed requests in flight: min(1 + ⌈duration·speed / piece⌉, maxWebConns) (getPiecePipelineLength). */
export function webSeedPipeline(speedBits: number, pieceBits: number, durationSeconds: number, maxWebConns: number): number {
  return Math.min(1 + Math.ceil((durationSeconds * speedBits) / pieceBits), maxWebConns);
}

/**
 * The next piece `u` can send `d` (as `d` knows: bitfield and HAVEs) with a block `d` neither has nor has reserved: the lowest index
 * (sequential), or the fewest copies among `d`'s connected peers, random among ties (rarest). `accept` is
 * webtorrent's speed ranker (a slow wire skips pieces a faster one would finish first). -1 when there is none.
 */
export function pickPiece(strategy: Strategy, u: PeerNode, d: PeerNode, pieces: number, random: () => number, accept?: (p: number) => boolean, skip?: Set<number>): number {
  if (strategy === "sequential") {
    for (let p = d.firstMissing; p < pieces; p++) if (u.announced[p] && !d.have[p] && d.pieceFree[p]! > 0 && !skip?.has(p) && (!accept || accept(p))) return p;
    return -1;
  }
  for (;;) {
    let best = -1;
    let bestRarity = Infinity;
    let ties = 0;
    const rarity = d.rarity;
    for (let p = d.firstMissing; p < pieces; p++) {
      if (!u.announced[p] || d.have[p] || d.pieceFree[p]! <= 0 || skip?.has(p)) continue;
      const r = rarity[p]!;
      if (r < bestRarity) {
        bestRarity = r;
        best = p;
        ties = 1;
      } else if (r === bestRarity && random() * ++ties < 1) {
        best = p;
      }
    }
    if (best < 0 || !accept || accept(best)) return best;
    // rejected by the ranker: webtorrent tries the next rarest (its filter marks it tried)
    skip ??= new Set();
    skip.add(best);
  }
}

/** Reserves `d`'s free blocks of piece `p` on link `l`, in order, up to `max` requests queued. Returns how many. */
export function reserveBlocks(l: Link, d: PeerNode, p: number, max: number): number {
  const B = d.blocksPerPiece;
  const n = d.blocksIn(p);
  let taken = 0;
  for (let b = 0; b < n && l.queue.length < max; b++) {
    const id = p * B + b;
    if (d.blockGot[id] || d.blockRes[id]) continue;
    d.reserve(id);
    l.queue.push(id);
    taken++;
  }
  return taken;
}

/**
 * webtorrent's `_hotswap`: `l` (at least one block per second) takes piece `p`'s blocks from the slowest
 * other link holding them, if that one is below SPEED_THRESHOLD and at most half as fast. The victim's
 * requests stay queued (webtorrent cancels its reservations, not its requests), so those blocks may arrive
 * twice. Returns whether blocks were freed.
 */
export function hotswap(l: Link, d: PeerNode, p: number, speedOf: (link: Link) => number, blockBits: number): boolean {
  const speed = speedOf(l);
  if (speed < blockBits) return false;
  let victim: Link | null = null;
  let minSpeed = Infinity;
  const B = d.blocksPerPiece;
  for (const other of d.inLinks) {
    if (other === l) continue;
    if (!other.queue.some((id) => id >= 0 && Math.floor(id / B) === p)) continue;
    const otherSpeed = speedOf(other);
    if (otherSpeed >= speedThreshold(blockBits) || 2 * otherSpeed > speed || otherSpeed > minSpeed) continue;
    victim = other;
    minSpeed = otherSpeed;
  }
  if (!victim) return false;
  for (let i = 0; i < victim.queue.length; i++) {
    const id = victim.queue[i]!;
    if (id < 0 || Math.floor(id / B) !== p) continue;
    victim.queue[i] = -id - 1;
    d.unreserve(id);
  }
  return true;
}

/** Endgame: a missing block already requested from other links, not yet from `l`'s uploader (fewest first). */
export function pickEndgameBlock(l: Link, u: PeerNode, d: PeerNode, pieces: number): number {
  const B = d.blocksPerPiece;
  let best = -1;
  let fewest = Infinity;
  for (let p = d.firstMissing; p < pieces; p++) {
    if (!u.announced[p] || d.have[p]) continue;
    const n = d.blocksIn(p);
    for (let b = 0; b < n; b++) {
      const id = p * B + b;
      if (d.blockGot[id]) continue;
      const res = d.blockRes[id]!;
      if (res < fewest && !l.queue.includes(id)) {
        fewest = res;
        best = id;
      }
    }
  }
  return best;
}
