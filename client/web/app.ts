// The page's state: the WebTorrent client, the torrents this tab holds and what it knows about them, and the
// actions the views share (download, seed, remove). Layer: client/web.
import type { TorrentDetails } from "../../protocol/directory";
import { layoutProblem, type Deployment, type DirectoryClient } from "../lib/browser";
import { DEFAULT_STRATEGY, type BrowserClient, type BrowserTorrent, type SeedOptions } from "./browser-peer";
import { FileChunkStore, pieceLengthFor } from "./file-chunk-store";
import { claimStore, storageEstimate } from "./opfs-stores";
import { formatBytes } from "./format";

export type Role = "seed" | "download";

export type Held = {
  torrent: BrowserTorrent;
  role: Role;
  /** The directory's entry, when it lists the torrent. */
  details: TorrentDetails | null;
  /** The magnet to hand out (the directory's when published). */
  magnet: string | null;
  /** Why the torrent stopped or could not start, for the views to show. */
  error: string | null;
  release: () => void;
};

export type SeedProgress = (hashedBytes: number, totalBytes: number) => void;

export class App {
  readonly held = new Map<string, Held>();
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly api: DirectoryClient,
    readonly client: BrowserClient,
    readonly site: Deployment,
    /** Whether the service-worker stream server runs (else saving goes through Blobs). */
    readonly streaming: boolean,
  ) {}

  /** Called when torrents are added or removed, or when what is known about one changes. */
  onChange(listener: () => void): void {
    this.listeners.add(listener);
  }

  changed(): void {
    for (const listener of this.listeners) listener();
  }

  shareLink(infoHash: string): string {
    return this.site.shareLink(infoHash);
  }

  magnetOf(infoHash: string): string {
    const held = this.held.get(infoHash);
    if (held?.magnet) return held.magnet;
    return this.site.magnet(infoHash, held?.torrent.name || undefined, held?.torrent.length || undefined);
  }

  /** Joins a torrent's swarm and downloads it into browser storage (OPFS). */
  async download(infoHash: string, details: TorrentDetails | null): Promise<Held> {
    const existing = this.held.get(infoHash);
    if (existing) return existing;
    const release = await claimStore(infoHash);
    if (!release) throw new Error("another tab of this page is already downloading this torrent");
    try {
      if (details) await this.checkRoom(details.size);
      // The published .torrent gives the metadata at once; a bare magnet waits for a peer to send it.
      const torrentId = details?.torrent_url ? await this.api.torrentFile(details.torrent_url) : (details?.magnet ?? this.site.magnet(infoHash));
      if (this.held.has(infoHash)) {
        release();
        return this.held.get(infoHash)!;
      }
      const torrent = this.client.add(torrentId, {
        announce: [this.site.swarm(infoHash)],
        strategy: DEFAULT_STRATEGY,
        destroyStoreOnDestroy: true,
      }) as unknown as BrowserTorrent;
      const held = this.hold(infoHash, torrent, "download", details, details?.magnet ?? null, release);
      // Issue 10: the torrent's names must follow protocol/name-rules.ts (no path out of its folder, no control
      // or direction characters; dotfiles are harmless in this private storage). WebTorrent's browser store
      // (fsa-chunk-store) makes its "<name> - <hash>" folder in the origin-private file system as soon as the
      // metadata arrives, before this event: a refused torrent's store is destroyed, which removes that folder.
      torrent.once("metadata", () => {
        const problem = layoutProblem((torrent as unknown as { info?: unknown }).info, { allowDotfiles: true });
        if (!problem) return;
        held.error = `refused to download: ${problem.message}`;
        torrent.destroy({ destroyStore: true });
        this.changed();
      });
      return held;
    } catch (error) {
      release();
      throw error;
    }
  }

  /**
   * Seeds files the user picked (read in place, not copied) and publishes the torrent to the directory.
   * `onHashed` fires once the torrent exists; publishing errors are kept on the returned entry.
   */
  async seed(files: File[], options: { tags: string[]; publishKey?: string; onProgress?: SeedProgress }): Promise<Held> {
    const total = files.reduce((sum, file) => sum + file.size, 0);
    const pieceLength = pieceLengthFor(total);
    const seedOptions: SeedOptions = {
      // No tracker while hashing (create-torrent would add public ones without `announce`); the swarm's socket
      // goes in once the hash is known (client/lib/swarm-announce.ts via browser-peer.ts).
      announce: [],
      pieceLength,
      preloadedStore: new FileChunkStore(pieceLength, files),
      strategy: DEFAULT_STRATEGY,
      filterJunkFiles: false, // the page filters before; the store must see the same files in the same order
      onProgress: options.onProgress,
    };
    const torrent = await new Promise<BrowserTorrent>((resolve, reject) => {
      const seeding = this.client.seed(files as never, seedOptions, (t) => resolve(t as unknown as BrowserTorrent));
      seeding.once("error", (error) => reject(error instanceof Error ? error : new Error(String(error))));
    });
    const existing = this.held.get(torrent.infoHash);
    if (existing) return existing;
    const held = this.hold(torrent.infoHash, torrent, "seed", null, null, () => undefined);
    try {
      const published = await this.api.publish(torrent.torrentFile, { tags: options.tags, publishKey: options.publishKey });
      const entry = published.entries.find((e) => e.info_hash === torrent.infoHash);
      if (published.token) localStorage.setItem(`edgeswarm:token:${torrent.infoHash}`, published.token);
      if (entry) {
        held.magnet = entry.magnet;
        held.details = { ...entry, files: [] };
      }
    } catch (error) {
      held.error = `seeding, but not listed in the directory: ${error instanceof Error ? error.message : String(error)}`;
    }
    this.changed();
    return held;
  }

  /** Leaves the swarm and deletes what this tab stored for the torrent. */
  async remove(infoHash: string): Promise<void> {
    const held = this.held.get(infoHash);
    if (!held) return;
    this.held.delete(infoHash);
    await new Promise<void>((resolve) => {
      if (held.torrent.destroyed) return resolve();
      held.torrent.destroy({ destroyStore: held.role === "download" }, () => resolve());
    });
    held.release();
    this.changed();
  }

  private hold(infoHash: string, torrent: BrowserTorrent, role: Role, details: TorrentDetails | null, magnet: string | null, release: () => void): Held {
    const held: Held = { torrent, role, details, magnet, error: null, release };
    this.held.set(infoHash, held);
    // Torrent errors end the torrent; they are shown in the page, not thrown.
    torrent.on("error", (error) => {
      held.error = error instanceof Error ? error.message : String(error);
      this.changed();
    });
    torrent.once("close", () => held.release());
    for (const event of ["metadata", "ready", "done"] as const) torrent.on(event, () => this.changed());
    this.changed();
    return held;
  }

  private async checkRoom(bytes: number): Promise<void> {
    const estimate = await storageEstimate();
    if (estimate && estimate.quota - estimate.usage < bytes) {
      throw new Error(`not enough browser storage: ${formatBytes(bytes)} needed, ${formatBytes(estimate.quota - estimate.usage)} free`);
    }
  }
}
