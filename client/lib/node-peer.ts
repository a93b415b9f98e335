// A WebTorrent client for Node peers: WebRTC only (trackers introduce peers; no DHT, LSD, PEX, uTP, NAT-PMP/
// UPnP or web seeds), with the Node WebRTC fixes installed, one connection kept per peer when offers cross,
// a prompt re-announce after a failed handshake, rarest-first without its quadratic scan, one request update per
// event-loop turn, and no hot-swaps. Layer: client/lib, Node entry point.
import { Server } from "node:net";
import WebTorrent from "webtorrent";
import type { PieceStrategy, RtcConfig } from "webtorrent";
import { LOOPBACK_RTC as LOOPBACK } from "./deployment";
import { retryFailedHandshakes, type HandshakeRetryOptions } from "./handshake-retry";
import { coalesceUpdatesForClient } from "./coalesce-updates";
import { limitHotswapForClient, type HotswapRule } from "./hotswap";
import { resolveOfferGlare } from "./offer-glare";
import { skipHeldPiecesForClient } from "./rarest-first";
import { setClientIceServers } from "./rtc-refresh";
import { installNodeWebRtcFixes, libdatachannelIceServers } from "./webrtc-node";

export type { PieceStrategy, RtcConfig };

/** ICE on loopback only, no STUN/TURN: nothing leaves the machine (tests, local labs). */
export const LOOPBACK_RTC = LOOPBACK;

export type NodeClientOptions = {
  /**
   * Piece selection for torrents added without their own `strategy`: `"rarest"` (rarest first; what a swarm
   * needs to spread pieces) or `"sequential"` (in order; what streaming needs). Default: webtorrent's,
   * `"sequential"`.
   */
  strategy?: PieceStrategy;
  /** RTCPeerConnection configuration. Default LOOPBACK_RTC. */
  rtc?: RtcConfig;
  /** Re-announce soon after a failed WebRTC handshake (default on); `false` waits for the next interval. */
  handshakeRetry?: HandshakeRetryOptions | false;
  peerId?: string;
  /** Most connections per torrent (webtorrent default 55). */
  maxConns?: number;
  /** Upload cap for the whole client, bytes per second (default: none). */
  uploadLimit?: number;
  /** Download cap for the whole client, bytes per second (default: none). */
  downloadLimit?: number;
  /** Hot-swap (client/lib/hotswap.ts): never (default: it duplicated bytes for no time gained), only in the endgame, or always (webtorrent's). */
  hotswap?: HotswapRule;
  /**
   * Address of the TCP listener webtorrent always opens (it accepts BitTorrent-over-TCP peers, which a
   * WebRTC-only peer never gets): "127.0.0.1" by default, so nothing beyond loopback is bound; "0.0.0.0" or
   * "::" only when asked.
   */
  listenAddress?: string;
};

export function createNodeClient(options: NodeClientOptions = {}): WebTorrent {
  installNodeWebRtcFixes();
  const client = listeningOn(options.listenAddress ?? "127.0.0.1", () => new WebTorrent({
    peerId: options.peerId,
    maxConns: options.maxConns,
    uploadLimit: options.uploadLimit,
    downloadLimit: options.downloadLimit,
    tracker: { rtcConfig: forLibdatachannel(options.rtc ?? LOOPBACK_RTC) },
    // WebRTC only. webtorrent still opens a TCP listener that nothing dials with these off (see listeningOn).
    dht: false,
    lsd: false,
    utPex: false,
    utp: false,
    natUpnp: false,
    natPmp: false,
    webSeeds: false,
  }));
  if (options.strategy) useDefaultStrategy(client, options.strategy);
  resolveOfferGlare(client);
  skipHeldPiecesForClient(client);
  coalesceUpdatesForClient(client);
  if (options.hotswap !== "always") limitHotswapForClient(client, options.hotswap ?? "never");
  if (options.handshakeRetry !== false) retryFailedHandshakes(client, options.handshakeRetry);
  return client;
}

/** Hands fresh ICE servers (e.g. renewed TURN credentials) to the client's next connections. */
export function setNodeIceServers(client: WebTorrent, iceServers: RTCIceServer[]): void {
  setClientIceServers(client, libdatachannelIceServers(iceServers));
}

/** A copy (the client's own object, which refreshes change in place) with TURN credentials escaped. */
function forLibdatachannel(rtc: RtcConfig): RtcConfig {
  return { ...rtc, iceServers: libdatachannelIceServers(rtc.iceServers ?? []) };
}

/**
 * webtorrent 3 starts its TCP listener inside its constructor (lib/conn-pool.js: `tcpServer.listen(port, cb)`)
 * and has no option for its address, so it would bind every interface. For that one synchronous call, a
 * `listen(port[, cb])` without an address gets `host`; every other listen is left as it is.
 */
function listeningOn<T>(host: string, construct: () => T): T {
  const listen = Server.prototype.listen;
  const original = listen as (this: Server, ...args: unknown[]) => Server;
  Server.prototype.listen = function (this: Server, ...args: unknown[]) {
    const portOnly = typeof args[0] === "number" && args.length <= 2 && (args[1] === undefined || typeof args[1] === "function");
    return original.apply(this, portOnly ? [args[0], host, ...args.slice(1)] : args);
  } as typeof listen;
  try {
    return construct();
  } finally {
    Server.prototype.listen = listen;
  }
}

/** Torrents added (or seeded: `seed` goes through `add`) without a `strategy` get this one. */
function useDefaultStrategy(client: WebTorrent, strategy: PieceStrategy): void {
  const add = client.add.bind(client);
  client.add = (torrentId, opts, ontorrent) =>
    typeof opts === "function" ? add(torrentId, { strategy }, opts) : add(torrentId, { strategy, ...opts }, ontorrent);
}
