// Which piece a link carries next: webtorrent 3's selection per wire. Layer: client/lab (pure).
import type { PeerNode } from "./swarm-model";

export type Strategy = "rarest" | "sequential";

/**
 * The next piece `u` can send `d` that `d` neither has nor awaits: the lowest index (sequential), or the one
 * with fewest copies among `d`'s connected peers, random among ties (rarest). -1 when there is none.
 */
export function pickPiece(strategy: Strategy, u: PeerNode, d: PeerNode, pieces: number, random: () => number): number {
  if (strategy === "sequential") {
    for (let p = d.firstMissing; p < pieces; p++) if (u.have[p] && !d.have[p] && !d.inFlight[p]) return p;
    return -1;
  }
  let best = -1;
  let bestRarity = Infinity;
  let ties = 0;
  const rarity = d.rarity;
  for (let p = d.firstMissing; p < pieces; p++) {
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
}

/** Endgame: a missing piece already in flight from other peers (fewest first), not yet from `u`. */
export function pickEndgamePiece(u: PeerNode, from: number, d: PeerNode, pieces: number): number {
  let best = -1;
  let fewest = Infinity;
  for (let p = d.firstMissing; p < pieces; p++) {
    if (!u.have[p] || d.have[p]) continue;
    const flights = d.inFlight[p]!;
    if (flights === 0) return p; // a free piece after all
    if (flights < fewest && !d.requestedFrom(from, p)) {
      fewest = flights;
      best = p;
    }
  }
  return best;
}
