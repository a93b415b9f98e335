// Typings for the parts of webtorrent 3 (untyped JavaScript) that edgeswarm uses. Extend as the library grows.
declare module "webtorrent" {
  import { EventEmitter } from "node:events";

  export type PieceStrategy = "sequential" | "rarest";

  /** A magnet URI, an info hash, .torrent bytes, or a parsed torrent (parse-torrent's shape). */
  export type TorrentId = string | Uint8Array | { infoHash: string; [field: string]: unknown };

  /** RTCPeerConnection configuration; `bindAddress` is node-datachannel's (which local address ICE binds). */
  export interface RtcConfig extends RTCConfiguration {
    bindAddress?: string;
  }

  export interface TrackerOptions {
    rtcConfig?: RtcConfig;
    announce?: string[];
    getAnnounceOpts?: () => Record<string, unknown>;
  }

  export interface WebTorrentOptions {
    peerId?: string | Uint8Array;
    nodeId?: string | Uint8Array;
    tracker?: TrackerOptions | false;
    dht?: boolean | Record<string, unknown>;
    lsd?: boolean;
    utPex?: boolean;
    utp?: boolean;
    natUpnp?: boolean | "permanent";
    natPmp?: boolean;
    webSeeds?: boolean;
    maxConns?: number;
    torrentPort?: number;
    downloadLimit?: number;
    uploadLimit?: number;
    seedOutgoingConnections?: boolean;
    secure?: number;
    userAgent?: string;
  }

  export interface TorrentOptions {
    announce?: string[];
    /** Folder the files are stored in (default: the OS temp folder). */
    path?: string;
    strategy?: PieceStrategy;
    private?: boolean;
    /** Name of a torrent seeded from bytes. */
    name?: string;
    createdBy?: string;
    comment?: string;
    pieceLength?: number;
    destroyStoreOnDestroy?: boolean;
    skipVerify?: boolean;
    paused?: boolean;
    deselect?: boolean;
    uploads?: number | false;
    maxWebConns?: number;
  }

  /** A WebRTC connection (simple-peer) as webtorrent and bittorrent-tracker hand it out. */
  export interface WebRtcConnection extends EventEmitter {
    id?: string;
    connected: boolean;
    destroyed: boolean;
    destroy(error?: Error): void;
  }

  export interface Wire extends EventEmitter {
    peerId: string;
    type: string;
    remoteAddress?: string;
    downloaded: number;
    uploaded: number;
    destroy(): void;
  }

  export interface TorrentFile {
    readonly name: string;
    readonly path: string;
    readonly length: number;
    readonly offset: number;
    readonly downloaded: number;
    readonly progress: number;
    arrayBuffer(opts?: { start?: number; end?: number }): Promise<ArrayBuffer>;
    createReadStream(opts?: { start?: number; end?: number }): NodeJS.ReadableStream;
    select(priority?: number): void;
    deselect(): void;
  }

  export interface TorrentEvents {
    infoHash: [];
    metadata: [];
    ready: [];
    done: [];
    seed: [];
    close: [];
    error: [error: Error | string];
    warning: [error: Error | string];
    wire: [wire: Wire, addr?: string];
    peer: [peer: string | WebRtcConnection];
    invalidPeer: [peer: string | WebRtcConnection];
    download: [bytes: number];
    upload: [bytes: number];
    noPeers: [announceType: string];
    trackerAnnounce: [];
    verified: [index: number];
  }

  export interface Torrent extends EventEmitter<TorrentEvents> {
    readonly infoHash: string;
    readonly magnetURI: string;
    readonly torrentFile: Uint8Array;
    readonly name: string;
    readonly announce: string[];
    readonly files: TorrentFile[];
    readonly length: number;
    readonly pieceLength: number;
    readonly wires: Wire[];
    readonly numPeers: number;
    readonly downloaded: number;
    readonly uploaded: number;
    readonly received: number;
    readonly progress: number;
    readonly ready: boolean;
    readonly done: boolean;
    readonly destroyed: boolean;
    readonly paused: boolean;
    readonly path: string;
    strategy: PieceStrategy;
    /** torrent-discovery: `tracker` is bittorrent-tracker's Client (null once destroyed). */
    readonly discovery: { tracker: { update(opts?: Record<string, unknown>): void } | null } | null;
    /** Adds a peer: an "ip:port" address or a WebRTC connection. False when refused (e.g. a duplicate). */
    addPeer(peer: string | WebRtcConnection, source?: string): boolean;
    removePeer(peer: string | WebRtcConnection): void;
    destroy(opts?: { destroyStore?: boolean }, cb?: (error: Error | null) => void): void;
    pause(): void;
    resume(): void;
  }

  export interface WebTorrentEvents {
    ready: [];
    listening: [];
    add: [torrent: Torrent];
    torrent: [torrent: Torrent];
    seed: [torrent: Torrent];
    remove: [torrent: Torrent];
    error: [error: Error | string];
    download: [bytes: number];
    upload: [bytes: number];
  }

  export type SeedInput = string | Uint8Array | NodeJS.ReadableStream | Array<string | Uint8Array | NodeJS.ReadableStream>;

  export default class WebTorrent extends EventEmitter<WebTorrentEvents> {
    constructor(opts?: WebTorrentOptions);
    static readonly WEBRTC_SUPPORT: boolean;
    readonly peerId: string;
    readonly torrents: Torrent[];
    readonly ready: boolean;
    readonly destroyed: boolean;
    readonly tracker: TrackerOptions | false;
    add(torrentId: TorrentId, opts?: TorrentOptions | ((torrent: Torrent) => void), ontorrent?: (torrent: Torrent) => void): Torrent;
    seed(input: SeedInput, opts?: TorrentOptions | ((torrent: Torrent) => void), onseed?: (torrent: Torrent) => void): Torrent;
    get(torrentId: TorrentId | Torrent): Promise<Torrent | null>;
    remove(torrentId: TorrentId | Torrent, opts?: { destroyStore?: boolean }, cb?: (error: Error | null) => void): Promise<void>;
    destroy(cb?: (error: Error | null) => void): void;
  }
}
