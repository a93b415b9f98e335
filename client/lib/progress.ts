// Progress of a torrent as one snapshot: bytes, speeds, peers, pieces held, ETA. Reads WebTorrent's live
// torrent object (Node or browser build); of the chosen files only, for a partial download.
// Layer: client/lib (platform-neutral).
import { selectionProgress } from "./file-selection";

/** What a snapshot reads from a WebTorrent torrent (a structural type, so tests can pass a plain object). */
export type TorrentLike = {
  readonly infoHash: string;
  readonly name?: string;
  readonly ready: boolean;
  readonly done: boolean;
  readonly length: number;
  readonly downloaded: number;
  readonly uploaded: number;
  readonly downloadSpeed: number;
  readonly uploadSpeed: number;
  readonly numPeers: number;
  /** One entry per piece once the metadata is in. */
  readonly pieces?: ArrayLike<unknown>;
  /** Pieces held and verified (webtorrent's `bitfield` package); null until the metadata is in. */
  readonly bitfield?: { get(index: number): boolean } | null;
  readonly pieceLength?: number;
  readonly files?: ReadonlyArray<{ offset: number; length: number; done?: boolean }>;
};

export type Progress = {
  infoHash: string;
  /** The torrent's name, once its metadata is in. */
  name: string | null;
  /** Bytes held: verified pieces plus the received blocks of pieces still in progress. */
  bytes: number;
  /** Total size; null until the metadata is in. */
  total: number | null;
  /** 0…1 */
  fraction: number;
  /** Bytes per second, averaged by WebTorrent over the last few seconds. */
  downloadSpeed: number;
  uploadSpeed: number;
  uploaded: number;
  /** Connected peers (wires). */
  peers: number;
  pieces: { held: number; total: number };
  /** Milliseconds to completion at the current speed; null when unknown (no metadata, or stalled). */
  etaMs: number | null;
  done: boolean;
};

/** `selection`: 0-based file indexes of a partial download (bytes and ETA then count their pieces only). */
export function progressOf(torrent: TorrentLike, selection: readonly number[] | null = null): Progress {
  const hasMetadata = torrent.ready && torrent.length > 0;
  if (selection && hasMetadata && torrent.files && torrent.pieceLength) {
    const part = selectionProgress({ pieceLength: torrent.pieceLength, length: torrent.length, files: torrent.files }, selection, torrent.bitfield ?? null);
    const whole = progressOf(torrent);
    const done = part.bytes >= part.total;
    const speed = torrent.downloadSpeed;
    return {
      ...whole,
      bytes: part.bytes,
      total: part.total,
      fraction: part.total === 0 ? 1 : part.bytes / part.total,
      etaMs: done ? 0 : speed > 0 ? ((part.total - part.bytes) / speed) * 1000 : null,
      done,
    };
  }
  const total = hasMetadata ? torrent.length : null;
  const bytes = hasMetadata ? Math.min(torrent.downloaded, torrent.length) : 0;
  const pieceCount = hasMetadata ? (torrent.pieces?.length ?? 0) : 0;
  const held = hasMetadata ? countHeld(torrent.bitfield ?? null, pieceCount) : 0;
  const speed = torrent.downloadSpeed;
  const remaining = total === null ? null : total - bytes;
  let etaMs: number | null = null;
  if (torrent.done) etaMs = 0;
  else if (remaining !== null && speed > 0) etaMs = (remaining / speed) * 1000;
  return {
    infoHash: torrent.infoHash,
    name: hasMetadata ? (torrent.name ?? null) : null,
    bytes,
    total,
    fraction: torrent.done ? 1 : total ? bytes / total : 0,
    downloadSpeed: speed,
    uploadSpeed: torrent.uploadSpeed,
    uploaded: torrent.uploaded,
    peers: torrent.numPeers,
    pieces: { held, total: pieceCount },
    etaMs,
    done: torrent.done,
  };
}

/** How many of `count` pieces a bitfield marks as held. */
export function countHeld(bitfield: { get(index: number): boolean } | null, count: number): number {
  if (!bitfield) return 0;
  let held = 0;
  for (let i = 0; i < count; i++) if (bitfield.get(i)) held++;
  return held;
}

/** The indices of the pieces a bitfield marks as held. */
export function heldPieces(bitfield: { get(index: number): boolean } | null, count: number): number[] {
  const held: number[] = [];
  if (!bitfield) return held;
  for (let i = 0; i < count; i++) if (bitfield.get(i)) held.push(i);
  return held;
}

/**
 * Piece diversity of several peers' holdings: distinct pieces held by any of them over the sum of what each
 * holds. 1 when no two hold the same piece (rarest-first spreads them); 1/n when all n hold the same ones
 * (what sequential selection from one seed gives). NaN when nobody holds anything.
 */
export function pieceDiversity(holdings: ReadonlyArray<ReadonlyArray<number>>): number {
  const distinct = new Set<number>();
  let sum = 0;
  for (const held of holdings) {
    sum += held.length;
    for (const piece of held) distinct.add(piece);
  }
  return sum === 0 ? Number.NaN : distinct.size / sum;
}
