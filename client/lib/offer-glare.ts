// Offer glare: two peers that announce at about the same time each get the other's offer, so there are two
// connections between them. webtorrent keeps whichever registered first on each side and refuses the other as
// a duplicate, so each side may keep a different one — each then waits on a connection the other side has
// dropped, until webtorrent's 25 s connect timeout, and refuses that peer's fresh offers meanwhile. Here both
// sides keep the same one: the connection offered by the peer with the smaller peer id.
// Layer: client/lib (Node and browser; no platform imports).
import type WebTorrent from "webtorrent";
import type { Torrent, WebRtcConnection } from "webtorrent";

/** simple-peer marks the side that made the offer. */
type Connection = WebRtcConnection & { initiator?: boolean };

/** webtorrent 3 internal used here: the torrent's registry of peers (webtorrent's Peer), by peer id. */
type TorrentInternals = {
  _peers?: Map<string, { type: string; connected: boolean; conn: Connection | null }>;
};

/** Connections dropped in favour of their twin; their close is not a failed handshake. */
const superseded = new WeakSet<object>();

export function wasSuperseded(connection: object): boolean {
  return superseded.has(connection);
}

/** Applies the rule to every torrent the client holds or adds. Returns a function that stops for new ones. */
export function resolveOfferGlare(client: WebTorrent): () => void {
  const onAdd = (torrent: Torrent) => keepOneConnectionPerPeer(torrent, client.peerId);
  for (const torrent of client.torrents) onAdd(torrent);
  client.on("add", onAdd);
  return () => client.off("add", onAdd);
}

function keepOneConnectionPerPeer(torrent: Torrent, localPeerId: string): void {
  const internals = torrent as unknown as TorrentInternals;
  const addPeer = torrent.addPeer.bind(torrent);
  // Both sides compute the same answer: keep the connection whose offerer has the smaller peer id.
  const isKept = (connection: Connection) => connection.initiator === (localPeerId < (connection.id ?? ""));

  // Discovery hands every tracker-introduced connection to `addPeer`, where webtorrent refuses duplicates.
  torrent.addPeer = (peer, source) => {
    if (typeof peer !== "string" && peer.id) {
      const existing = internals._peers?.get(peer.id);
      if (existing?.type === "webrtc" && !existing.connected && existing.conn && isKept(peer) && !isKept(existing.conn)) {
        superseded.add(existing.conn);
        torrent.removePeer(peer.id);
      }
    }
    return addPeer(peer, source);
  };
}
