// Rarest-first without the quadratic scan. webtorrent 3 (lib/torrent.js trySelectWire) asks its rarity map for
// the rarest piece a wire has, then tries to request it; the filter it passes does not leave out pieces this
// peer already holds, so a held piece is picked, fails (`_request` checks the bitfield), is marked tried and
// the map is scanned again — up to P scans of P pieces per wire, on every block received and every HAVE. Late
// in a download nearly every piece is held and each update costs P²·wires: in the lab (issue 13) peer hosts'
// event loops stalled for seconds and the last 5% of the pieces took up to 46 s at N = 16 with 256 pieces.
// Leaving held pieces out changes no choice (they can never be requested) and makes a scan O(P).
// Layer: client/lib (Node and browser; no platform imports).
import type WebTorrent from "webtorrent";
import type { Torrent } from "webtorrent";

/** webtorrent 3 internals used here: the rarity map (created with the metadata) and the bitfield of held pieces. */
type RarityMapLike = { getRarestPiece(filter?: (piece: number) => boolean): number };
type TorrentInternals = Torrent & { _rarityMap?: RarityMapLike | null; bitfield?: { get(piece: number): boolean } | null };

const patched = new WeakSet<object>();

/** Makes one torrent's rarity map skip held pieces (once its metadata, and so its map, exists). */
export function skipHeldPieces(torrent: Torrent): void {
  const t = torrent as TorrentInternals;
  const apply = () => {
    const map = t._rarityMap;
    if (!map || patched.has(map)) return;
    patched.add(map);
    const rarest = map.getRarestPiece.bind(map);
    map.getRarestPiece = (filter) => rarest((piece) => !t.bitfield?.get(piece) && (!filter || filter(piece)));
  };
  if (t._rarityMap) apply();
  else torrent.once("metadata", apply);
}

/** Applies it to every torrent the client holds or adds. Returns a function that stops for new ones. */
export function skipHeldPiecesForClient(client: WebTorrent): () => void {
  const onAdd = (torrent: Torrent) => skipHeldPieces(torrent);
  for (const torrent of client.torrents) onAdd(torrent);
  client.on("add", onAdd);
  return () => client.off("add", onAdd);
}
