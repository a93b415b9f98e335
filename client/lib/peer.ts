// An edgeswarm peer: seeds files (publishing them to the directory) and downloads torrents found by magnet,
// info hash or search words, over WebRTC with peers this deployment's tracker introduces. The WebTorrent client
// and everything platform-specific (files, WebRTC, hashing) come in through `PeerPlatform`; node.ts and
// browser.ts build one. Layer: client/lib (platform-neutral core).
import type WebTorrent from "webtorrent";
import type { PieceStrategy, SeedInput, Torrent, TorrentOptions } from "webtorrent";
import type { PublishResponse, SearchHit, TorrentDetails } from "../../protocol/directory";
import { DEFAULT_SERVER, deployment, rtcConfigFor, type Deployment, type PeerRtcConfig } from "./deployment";
import { DirectoryClient, type ReplyParsers } from "./directory-client";
import { Emitter } from "./emitter";
import { EdgeswarmError, NoPeersError, NotFoundError, StoppedError, UnsafeNameError, VerificationError, asEdgeswarmError } from "./errors";
import { applySelection, checkSelection, piecesOfSelection, selectionDone } from "./file-selection";
import { formatDuration } from "./format";
import type { VerifyResult } from "./piece-verify";
import { progressOf, type Progress, type TorrentLike } from "./progress";
import { keepRtcConfigFresh } from "./rtc-refresh";
import { announceOnSwarmSockets } from "./swarm-announce";
import { magnetWebSeeds } from "./torrent-meta";
import { assistWithWebSeed, type WebSeedAssist, type WebSeedStats } from "./web-seed-assist";
import type { WebSeedPolicy } from "./web-seed-policy";
import { parseTarget, type Target } from "./targets";
import { layoutProblem } from "./torrent-layout";

export type { PieceStrategy, Progress };

export type PeerOptions = {
  /** The deployment: `http(s)://host[:port]`. Default http://127.0.0.1:8787. */
  server?: string;
  /** Piece selection: `"rarest"` (default; spreads pieces through a swarm) or `"sequential"` (streaming). */
  strategy?: PieceStrategy;
  /**
   * Upload slots per torrent: how many interested peers WebTorrent's rechoke (every 10 s, by transfer rate,
   * tit-for-tat) keeps unchoked, plus one optimistic unchoke. Default WebTorrent's, 10.
   */
  uploads?: number;
  /** RTCPeerConnection configuration; default: the deployment's (GET /api/rtc-config). */
  rtc?: PeerRtcConfig;
  /**
   * Gives this peer its own tracker WebSocket. Needed only when several peers of one process share a swarm
   * (tests, labs): bittorrent-tracker shares one socket per URL per process (see deployment.ts withSocketTag).
   */
  socketTag?: string;
  /** Give up a download when no peer is connected for this long (from the start, or after the last left). Default 60 s; 0 waits forever. */
  noPeersTimeoutMs?: number;
  /** How often downloads emit `progress`. Default 500 ms. */
  progressIntervalMs?: number;
  /** Directory client to use (default: one for `server`, with the platform's reply checks). */
  directory?: DirectoryClient;
  /**
   * Also announce to trackers a magnet or .torrent names besides this deployment (default false: a link from
   * a stranger would otherwise make this peer contact, and reveal itself to, hosts of the stranger's choosing).
   */
  keepOtherTrackers?: boolean;
};

/** What a platform (Node, a browser) provides. */
export type PeerPlatform = {
  /** A WebTorrent client for WebRTC peers with this ICE configuration (no DHT, LSD, PEX, web seeds). */
  createClient(rtc: PeerRtcConfig): WebTorrent;
  /** Gives a client's next connections fresh ICE servers (renewed TURN credentials); without it, none are renewed. */
  setIceServers?(client: WebTorrent, iceServers: RTCIceServer[]): void;
  /** Reply checks for the directory client. */
  parsers?: ReplyParsers;
  fetch?: typeof fetch;
  /** Checks seed inputs and says where WebTorrent should store copies; `cleanup` runs when the seed stops. */
  prepareSeed?(input: SeedInput, options: SeedOptions): Promise<{ input: SeedInput; path?: string; cleanup?: () => Promise<void> }>;
  /** Makes sure a download folder exists and is writable; returns the folder to use. */
  prepareDownload?(path: string | undefined): Promise<string | undefined>;
  /** Throws when `bytes` more will not fit under `path`. */
  checkRoom?(path: string, bytes: number): Promise<void>;
  /**
   * Reads a finished torrent back from storage and checks it against its piece hashes (only the pieces in
   * `only`, for a partial download); null = not supported.
   */
  verify?(torrent: Torrent, only?: ReadonlySet<number>): Promise<VerifyResult | null>;
  /**
   * Runs when a download's metadata arrives, before anything is written (synchronously: WebTorrent opens its
   * files right after): throws an EdgeswarmError when the download may not write its files into `folder`.
   */
  guardFiles?(torrent: Torrent, folder: string, options: { overwrite: boolean }): void;
};

export type SeedOptions = {
  /** Torrent name (default: the file or folder name). */
  name?: string;
  tags?: string[];
  description?: string;
  /** List it in the directory (default true). */
  publish?: boolean;
  /** The deployment's PUBLISH_KEY, when it requires one. */
  publishKey?: string;
  pieceLength?: number;
  /** Where WebTorrent keeps copies of inputs that are not single files or folders on disk. */
  path?: string;
  strategy?: PieceStrategy;
  uploads?: number;
  /** Passed to WebTorrent's `seed` as they are (e.g. a page's `preloadedStore`, `onProgress`). */
  torrentOptions?: Record<string, unknown>;
};

export type TorrentFileInfo = { path: string; length: number };

/** A torrent's metadata without its bytes (`inspect`, what `edgeswarm get --list` prints). */
export type TorrentInfo = {
  infoHash: string;
  name: string;
  length: number;
  pieceLength: number;
  pieces: number;
  /** In torrent order; `index` is 0-based (the CLI prints index + 1). */
  files: Array<TorrentFileInfo & { index: number; offset: number }>;
  /** The trackers the torrent names besides this deployment's. */
  trackers: string[];
  resolved: Resolved;
};

export type Seeding = {
  infoHash: string;
  name: string;
  length: number;
  files: TorrentFileInfo[];
  /** Magnet on this deployment's swarm socket. */
  magnet: string;
  /** The page's link that opens the torrent (`<server>/#<hash>`). */
  shareLink: string;
  torrentFile: Uint8Array;
  torrent: Torrent;
  /** The directory's entry, when published. */
  listing: PublishResponse["entries"][number] | null;
  /** Publisher token for PATCH/DELETE of the entry; null when the entry existed already or was not published. */
  token: string | null;
  /** Why publishing failed; the torrent is seeded all the same. */
  publishError: EdgeswarmError | null;
  /** Leaves this swarm (announces `stopped`). */
  stop(): Promise<void>;
};

export type DownloadOptions = {
  /** Folder the torrent's files go into (a multi-file torrent as `<path>/<name>/…`). */
  path?: string;
  strategy?: PieceStrategy;
  uploads?: number;
  /** Overrides the peer's `noPeersTimeoutMs`. */
  noPeersTimeoutMs?: number;
  /** Read the finished files back and check every piece hash (default true where the platform can). */
  verify?: boolean;
  /** Keep seeding after completion until the peer stops (default true); false leaves the swarm once done. */
  keepSeeding?: boolean;
  /** Chooses among search hits (default: the first one with seeders, else the first). */
  pick?: (hits: SearchHit[]) => SearchHit | undefined;
  /** Passed to WebTorrent's `add` as they are (e.g. a page's `store`, `destroyStoreOnDestroy`). */
  torrentOptions?: Record<string, unknown>;
  /**
   * Only these files (0-based indexes, in torrent order): only their pieces are fetched and verified, and the
   * download is done when they are. Default: every file.
   */
  select?: number[];
  /**
   * The edge's copy (a BEP 19 web seed named by the listing or the magnet's ws=) is used only when peers cannot
   * serve well (web-seed-policy.ts); `false` never uses it, an object changes the policy. Default on.
   */
  webSeed?: false | Partial<WebSeedPolicy>;
  /** Write names that start with "." (.bashrc, .ssh/…); default false: such a torrent is refused before anything is written. */
  allowDotfiles?: boolean;
  /** Replace files that exist although an earlier run of this download did not create them (default false: refused). */
  overwrite?: boolean;
};

/** What a download target turned out to be. */
export type Resolved = {
  infoHash: string;
  name: string | null;
  size: number | null;
  via: "search" | "directory" | "magnet";
  /** The directory's entry, when it lists the torrent. */
  listing: TorrentDetails | null;
  /** Other search hits not chosen. */
  otherHits: number;
};

export type DownloadResult = {
  infoHash: string;
  name: string;
  /** Folder the files are in. */
  path: string | null;
  files: TorrentFileInfo[];
  length: number;
  elapsedMs: number;
  /** The read-back check; null when skipped or not supported on this platform. */
  verified: VerifyResult | null;
  /** The files fetched (0-based), or null for all of them. */
  selected: number[] | null;
  /** Pieces found intact in storage when the download started (a resumed download), and all pieces. */
  resumedPieces: number;
  /** Payload bytes received from peers and web seeds in this run. */
  received: number;
  /** What came from the edge's web seed and from peers, and when the edge was used; null without a web seed. */
  webSeed: (WebSeedStats & { url: string }) | null;
  torrent: Torrent;
};

export type DownloadEvents = {
  resolved: [resolved: Resolved];
  metadata: [info: { name: string; length: number; files: TorrentFileInfo[]; pieces: number; selected: number[] | null }];
  /** Existing data was checked against the piece hashes: `held` pieces were intact (a resume when > 0). */
  checked: [info: { held: number; pieces: number }];
  progress: [progress: Progress];
  verifying: [];
  done: [result: DownloadResult];
  error: [error: EdgeswarmError];
};

/** A download in flight: listen for events, await `result`. */
export class Download extends Emitter<DownloadEvents> {
  readonly result: Promise<DownloadResult>;
  infoHash: string | null = null;
  torrent: Torrent | null = null;
  resolved: Resolved | null = null;
  /** Set by the peer while the download runs: ends it with an error. */
  private abort: ((error: EdgeswarmError) => void) | null = null;
  private cancelled: EdgeswarmError | null = null;

  constructor(run: (download: Download) => Promise<DownloadResult>) {
    super();
    this.result = run(this).then(
      (result) => {
        this.emit("done", result);
        return result;
      },
      (error: unknown) => {
        const failure = asEdgeswarmError(error, "download failed");
        this.emit("error", failure);
        throw failure;
      },
    );
    this.result.catch(() => undefined); // a caller that only listens to events must not crash the process
  }

  /** The files being fetched (0-based), or null for all of them. */
  selection: number[] | null = null;

  /** The latest snapshot (of the selected files when some were chosen); null before the torrent is added. */
  progress(): Progress | null {
    return this.torrent ? progressOf(this.torrent as unknown as TorrentLike, this.selection) : null;
  }

  /** Ends the download (leaving the swarm; data already written stays). `result` rejects with StoppedError. */
  cancel(reason = "the download was cancelled"): void {
    const error = new StoppedError(reason);
    this.cancelled ??= error;
    this.abort?.(error);
  }

  /** @internal */
  setAbort(abort: ((error: EdgeswarmError) => void) | null): void {
    this.abort = abort;
    if (abort && this.cancelled) abort(this.cancelled);
  }

  /** @internal */
  throwIfCancelled(): void {
    if (this.cancelled) throw this.cancelled;
  }
}

export type PeerEvents = {
  /** A torrent failed after it started (seeds keep running otherwise). */
  error: [error: EdgeswarmError];
  /** Tracker and connection trouble WebTorrent reports and survives. */
  warning: [message: string];
};

const DEFAULT_STRATEGY: PieceStrategy = "rarest";

export class EdgeswarmPeer extends Emitter<PeerEvents> {
  readonly deployment: Deployment;
  readonly directory: DirectoryClient;
  private clientPromise: Promise<WebTorrent> | null = null;
  private stopping: Promise<void> | null = null;
  private readonly downloads = new Set<Download>();
  private readonly cleanups = new Set<() => Promise<void>>();
  private stopRtcRefresh: (() => void) | null = null;

  constructor(
    private readonly options: PeerOptions,
    private readonly platform: PeerPlatform,
  ) {
    super();
    this.deployment = options.directory?.deployment ?? deployment(options.server ?? DEFAULT_SERVER);
    this.directory = options.directory ?? new DirectoryClient(this.deployment, { parsers: platform.parsers, fetch: platform.fetch });
  }

  get stopped(): boolean {
    return this.stopping !== null;
  }

  /**
   * The WebTorrent client, created on first use with the deployment's ICE configuration (which also checks
   * that the deployment answers).
   */
  webtorrent(): Promise<WebTorrent> {
    if (this.stopping) return Promise.reject(new StoppedError());
    this.clientPromise ??= this.createClient().catch((error: unknown) => {
      this.clientPromise = null; // a later call may find the server up
      throw error;
    });
    return this.clientPromise;
  }

  private async createClient(): Promise<WebTorrent> {
    // Fetched per client (a session): TURN credentials in it are short-lived (issue 16).
    const reply = this.options.rtc ? null : await this.directory.rtcConfig();
    const rtc = this.options.rtc ?? rtcConfigFor(this.deployment, reply!.iceServers);
    if (this.stopping) throw new StoppedError();
    const client = this.platform.createClient(rtc);
    const setIceServers = this.platform.setIceServers;
    if (reply && setIceServers) {
      this.stopRtcRefresh = keepRtcConfigFresh({
        ttlSeconds: reply.ttlSeconds,
        fetch: () => this.directory.rtcConfig(),
        apply: (iceServers) => setIceServers(client, rtcConfigFor(this.deployment, iceServers).iceServers),
        onError: (error) => this.emit("warning", `could not renew the TURN credentials: ${asEdgeswarmError(error, "rtc-config").message}`),
      });
    }
    announceOnSwarmSockets(client, { swarmUrl: this.deployment.swarm, socketTag: this.options.socketTag, keepOtherTrackers: this.options.keepOtherTrackers ?? false });
    client.on("error", (error) => this.emit("error", asEdgeswarmError(error, "webtorrent")));
    return client;
  }

  /** Seeds files and lists them in the directory. Resolves once the torrent is hashed and announced. */
  async seed(input: SeedInput, options: SeedOptions = {}): Promise<Seeding> {
    const prepared = this.platform.prepareSeed ? await this.platform.prepareSeed(input, options) : { input, path: options.path };
    let cleanup = prepared.cleanup;
    if (cleanup) this.cleanups.add(cleanup);
    const runCleanup = async () => {
      if (!cleanup) return;
      const c = cleanup;
      cleanup = undefined;
      this.cleanups.delete(c);
      await c().catch(() => undefined);
    };
    try {
      const client = await this.webtorrent();
      const torrentOptions: TorrentOptions & Record<string, unknown> = {
        ...options.torrentOptions,
        // No tracker while hashing: create-torrent then adds none (it adds public ones when `announce` is
        // missing); swarm-announce.ts puts this deployment's swarm socket in once the hash is known.
        announce: [],
        strategy: options.strategy ?? this.options.strategy ?? DEFAULT_STRATEGY,
      };
      if (options.name !== undefined) torrentOptions.name = options.name;
      if (options.pieceLength !== undefined) torrentOptions.pieceLength = options.pieceLength;
      if (prepared.path !== undefined) torrentOptions.path = prepared.path;
      const uploads = options.uploads ?? this.options.uploads;
      if (uploads !== undefined) torrentOptions.uploads = uploads;

      const torrent = await new Promise<Torrent>((resolve, reject) => {
        let pending: Torrent;
        const onError = (error: Error | string) => reject(asEdgeswarmError(error, "cannot seed"));
        try {
          pending = client.seed(prepared.input, torrentOptions, (seeded) => {
            pending.off("error", onError);
            resolve(seeded);
          });
        } catch (error) {
          reject(asEdgeswarmError(error, "cannot seed"));
          return;
        }
        pending.once("error", onError);
      });
      if (this.stopping) throw new StoppedError();
      this.watch(torrent, `seeding ${torrent.name}`);
      torrent.once("close", () => void runCleanup());

      const seeding: Seeding = {
        infoHash: torrent.infoHash,
        name: torrent.name,
        length: torrent.length,
        files: filesOf(torrent),
        magnet: this.deployment.magnet(torrent.infoHash, torrent.name, torrent.length),
        shareLink: this.deployment.shareLink(torrent.infoHash),
        torrentFile: torrent.torrentFile,
        torrent,
        listing: null,
        token: null,
        publishError: null,
        stop: () => destroyTorrent(torrent),
      };
      if (options.publish !== false) {
        try {
          const published = await this.directory.publish(torrent.torrentFile, {
            publishKey: options.publishKey,
            tags: options.tags,
            description: options.description,
          });
          seeding.listing = published.entries.find((entry) => entry.info_hash === torrent.infoHash) ?? null;
          seeding.token = seeding.listing?.created ? published.token : null;
        } catch (error) {
          seeding.publishError = asEdgeswarmError(error, "publishing to the directory failed");
        }
      }
      return seeding;
    } catch (error) {
      await runCleanup();
      throw error;
    }
  }

  /** Publishes a .torrent or JSON entries to this deployment's directory (see DirectoryClient.publish). */
  publish(...args: Parameters<DirectoryClient["publish"]>): Promise<PublishResponse> {
    return this.directory.publish(...args);
  }

  /** Searches this deployment's directory (see DirectoryClient.search). */
  search(...args: Parameters<DirectoryClient["search"]>) {
    return this.directory.search(...args);
  }

  /** The directory's entry for an info hash, or null. */
  details(infoHash: string): Promise<TorrentDetails | null> {
    return this.directory.details(infoHash);
  }

  /**
   * Downloads a magnet link, an info hash (listed in the directory), a share link or the best search hit for
   * some words. Returns at once; listen for `progress`, await `result`.
   */
  download(target: string | Target, options: DownloadOptions = {}): Download {
    const download = new Download((d) => this.runDownload(d, target, options));
    this.downloads.add(download);
    download.result.then(
      () => this.downloads.delete(download),
      () => this.downloads.delete(download),
    );
    return download;
  }

  private async runDownload(download: Download, target: string | Target, options: DownloadOptions): Promise<DownloadResult> {
    if (this.stopping) throw new StoppedError();
    const parsed = typeof target === "string" ? parseTarget(target) : target;
    const { resolved, torrentId } = await this.resolve(parsed, options);
    download.resolved = resolved;
    download.infoHash = resolved.infoHash;
    download.emit("resolved", resolved);
    download.throwIfCancelled();

    const path = this.platform.prepareDownload ? await this.platform.prepareDownload(options.path) : options.path;
    const client = await this.webtorrent();
    download.throwIfCancelled();

    let torrent = await client.get(resolved.infoHash);
    const ours = !torrent; // a torrent this peer already holds (e.g. seeds) is not ours to end
    download.selection = options.select ? [...new Set(options.select)].sort((a, b) => a - b) : null;
    if (!torrent) {
      const torrentOptions: TorrentOptions & Record<string, unknown> = {
        ...options.torrentOptions,
        strategy: options.strategy ?? this.options.strategy ?? DEFAULT_STRATEGY,
      };
      // A selection is applied once the metadata is in (file-selection.ts); until then nothing is wanted, and
      // pieces that fail the start-up check are not re-selected behind the selection's back.
      if (download.selection) torrentOptions.deselect = true;
      if (path !== undefined) torrentOptions.path = path;
      const uploads = options.uploads ?? this.options.uploads;
      if (uploads !== undefined) torrentOptions.uploads = uploads;
      torrent = client.add(torrentId, torrentOptions);
    }
    download.torrent = torrent;
    // The edge as a web seed, only while peers cannot serve well.
    const webSeedUrl = resolved.listing?.web_seed ?? (typeof torrentId === "string" ? this.deployment.ownWebSeed(magnetWebSeeds(torrentId)) : undefined);
    let assist: { url: string; assist: WebSeedAssist } | null = null;
    if (webSeedUrl && ours && options.webSeed !== false) {
      const selection = download.selection;
      assist = {
        url: webSeedUrl,
        assist: assistWithWebSeed(torrent, webSeedUrl, {
          policy: options.webSeed || undefined,
          wanted: selection ? () => piecesOfSelection({ pieceLength: torrent.pieceLength, length: torrent.length, files: torrent.files }, selection) : undefined,
        }),
      };
    }
    try {
      const result = await this.follow(download, torrent, resolved, options, ours);
      return { ...result, webSeed: assist ? { ...assist.assist.stats(), url: assist.url } : null };
    } finally {
      assist?.assist.stop();
    }
  }

  /**
   * A torrent's metadata (name, files, sizes, pieces) without downloading: from the directory's .torrent when
   * it is listed, else from the first peer (BEP 9). Nothing is written anywhere.
   */
  async inspect(target: string | Target, options: { noPeersTimeoutMs?: number } = {}): Promise<TorrentInfo> {
    if (this.stopping) throw new StoppedError();
    const parsed = typeof target === "string" ? parseTarget(target) : target;
    const { resolved, torrentId } = await this.resolve(parsed, {});
    const client = await this.webtorrent();
    const held = await client.get(resolved.infoHash);
    const torrent = held ?? client.add(torrentId, { deselect: true, store: MetadataOnlyStore } as TorrentOptions & Record<string, unknown>);
    const timeoutMs = options.noPeersTimeoutMs ?? this.options.noPeersTimeoutMs ?? 60_000;
    try {
      if (!torrent.ready && !(torrent as Torrent & { metadata?: unknown }).metadata) {
        await new Promise<void>((resolve, reject) => {
          const timer = timeoutMs > 0 ? setTimeout(() => done(new NoPeersError(`no peer sent the metadata of ${resolved.name ?? resolved.infoHash} within ${formatDuration(timeoutMs)}`)), timeoutMs) : null;
          const onMetadata = () => done();
          const onError = (error: Error | string) => done(asEdgeswarmError(error, "reading the metadata"));
          function done(error?: EdgeswarmError) {
            if (timer) clearTimeout(timer);
            torrent.off("metadata", onMetadata);
            torrent.off("error", onError);
            if (error) reject(error);
            else resolve();
          }
          torrent.once("metadata", onMetadata);
          torrent.once("error", onError);
        });
      }
      const ourSwarm = this.deployment.swarm(resolved.infoHash);
      return {
        infoHash: torrent.infoHash,
        name: torrent.name,
        length: torrent.length,
        pieceLength: torrent.pieceLength,
        pieces: Math.ceil(torrent.length / torrent.pieceLength),
        files: torrent.files.map((file, index) => ({ index, path: file.path.split("\\").join("/"), length: file.length, offset: file.offset })),
        trackers: torrent.announce.filter((url) => url.split("?")[0] !== ourSwarm),
        resolved,
      };
    } finally {
      if (!held) await new Promise<void>((resolve) => torrent.destroy({ destroyStore: false }, () => resolve()));
    }
  }

  /** Turns a target into an info hash and the best torrent id for it (a published .torrent when there is one). */
  private async resolve(target: Target, options: DownloadOptions): Promise<{ resolved: Resolved; torrentId: string | Uint8Array }> {
    const origin = this.deployment.origin;
    let listing: TorrentDetails | null = null;
    let via: Resolved["via"];
    let otherHits = 0;
    let infoHash: string;
    let magnet: string | null = null;
    if (target.kind === "words") {
      const { hits } = await this.directory.search({ q: target.query, limit: 20 });
      if (hits.length === 0) throw new NotFoundError(`nothing in the directory at ${origin} matches "${target.query}"`);
      const hit = (options.pick ?? defaultPick)(hits);
      if (!hit) throw new NotFoundError(`none of the ${hits.length} hits for "${target.query}" was chosen`);
      infoHash = hit.info_hash;
      magnet = hit.magnet;
      otherHits = hits.length - 1;
      via = "search";
      listing = await this.directory.details(infoHash);
    } else if (target.kind === "hash") {
      infoHash = target.infoHash;
      listing = await this.directory.details(infoHash);
      if (!listing) {
        throw new NotFoundError(`no torrent with info hash ${infoHash} in the directory at ${origin} (to fetch a torrent that is not listed, pass its magnet link)`);
      }
      via = "directory";
    } else {
      infoHash = target.infoHash;
      magnet = target.magnet;
      via = "magnet";
      listing = await this.directory.details(infoHash).catch((error: unknown) => {
        if (error instanceof EdgeswarmError && error.code === "unreachable") throw error;
        return null; // a magnet works without the directory
      });
    }
    // A published .torrent gives the metadata at once; a magnet waits for a peer to send it (BEP 9).
    const fallback = magnet ?? listing?.magnet ?? this.deployment.magnet(infoHash);
    const torrentId = listing?.torrent_url
      ? await this.directory.torrentFile(listing.torrent_url).catch((error: unknown) => {
          if (error instanceof EdgeswarmError && error.code === "unreachable") throw error;
          return fallback; // the .torrent went away (deleted meanwhile): peers can send the metadata
        })
      : fallback;
    return {
      resolved: {
        infoHash,
        name: listing?.name ?? (target.kind === "magnet" ? target.name : null),
        size: listing?.size ?? null,
        via,
        listing,
        otherHits,
      },
      torrentId,
    };
  }

  /** Watches a download until it is complete and verified, or fails. */
  private follow(download: Download, torrent: Torrent, resolved: Resolved, options: DownloadOptions, ours: boolean): Promise<DownloadResult> {
    const started = Date.now();
    const timeoutMs = options.noPeersTimeoutMs ?? this.options.noPeersTimeoutMs ?? 60_000;
    const intervalMs = this.options.progressIntervalMs ?? 500;
    const live = torrent as unknown as TorrentLike;
    return new Promise<DownloadResult>((resolve, reject) => {
      let settled = false;
      let lastPeerAt = started;
      let everConnected = false;
      let lastEmit = 0;

      const finish = (error: EdgeswarmError | null, result?: DownloadResult) => {
        if (settled) return;
        settled = true;
        clearInterval(ticker);
        torrent.off("error", onError);
        torrent.off("close", onClose);
        torrent.off("metadata", onMetadata);
        download.setAbort(null);
        if (error) {
          // Leave the swarm (announce stopped); the data written so far stays for a later resume.
          const leaving = ours ? destroyTorrent(torrent) : Promise.resolve();
          void leaving.then(() => reject(error));
        } else {
          if (options.keepSeeding === false && ours) void destroyTorrent(torrent);
          else this.watch(torrent, `seeding ${torrent.name}`); // from now on its trouble is the peer's
          resolve(result!);
        }
      };

      const selection = download.selection;
      let doneStarted = false;
      const tick = () => {
        if (settled || torrent.destroyed) return;
        const now = Date.now();
        // A selection never makes WebTorrent's `done` true: its files being complete is the end.
        if (selection && torrent.ready && !doneStarted && selectionDone(torrent, selection)) {
          doneStarted = true;
          void onDone();
          return;
        }
        if (torrent.numPeers > 0) {
          lastPeerAt = now;
          everConnected = true;
        } else if (timeoutMs > 0 && !torrent.done && !doneStarted && now - lastPeerAt >= timeoutMs) {
          const what = torrent.name || resolved.name || resolved.infoHash;
          const seeders = resolved.listing ? ` (the directory counts ${resolved.listing.seeders} seeders, ${resolved.listing.leechers} leechers)` : "";
          finish(
            new NoPeersError(
              everConnected
                ? `lost every peer of ${what} and none came back within ${formatDuration(timeoutMs)}`
                : `no peers for ${what} within ${formatDuration(timeoutMs)}: nobody is sharing it right now${seeders}`,
            ),
          );
          return;
        }
        if (now - lastEmit >= intervalMs) {
          lastEmit = now;
          download.emit("progress", progressOf(live, selection));
        }
      };
      const ticker = setInterval(tick, Math.min(250, intervalMs));

      const onError = (error: Error | string) => finish(asEdgeswarmError(error, `downloading ${torrent.name || resolved.infoHash}`));
      const onClose = () => finish(new StoppedError("the download was stopped"));
      let resumedPieces = 0;
      const receivedAtStart = torrent.received;
      const onMetadata = () => {
        if (settled) return;
        // Before WebTorrent opens (and creates) any file: finish() destroys the torrent, which then writes nothing.
        const refused = ours ? this.refusal(torrent, options) : null;
        if (refused) return finish(refused);
        if (selection && ours) {
          try {
            checkSelection(selection, torrent.files.length);
          } catch (error) {
            return finish(asEdgeswarmError(error, "selecting files"));
          }
          applySelection(torrent as unknown as Parameters<typeof applySelection>[0], selection);
        }
        download.emit("metadata", { name: torrent.name, length: torrent.length, files: filesOf(torrent), pieces: live.pieces?.length ?? 0, selected: selection });
        if (this.platform.checkRoom) {
          const wanted = progressOf(live, selection);
          this.platform.checkRoom(torrent.path ?? "", (wanted.total ?? torrent.length) - wanted.bytes).catch((error: unknown) => finish(asEdgeswarmError(error, "no room")));
        }
      };
      // `ready` follows WebTorrent's check of the data already in storage (lib/torrent.js _verifyPieces): what is
      // held then was there before, intact — a resumed download fetches only the rest.
      const onReady = () => {
        resumedPieces = progressOf(live).pieces.held;
        download.emit("checked", { held: resumedPieces, pieces: live.pieces?.length ?? 0 });
      };
      const onDone = async () => {
        if (settled) return;
        download.emit("progress", progressOf(live, selection));
        let verified: VerifyResult | null = null;
        if (options.verify !== false && this.platform.verify) {
          download.emit("verifying");
          try {
            const only = selection ? piecesOfSelection({ pieceLength: torrent.pieceLength, length: torrent.length, files: torrent.files }, selection) : undefined;
            verified = await this.platform.verify(torrent, only);
          } catch (error) {
            return finish(asEdgeswarmError(error, `verifying ${torrent.name}`));
          }
          if (verified && !verified.ok) {
            const bad = verified.badPieces;
            return finish(new VerificationError(`${bad.length} of ${live.pieces?.length ?? "?"} pieces of ${torrent.name} do not match their hashes (first: ${bad.slice(0, 5).join(", ")})`, bad));
          }
        }
        finish(null, {
          infoHash: torrent.infoHash,
          name: torrent.name,
          path: torrent.path ?? null,
          files: filesOf(torrent),
          length: torrent.length,
          elapsedMs: Date.now() - started,
          verified,
          selected: selection,
          resumedPieces,
          received: torrent.received - receivedAtStart,
          webSeed: null,
          torrent,
        });
      };

      torrent.on("error", onError);
      torrent.once("close", onClose);
      if (torrent.ready) {
        onMetadata();
        onReady();
      } else {
        torrent.once("metadata", onMetadata);
        torrent.once("ready", onReady);
      }
      if (torrent.done) {
        doneStarted = true;
        void onDone();
      } else
        torrent.once("done", () => {
          if (doneStarted) return;
          doneStarted = true;
          void onDone();
        });
      download.setAbort((error) => finish(error));
    });
  }

  /** Why a download may not write its files (protocol/name-rules.ts, then the platform's own checks), or null. */
  private refusal(torrent: Torrent, options: DownloadOptions): EdgeswarmError | null {
    const problem = layoutProblem((torrent as Torrent & { info?: unknown }).info, { allowDotfiles: options.allowDotfiles ?? false });
    if (problem) return new UnsafeNameError(`refused to download: ${problem.message}`, problem.problem);
    try {
      this.platform.guardFiles?.(torrent, torrent.path, { overwrite: options.overwrite ?? false });
    } catch (error) {
      return asEdgeswarmError(error, "refused to download");
    }
    return null;
  }

  /** Reports a running torrent's later trouble on the peer. */
  private watch(torrent: Torrent, what: string): void {
    if ((torrent as Torrent & { __edgeswarmWatched?: true }).__edgeswarmWatched) return;
    (torrent as Torrent & { __edgeswarmWatched?: true }).__edgeswarmWatched = true;
    torrent.on("error", (error) => this.emit("error", asEdgeswarmError(error, what)));
    torrent.on("warning", (warning) => this.emit("warning", String(warning instanceof Error ? warning.message : warning)));
  }

  /**
   * Leaves every swarm cleanly: each torrent announces `stopped` (WebTorrent waits briefly for the tracker's
   * reply), running downloads end with StoppedError, temporary copies are removed. Idempotent.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      this.stopRtcRefresh?.();
      for (const download of this.downloads) download.cancel("the peer was stopped");
      const client = await this.clientPromise?.catch(() => null);
      if (client && !client.destroyed) await new Promise<void>((resolve) => client.destroy(() => resolve()));
      await Promise.all([...this.cleanups].map((cleanup) => cleanup().catch(() => undefined)));
      this.cleanups.clear();
    })();
    return this.stopping;
  }
}

/** First hit that someone seeds; else the first (the directory ranks by relevance and seeders). */
function defaultPick(hits: SearchHit[]): SearchHit | undefined {
  return hits.find((hit) => hit.seeders > 0) ?? hits[0];
}

function filesOf(torrent: Torrent): TorrentFileInfo[] {
  return torrent.files.map((file) => ({ path: file.path.split("\\").join("/"), length: file.length }));
}

/**
 * A chunk store that holds nothing: `inspect` adds a torrent only for its metadata, with nothing selected, and
 * must not create files. Reads fail (WebTorrent's start-up check then counts every piece as missing).
 */
class MetadataOnlyStore {
  constructor(readonly chunkLength: number) {}
  get(_index: number, _opts: unknown, cb?: (error: Error | null) => void): void {
    const callback = typeof _opts === "function" ? (_opts as (error: Error | null) => void) : cb;
    queueMicrotask(() => callback?.(new Error("metadata only: no data is stored")));
  }
  put(_index: number, _buf: Uint8Array, cb?: (error: Error | null) => void): void {
    queueMicrotask(() => cb?.(new Error("metadata only: no data is stored")));
  }
  close(cb?: (error: Error | null) => void): void {
    queueMicrotask(() => cb?.(null));
  }
  destroy(cb?: (error: Error | null) => void): void {
    queueMicrotask(() => cb?.(null));
  }
}

function destroyTorrent(torrent: Torrent): Promise<void> {
  if (torrent.destroyed) return Promise.resolve();
  return new Promise((resolve) => torrent.destroy({ destroyStore: false }, () => resolve()));
}
