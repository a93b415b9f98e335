// Every torrent of a client announces on its swarm's own tracker socket of this deployment
// (`/announce/<info hash>`), and its magnet and .torrent say so. A new seed's info hash is only known once
// create-torrent has hashed the files, and the announce list is not part of the info dictionary (BEP 3), so
// seeds are created with no tracker at all (`announce: []`: create-torrent then adds none, never public ones)
// and the swarm URL goes in here, the moment the hash is known and before WebTorrent derives the magnet, the
// .torrent and the tracker client from the parsed torrent. One hashing pass, no placeholder URL.
// Layer: client/lib (platform-neutral; works on WebTorrent's Node and browser builds).
import type WebTorrent from "webtorrent";
import type { Torrent } from "webtorrent";
import { withSocketTag } from "./deployment";

/** webtorrent 3 (lib/torrent.js): the step that merges a parsed torrent into the Torrent, then derives
 * `magnetURI`, `torrentFile` and `announce` (read by discovery when it starts). Runs for the torrent id and
 * again when metadata arrives from peers. */
type ParsedTorrent = { infoHash?: string; announce?: string[]; xs?: unknown; peerAddresses?: unknown };
type TorrentInternals = Torrent & { _processParsedTorrent?: (parsed: ParsedTorrent) => void; announce: string[] };

export type SwarmAnnounceOptions = {
  /** The swarm socket URL of an info hash. */
  swarmUrl: (infoHash: string) => string;
  /**
   * Whether trackers named by the torrent itself (a magnet from elsewhere) are kept after ours. Default true
   * here; the library's peers pass false unless asked (PeerOptions.keepOtherTrackers); a function decides per
   * tracker (a page keeps only the WebSocket ones the user has not removed). Exact sources (`xs=`) and peer
   * addresses (`x.pe=`) are always dropped.
   */
  keepOtherTrackers?: boolean | ((url: string, infoHash: string) => boolean);
  /** A tag for this client's own tracker socket (see `withSocketTag`); not written into magnets or .torrents. */
  socketTag?: string;
};

/** Applies to every torrent the client holds or adds. Returns a function that stops for new ones. */
export function announceOnSwarmSockets(client: WebTorrent, options: SwarmAnnounceOptions): () => void {
  const onAdd = (torrent: Torrent) => hook(torrent as TorrentInternals, options);
  for (const torrent of client.torrents) onAdd(torrent);
  client.on("add", onAdd);
  return () => client.off("add", onAdd);
}

function hook(torrent: TorrentInternals, options: SwarmAnnounceOptions): void {
  const original = torrent._processParsedTorrent;
  if (typeof original !== "function") {
    // A WebTorrent without this step would announce wherever its metadata says: refuse loudly instead.
    throw new Error("webtorrent: Torrent#_processParsedTorrent is missing; client/lib/swarm-announce.ts needs updating");
  }
  torrent._processParsedTorrent = function (parsed: ParsedTorrent) {
    // A link's `xs=` makes WebTorrent fetch that URL for the metadata and its `x.pe=` dial those addresses
    // over TCP: hosts of the link author's choosing. A WebRTC peer introduced by trackers needs neither.
    // (Deleted, not set to undefined: magnet-uri's encoder reads every key present.)
    delete parsed.xs;
    if (parsed.peerAddresses !== undefined) parsed.peerAddresses = [];
    const ours = parsed.infoHash ? options.swarmUrl(parsed.infoHash) : null;
    if (ours) {
      // WebTorrent appends `this.announce` (the add options' list, or what an earlier pass left, possibly
      // tagged) to the parsed list: fold it in here instead. `parsed` is the torrent itself when the torrent id
      // carried the metadata.
      const incoming = [...(parsed.announce ?? []), ...(parsed === this ? [] : (this.announce ?? []))];
      const ourHost = hostOf(ours);
      // Other URLs of this deployment (its gateway, another swarm's socket, a tagged copy) would only announce
      // the same peer twice.
      const keep = options.keepOtherTrackers;
      const others =
        keep === false ? [] : incoming.filter((url) => hostOf(url) !== ourHost && (typeof keep !== "function" || keep(url, parsed.infoHash!)));
      this.announce = [];
      parsed.announce = [...new Set([ours, ...others])];
    }
    original.call(this, parsed);
    // The magnet and .torrent are derived; the tracker client (started later) gets the tagged URL.
    if (ours && options.socketTag) {
      this.announce = this.announce.map((url) => (url === ours ? withSocketTag(url, options.socketTag) : url));
    }
  };
}

function hostOf(url: string): string | null {
  try {
    return new URL(url).host;
  } catch {
    return null;
  }
}
