// The page's state: the WebTorrent client, the torrents this tab holds and what it knows about them, the
// downloads kept for later (library-store.ts), and the actions the views share (open, download with a choice of
// files, pause, resume, seed, remove). Layer: client/web.
import type { TorrentDetails } from "../../protocol/directory";
import {
  applySelection,
  layoutProblem,
  assistWithWebSeed,
  browserTrackers,
  magnetTrackers,
  magnetWebSeeds,
  parseTarget,
  piecesOfSelection,
  readTorrentMeta,
  removeTracker,
  selectionDone,
  selectionProgress,
  uploadWebSeed,
  type Deployment,
  type DirectoryClient,
  type TorrentMeta,
  type WebSeedAssist,
} from "../lib/browser";
import { DEFAULT_STRATEGY, type BrowserClient, type BrowserTorrent, type SeedOptions } from "./browser-peer";
import { FileChunkStore, pieceLengthFor } from "./file-chunk-store";
import { allRecords, deleteRecord, getRecord, putRecord, updateRecord, type LibraryRecord } from "./library-store";
import { claimStore, isQuotaError, removeStoreOf, storageEstimate } from "./opfs-stores";
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
  /** Files to fetch (0-based), or null for all. */
  selection: number[] | null;
  /** Trackers named by the magnet or .torrent: used (WebSocket) and ignored (http, udp). */
  trackers: { usable: string[]; ignored: string[] };
  paused: boolean;
  /** Pieces found intact in storage when the torrent started (a resumed download); null until checked. */
  resumedPieces: number | null;
  /** Payload bytes received in this tab (peers and web seeds). */
  receivedAtStart: number;
  /** The edge as a web seed, used only while peers cannot serve well (client/lib/web-seed-policy.ts). */
  webSeed: WebSeedAssist | null;
};

/** What was opened but not yet downloaded: a magnet from elsewhere or a dropped .torrent. */
export type Pending = {
  torrentId: string | Uint8Array;
  magnet: string | null;
  meta: TorrentMeta | null;
  trackers: { usable: string[]; ignored: string[] };
  /** The magnet's display name (dn=), until the metadata names it. */
  name: string | null;
};

export type SeedProgress = (hashedBytes: number, totalBytes: number) => void;

export class App {
  readonly held = new Map<string, Held>();
  /** Opened and not yet downloading (by info hash). */
  readonly pending = new Map<string, Pending>();
  /** Kept downloads not running in this tab (paused, or waiting for another tab). */
  readonly library = new Map<string, LibraryRecord>();
  /** Trackers (besides ours) each torrent may announce on; read by the client's announce hook. */
  readonly allowedTrackers = new Map<string, Set<string>>();
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

  /** Remembers what a magnet or a dropped .torrent opens, for the torrent view and a later download. */
  setPending(infoHash: string, pending: Omit<Pending, "trackers" | "name"> & { trackers?: string[] }): Pending {
    const named = pending.trackers ?? (pending.meta?.trackers ?? (pending.magnet ? magnetTrackers(pending.magnet) : []));
    const name = pending.meta?.name ?? (pending.magnet ? (parseTarget(pending.magnet) as { name?: string | null }).name ?? null : null);
    const entry: Pending = { ...pending, trackers: this.splitTrackers(infoHash, named), name };
    this.pending.set(infoHash, entry);
    this.changed();
    return entry;
  }

  /** Trackers a torrent names, minus this deployment's own: WebSocket ones used, the rest ignored. */
  private splitTrackers(infoHash: string, urls: string[]): { usable: string[]; ignored: string[] } {
    const ours = new URL(this.site.swarm(infoHash)).host;
    const others = urls.filter((url) => {
      try {
        return new URL(url).host !== ours;
      } catch {
        return false;
      }
    });
    return browserTrackers(others);
  }

  /**
   * Joins a torrent's swarm and downloads it into browser storage (OPFS): the chosen files only (null: all),
   * from a kept record, a pending magnet or .torrent, or the directory's .torrent.
   */
  async download(infoHash: string, details: TorrentDetails | null, options: { selection?: number[] | null; record?: LibraryRecord } = {}): Promise<Held> {
    const existing = this.held.get(infoHash);
    if (existing) return existing;
    const release = await claimStore(infoHash);
    if (!release) throw new Error("another tab of this page is already downloading this torrent");
    try {
      const record = options.record ?? (await getRecord(infoHash));
      const pending = this.pending.get(infoHash);
      const selection = options.selection !== undefined ? options.selection : (record?.selection ?? null);
      const wanted = pending?.meta ? selectionBytes(pending.meta, selection) : (details?.size ?? record?.length ?? 0);
      if (wanted) await this.checkRoom(wanted);
      // The metainfo at once when we have it (kept, dropped, or the directory's); a bare magnet waits for a peer.
      let torrentId: string | Uint8Array;
      if (record?.torrentFile) torrentId = record.torrentFile;
      else if (pending) torrentId = pending.torrentId;
      else if (details?.torrent_url) torrentId = await this.api.torrentFile(details.torrent_url);
      else torrentId = record?.magnet ?? details?.magnet ?? this.site.magnet(infoHash);
      const trackers = record ? this.splitTrackers(infoHash, record.trackers) : (pending?.trackers ?? { usable: [], ignored: [] });
      this.allowedTrackers.set(infoHash, new Set(trackers.usable));
      if (this.held.has(infoHash)) {
        release();
        return this.held.get(infoHash)!;
      }
      const magnet = record?.magnet ?? pending?.magnet ?? details?.magnet ?? this.site.magnet(infoHash);
      const torrent = this.client.add(torrentId, {
        announce: [this.site.swarm(infoHash), ...trackers.usable],
        strategy: DEFAULT_STRATEGY,
        // Nothing is wanted until the metadata is in and the chosen files are selected (file-selection.ts).
        deselect: true,
      }) as unknown as BrowserTorrent;
      this.library.delete(infoHash);
      this.pending.delete(infoHash);
      const held = this.hold(infoHash, torrent, "download", details, details?.magnet ?? null, release);
      held.selection = selection;
      held.trackers = trackers;
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
      torrent.once("metadata", () => {
        if (torrent.destroyed) return;
        applySelection(torrent as never, held.paused ? [] : held.selection);
        void this.keep(held);
      });
      // The edge's copy (the listing's web seed, or this deployment's own named by a magnet's ws= or a .torrent's
      // url-list), asked only when peers cannot serve well.
      const webSeedUrl = details?.web_seed ?? this.site.ownWebSeed([...magnetWebSeeds(magnet), ...(pending?.meta?.webSeeds ?? [])]);
      if (webSeedUrl) {
        held.webSeed = assistWithWebSeed(torrent as never, webSeedUrl, {
          wanted: () => (held.selection && torrent.files.length ? piecesOfSelection({ pieceLength: torrent.pieceLength, length: torrent.length, files: torrent.files }, held.selection) : null),
        });
        torrent.once("close", () => held.webSeed?.stop());
      }
      torrent.once("ready", () => {
        held.resumedPieces = torrent.pieces.filter((_, i) => torrent.bitfield?.get(i)).length;
        held.receivedAtStart = torrent.received;
        this.changed();
      });
      await this.keep(held, magnet);
      return held;
    } catch (error) {
      release();
      throw error;
    }
  }

  /** Whether the chosen files are complete (a partial download never makes WebTorrent's `done` true). */
  complete(held: Held): boolean {
    const t = held.torrent;
    return t.done || (t.ready && !t.destroyed && selectionDone(t, held.selection));
  }

  /** Progress of the chosen files, 0…1. */
  progress(held: Held): number {
    const t = held.torrent;
    if (!t.ready || !held.selection) return t.progress || 0;
    const part = selectionProgress({ pieceLength: t.pieceLength, length: t.length, files: t.files }, held.selection, t.bitfield);
    return part.total === 0 ? 1 : part.bytes / part.total;
  }

  /** Changes which files are fetched, before or during the download. */
  async choose(infoHash: string, selection: number[] | null): Promise<void> {
    const held = this.held.get(infoHash);
    if (!held) return;
    held.selection = selection;
    if (held.torrent.ready || held.torrent.pieces?.length) applySelection(held.torrent as never, held.paused ? [] : selection);
    await updateRecord(infoHash, { selection });
    this.changed();
  }

  /**
   * Stops all traffic of a download and keeps it (a paused download stays paused after a reload): no new
   * connections (WebTorrent's pause), nothing wanted, and the open connections closed.
   */
  async pause(infoHash: string): Promise<void> {
    const held = this.held.get(infoHash);
    if (!held || held.paused || held.torrent.destroyed) return;
    held.paused = true;
    const t = held.torrent;
    t.pause();
    if (t.pieces?.length) applySelection(t as never, []);
    for (const wire of [...t.wires]) wire.destroy();
    await updateRecord(infoHash, { paused: true, progress: this.progress(held) });
    this.changed();
  }

  /** Resumes a paused download (here or kept from an earlier visit), with `selection` when the user changed it. */
  async resume(infoHash: string, selection?: number[] | null): Promise<void> {
    const held = this.held.get(infoHash);
    if (held) {
      if (!held.paused) return;
      held.paused = false;
      held.torrent.resume();
      if (held.torrent.pieces?.length) applySelection(held.torrent as never, held.selection);
      held.torrent.discovery?.tracker?.update(); // fresh offers now, not at the next interval
      await updateRecord(infoHash, { paused: false });
      this.changed();
      return;
    }
    const record = this.library.get(infoHash) ?? (await getRecord(infoHash));
    if (!record) return;
    const resumed = { ...record, paused: false, selection: selection === undefined ? record.selection : selection };
    await putRecord(resumed);
    await this.download(infoHash, null, { record: resumed });
  }

  /** Stops announcing on a tracker the torrent named (and keeps it off after a reload). */
  async dropTracker(infoHash: string, url: string): Promise<void> {
    this.allowedTrackers.get(infoHash)?.delete(url);
    const pending = this.pending.get(infoHash);
    if (pending) pending.trackers.usable = pending.trackers.usable.filter((u) => u !== url);
    const held = this.held.get(infoHash);
    if (held) {
      held.trackers.usable = held.trackers.usable.filter((u) => u !== url);
      removeTracker(held.torrent as never, url);
    }
    await updateRecord(infoHash, { trackers: held?.trackers.usable ?? pending?.trackers.usable ?? [] });
    this.changed();
  }

  /**
   * At start-up: resumes the downloads that were running when the page last closed (unless another tab has
   * them) and lists the paused ones. Returns the info hashes kept, whose stores must stay.
   */
  async restore(): Promise<Set<string>> {
    const records = await allRecords();
    for (const record of records) {
      this.library.set(record.infoHash, record);
      // A kept .torrent shows the files (and the choice) before the download runs again.
      const meta = record.torrentFile ? await readTorrentMeta(record.torrentFile).catch(() => null) : null;
      this.setPending(record.infoHash, { torrentId: record.torrentFile ?? record.magnet, magnet: record.magnet, meta, trackers: record.trackers });
    }
    this.changed();
    for (const record of records) {
      if (record.paused) continue;
      await this.download(record.infoHash, null, { record }).catch(() => undefined); // held by another tab: stays listed
    }
    return new Set(records.map((r) => r.infoHash));
  }

  /** Deletes a kept download that is not running here: its record and its stored pieces. */
  async forget(infoHash: string): Promise<void> {
    const release = await claimStore(infoHash);
    if (!release) throw new Error("another tab of this page is using this download");
    try {
      await deleteRecord(infoHash);
      await removeStoreOf(infoHash);
      this.library.delete(infoHash);
    } finally {
      release();
    }
    this.changed();
  }

  /** Writes the download's record (the metainfo once known), so a reload can resume it. */
  private async keep(held: Held, magnet?: string): Promise<void> {
    const t = held.torrent;
    const previous = await getRecord(t.infoHash);
    const record: LibraryRecord = {
      infoHash: t.infoHash,
      name: (t.name && t.name !== t.infoHash ? t.name : null) ?? previous?.name ?? held.details?.name ?? t.infoHash,
      length: t.length || previous?.length || held.details?.size || 0,
      torrentFile: t.ready || t.pieces?.length ? new Uint8Array(t.torrentFile) : (previous?.torrentFile ?? null),
      magnet: magnet ?? previous?.magnet ?? this.magnetOf(t.infoHash),
      selection: held.selection,
      trackers: held.trackers.usable,
      paused: held.paused,
      progress: t.ready ? this.progress(held) : (previous?.progress ?? 0),
      done: t.ready ? this.complete(held) : false,
      addedAt: previous?.addedAt ?? Date.now(),
    };
    await putRecord(record).catch((error: unknown) => {
      held.error = isQuotaError(error) ? quotaMessage() : `cannot keep this download for later: ${error instanceof Error ? error.message : String(error)}`;
    });
  }

  /**
   * Seeds files the user picked (read in place, not copied) and publishes the torrent to the directory.
   * `onHashed` fires once the torrent exists; publishing errors are kept on the returned entry.
   */
  async seed(files: File[], options: { tags: string[]; publishKey?: string; onProgress?: SeedProgress; webSeed?: (sent: number, total: number) => void }): Promise<Held> {
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
      // The user asked the edge to keep a copy (a web seed): upload it with the publisher token.
      const token = published.token ?? localStorage.getItem(`edgeswarm:token:${torrent.infoHash}`);
      if (options.webSeed && entry && token) {
        const url = await uploadWebSeed(this.api, { torrent: torrent as never, token, onProgress: options.webSeed });
        held.details = { ...held.details!, web_seed: url };
      } else if (options.webSeed) {
        held.error = "seeding, but the edge keeps no copy: this torrent was listed from another browser (its publisher token is not here)";
      }
    } catch (error) {
      held.error = `seeding, but not listed in the directory: ${error instanceof Error ? error.message : String(error)}`;
    }
    this.changed();
    return held;
  }

  /** Leaves the swarm and deletes what this tab stored for the torrent (and its record). */
  async remove(infoHash: string): Promise<void> {
    const held = this.held.get(infoHash);
    if (!held) return;
    this.held.delete(infoHash);
    await new Promise<void>((resolve) => {
      if (held.torrent.destroyed) return resolve();
      held.torrent.destroy({ destroyStore: held.role === "download" }, () => resolve());
    });
    if (held.role === "download") await deleteRecord(infoHash).catch(() => undefined);
    held.release();
    this.changed();
  }

  private hold(infoHash: string, torrent: BrowserTorrent, role: Role, details: TorrentDetails | null, magnet: string | null, release: () => void): Held {
    const held: Held = {
      torrent,
      role,
      details,
      magnet,
      error: null,
      release,
      selection: null,
      trackers: { usable: [], ignored: [] },
      paused: false,
      resumedPieces: null,
      receivedAtStart: 0,
      webSeed: null,
    };
    this.held.set(infoHash, held);
    // Torrent errors end the torrent; they are shown in the page, not thrown. The store refusing writes is the
    // browser's quota: say so, and what to do.
    torrent.on("error", (error) => {
      held.error = isQuotaError(error) ? quotaMessage() : error instanceof Error ? error.message : String(error);
      this.changed();
    });
    torrent.once("close", () => held.release());
    for (const event of ["metadata", "ready", "done"] as const) torrent.on(event, () => this.changed());
    if (role === "download") {
      // A chosen file completing can finish a partial download: keep the record's progress current.
      torrent.on("verified", () => {
        if (this.complete(held)) {
          void this.keep(held);
          this.changed();
        }
      });
    }
    this.changed();
    return held;
  }

  private async checkRoom(bytes: number): Promise<void> {
    const estimate = await storageEstimate();
    if (estimate && estimate.quota - estimate.usage < bytes) {
      throw new Error(`not enough browser storage: ${formatBytes(bytes)} needed, ${formatBytes(estimate.quota - estimate.usage)} free (remove finished downloads to make room)`);
    }
  }
}

function quotaMessage(): string {
  return "the browser's storage for this page is full: remove finished downloads (or other sites' data), then resume";
}

function selectionBytes(meta: TorrentMeta, selection: number[] | null): number {
  return selection ? selection.reduce((sum, i) => sum + (meta.files[i]?.length ?? 0), 0) : meta.length;
}
