// Hot-swapping, limited. webtorrent 3 (lib/torrent.js `_hotswap`) lets a wire that cannot fill its request
// pipeline take blocks reserved by a wire under 3 blocks/s and at most half as fast — but the slow wire's
// requests stay out (its peer has usually answered them already), so both copies arrive. Measured in the lab
// (issue 13, p2p, N = 16, 8 MiB in 256 pieces): always (webtorrent) 5.2% of the bytes twice, only in the
// endgame 2.9%, never 0% — at the same distribution time (62.1 s on a busier machine, 58.6 s, 58.2 s against a
// 53.7 s bound) and the same tail (3.3–3.8 s from 95% to 100%). So edgeswarm's peers do not hot-swap by default;
// a wire that stalls outright is still dropped by webtorrent's 30 s piece timeout, and its blocks re-requested.
// Layer: client/lib (Node and browser; no platform imports).
import type WebTorrent from "webtorrent";
import type { Torrent } from "webtorrent";

/** torrent-piece's Piece: blocks handed out so far, blocks given back (cancelled), blocks in all. */
type PieceLike = { _chunks: number; _reservations: number; _cancellations: number[] | null } | null;
type TorrentInternals = Torrent & { _hotswap?: (wire: unknown, index: number) => boolean; pieces: PieceLike[] };

const done = new WeakSet<object>();

/** Whether any missing piece still has a block nobody has asked for (verified pieces are null). */
export function hasUnrequestedBlock(pieces: readonly PieceLike[]): boolean {
  for (const piece of pieces) {
    if (!piece) continue;
    if (piece._reservations < piece._chunks || (piece._cancellations?.length ?? 0) > 0) return true;
  }
  return false;
}

export type HotswapRule = "always" | "endgame" | "never";

/** Turns a torrent's hot-swaps off ("never") or limits them to the endgame (once no block is left unrequested). */
export function limitHotswap(torrent: Torrent, rule: Exclude<HotswapRule, "always"> = "never"): void {
  const t = torrent as TorrentInternals;
  if (done.has(t) || typeof t._hotswap !== "function") return;
  done.add(t);
  const hotswap = t._hotswap.bind(t);
  t._hotswap = (wire, index) => (rule === "never" || hasUnrequestedBlock(t.pieces) ? false : hotswap(wire, index));
}

/** Applies a rule to every torrent the client holds or adds. Returns a function that stops for new ones. */
export function limitHotswapForClient(client: WebTorrent, rule: Exclude<HotswapRule, "always"> = "never"): () => void {
  const onAdd = (torrent: Torrent) => limitHotswap(torrent, rule);
  for (const torrent of client.torrents) onAdd(torrent);
  client.on("add", onAdd);
  return () => client.off("add", onAdd);
}
