// Choking: webtorrent 3's `_rechoke` (lib/torrent.js), run by each uploader every rechoke period.
// Layer: client/lab (pure).
import type { Link, PeerNode } from "./swarm-model";

export type RechokePlan = {
  /** Links to unchoke, best first (the rate ranking). */
  unchoke: Link[];
  /** Links to choke (choking drops the piece in flight). */
  choke: Link[];
};

/**
 * Ranks `node`'s links by the rate they sent it, then the rate it sent them, then already unchoked, then at
 * random; keeps the best unchoked until `uploadSlots − 1` interested non-seeders are, plus one optimistic
 * unchoke (a random interested peer among the rest) held for `optimisticRounds` more periods. Updates the
 * node's rate snapshots and optimistic slot.
 */
export function planRechoke(
  node: PeerNode,
  t: number,
  options: { uploadSlots: number; optimisticRounds: number },
  random: () => number,
  isDone: (peer: number) => boolean,
): RechokePlan {
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
  const unchoke: Link[] = [];
  let unchokedInterested = 0;
  let i = 0;
  for (; i < ranked.length && unchokedInterested < options.uploadSlots - 1; i++) {
    const l = ranked[i]!.l;
    if (isDone(l.to) || l === node.optimistic) continue;
    unchoke.push(l);
    if (interested(l)) unchokedInterested++;
  }
  const rest = ranked.slice(i).map((x) => x.l);
  if (node.optimistic === null && options.uploadSlots > 0) {
    const candidates = rest.filter(interested);
    if (candidates.length > 0) {
      const chosen = candidates[Math.floor(random() * candidates.length)]!;
      unchoke.push(chosen);
      node.optimistic = chosen;
      node.optimisticTime = options.optimisticRounds;
    }
  }
  return { unchoke, choke: rest.filter((l) => l !== node.optimistic) };
}
