// The client library's browser entry: an edgeswarm peer on WebTorrent's browser build, which the page passes
// in (`import WebTorrent from "webtorrent/dist/webtorrent.min.js"`), so this module bundles no WebTorrent of
// its own. Pieces are checked by WebTorrent as they arrive; a finished download is read back from its store
// and checked again. Directory replies get the light shape checks unless zod parsers are passed.
// Layer: client/lib, browser entry point.
import type WebTorrent from "webtorrent";
import type { Torrent, WebTorrentOptions } from "webtorrent";
import type { PeerRtcConfig } from "./deployment";
import type { ReplyParsers } from "./directory-client";
import { DiskError } from "./errors";
import { formatBytes } from "./format";
import { retryFailedHandshakes } from "./handshake-retry";
import { resolveOfferGlare } from "./offer-glare";
import { limitHotswapForClient } from "./hotswap";
import { skipHeldPiecesForClient } from "./rarest-first";
import { EdgeswarmPeer, type PeerOptions, type PeerPlatform } from "./peer";
import { verifyPieces, webCryptoSha1, type VerifyResult } from "./piece-verify";
import { setClientIceServers } from "./rtc-refresh";
import { announceOnSwarmSockets } from "./swarm-announce";

export * from "./index";
export { browserTrackers, magnetTrackers, readTorrentMeta, TorrentMetaError } from "./torrent-meta";
export type { TorrentMeta } from "./torrent-meta";
export { removeTracker } from "./trackers";

export type WebTorrentConstructor = new (options?: WebTorrentOptions) => WebTorrent;

export type BrowserPeerOptions = PeerOptions & {
  /** WebTorrent's browser build (its default export). */
  WebTorrent: WebTorrentConstructor;
  /** Reply checks for the directory (default: light shape checks; pass `zodParsers` for the full schemas). */
  parsers?: ReplyParsers;
  /** Upload and download caps for the whole client, bytes per second. */
  uploadLimit?: number;
  downloadLimit?: number;
};

/** A peer for the page; `server` defaults to the page's own origin. */
export function createBrowserPeer(options: BrowserPeerOptions): EdgeswarmPeer {
  const server = options.server ?? globalThis.location?.origin;
  return new EdgeswarmPeer({ ...options, server }, browserPlatform(options));
}

export type BrowserClientOptions = {
  WebTorrent: WebTorrentConstructor;
  rtc: Pick<PeerRtcConfig, "iceServers">;
  uploadLimit?: number;
  downloadLimit?: number;
  /** Every torrent announces on this swarm socket URL (and its magnet and .torrent say so); none if absent. */
  swarmUrl?: (infoHash: string) => string;
  /** Which trackers a torrent names besides ours are used (default: none). */
  keepTracker?: (url: string, infoHash: string) => boolean;
};

/**
 * A WebTorrent browser client as edgeswarm peers run it: WebRTC only, introduced by trackers, with the
 * library's fixes for offer glare and failed handshakes. The page uses it directly; `createBrowserPeer` too.
 */
export function createBrowserWebTorrent(options: BrowserClientOptions): WebTorrent {
  const client = new options.WebTorrent({
    // Browsers pick their own local addresses: only the ICE servers are passed on.
    tracker: { rtcConfig: { iceServers: options.rtc.iceServers } },
    // Trackers introduce every peer; the rest would only try outside hosts.
    dht: false,
    lsd: false,
    utPex: false,
    webSeeds: false,
    uploadLimit: options.uploadLimit,
    downloadLimit: options.downloadLimit,
  });
  if (options.swarmUrl) announceOnSwarmSockets(client, { swarmUrl: options.swarmUrl, keepOtherTrackers: options.keepTracker ?? false });
  resolveOfferGlare(client);
  skipHeldPiecesForClient(client);
  limitHotswapForClient(client);
  retryFailedHandshakes(client);
  return client;
}

export function browserPlatform(options: BrowserPeerOptions): PeerPlatform {
  return {
    // EdgeswarmPeer adds the swarm-socket announce itself.
    createClient: (rtc: PeerRtcConfig) =>
      createBrowserWebTorrent({ WebTorrent: options.WebTorrent, rtc, uploadLimit: options.uploadLimit, downloadLimit: options.downloadLimit }),
    setIceServers: setClientIceServers,
    parsers: options.parsers,
    checkRoom: checkStorage,
    verify: verifyFromStore,
  };
}

/** Refuses a download the origin's storage quota cannot hold (where the browser tells). */
async function checkStorage(_path: string, bytes: number): Promise<void> {
  const estimate = await globalThis.navigator?.storage?.estimate?.().catch(() => undefined);
  if (!estimate?.quota || estimate.usage === undefined) return;
  const free = estimate.quota - estimate.usage;
  if (bytes > free) throw new DiskError(`not enough browser storage: ${formatBytes(bytes)} needed, ${formatBytes(free)} free`);
}

/** webtorrent 3 internal: the piece hashes of the metadata (hex), kept once pieces become Piece objects. */
type WithHashes = Torrent & { _hashes?: string[] };

/**
 * Reads a finished torrent back from its chunk store and checks every piece, or the pieces in `only` (a
 * partial download); null where WebCrypto is missing.
 */
async function verifyFromStore(torrent: Torrent, only?: ReadonlySet<number>): Promise<VerifyResult | null> {
  const hashes = (torrent as WithHashes)._hashes;
  if (!hashes || typeof crypto === "undefined" || !crypto.subtle) return null; // insecure context: no WebCrypto
  if (only) return verifyStoredPieces(torrent as StoreTorrent, hashes, only);
  const files = [...torrent.files].sort((a, b) => a.offset - b.offset);
  async function* chunks(): AsyncGenerator<Uint8Array> {
    for (const file of files) {
      if (file.length === 0) continue;
      for await (const chunk of file.createReadStream() as AsyncIterable<Uint8Array>) yield chunk;
    }
  }
  return verifyPieces({ pieceLength: torrent.pieceLength, length: torrent.length, hashes }, chunks(), webCryptoSha1);
}

/** webtorrent 3 internal: the torrent's chunk store (one chunk per piece). */
type StoreTorrent = Torrent & { store: { get(index: number, opts: { length?: number }, cb: (error: Error | null, buf?: Uint8Array) => void): void } };

/**
 * Checks chosen pieces straight from the chunk store. A file's read stream would not do: it selects (and so
 * fetches) the pieces it reads, also those of files not chosen.
 */
async function verifyStoredPieces(torrent: StoreTorrent, hashes: string[], only: ReadonlySet<number>): Promise<VerifyResult> {
  const badPieces: number[] = [];
  let bytes = 0;
  const last = hashes.length - 1;
  for (const index of [...only].sort((a, b) => a - b)) {
    const length = index === last ? torrent.length - index * torrent.pieceLength : torrent.pieceLength;
    const buf = await new Promise<Uint8Array | null>((resolve) => torrent.store.get(index, { length }, (error, data) => resolve(error || !data ? null : data)));
    if (!buf || buf.length !== length || (await webCryptoSha1(buf)) !== hashes[index]) badPieces.push(index);
    bytes += buf?.length ?? 0;
  }
  return { ok: badPieces.length === 0, badPieces, bytes };
}
