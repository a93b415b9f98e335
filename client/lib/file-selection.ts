// Which files of a torrent to fetch: the CLI's `--select 2,5-7` (1-based, as `--list` prints them), the pieces
// a set of files spans, and the bytes and progress of a selection. WebTorrent fetches only selected pieces
// (lib/torrent.js `_selections` drive every request), so a download is added with `deselect: true` and the
// chosen files are selected once the metadata is in. Layer: client/lib (pure, platform-neutral).
import { UsageError } from "./errors";

/** The file layout a selection needs (WebTorrent's torrent and parse-torrent's result both have it). */
export type FileLayout = { pieceLength: number; length: number; files: ReadonlyArray<{ offset: number; length: number }> };

/**
 * Parses `2,5-7` into 0-based file indexes (sorted, unique). Numbers are 1-based, as `edgeswarm get --list`
 * prints them (aria2c's --select-file does the same). `fileCount`, when known, bounds them.
 */
export function parseFileSelection(spec: string, fileCount?: number): number[] {
  const text = spec.trim();
  if (text === "") throw new UsageError("--select needs file numbers, e.g. 2,5-7 (see --list)");
  const picked = new Set<number>();
  for (const part of text.split(",")) {
    const match = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
    if (!match) throw new UsageError(`not a file number or range: "${part.trim()}" (use e.g. 2,5-7)`);
    const from = Number(match[1]);
    const to = match[2] === undefined ? from : Number(match[2]);
    if (from < 1 || to < from) throw new UsageError(`bad file range "${part.trim()}": numbers start at 1 and a range goes up`);
    if (fileCount !== undefined && to > fileCount) {
      throw new UsageError(`file ${to} does not exist: the torrent has ${fileCount} file${fileCount === 1 ? "" : "s"} (see --list)`);
    }
    if (to - from > 1_000_000) throw new UsageError(`file range "${part.trim()}" is too long`);
    for (let n = from; n <= to; n++) picked.add(n - 1);
  }
  return [...picked].sort((a, b) => a - b);
}

/** Checks 0-based indexes against a torrent's file count. */
export function checkSelection(indexes: readonly number[], fileCount: number): void {
  const bad = indexes.find((i) => !Number.isInteger(i) || i < 0 || i >= fileCount);
  if (bad !== undefined) throw new UsageError(`file ${bad + 1} does not exist: the torrent has ${fileCount} file${fileCount === 1 ? "" : "s"}`);
  if (indexes.length === 0) throw new UsageError("no file selected");
}

/** First and last piece of a file (an empty file spans none: null). */
export function piecesOfFile(layout: FileLayout, index: number): { first: number; last: number } | null {
  const file = layout.files[index];
  if (!file || file.length === 0) return null;
  return { first: Math.floor(file.offset / layout.pieceLength), last: Math.floor((file.offset + file.length - 1) / layout.pieceLength) };
}

/** Every piece the selected files touch (a piece on a file boundary belongs to both files). */
export function piecesOfSelection(layout: FileLayout, indexes: readonly number[]): Set<number> {
  const pieces = new Set<number>();
  for (const index of indexes) {
    const span = piecesOfFile(layout, index);
    if (!span) continue;
    for (let p = span.first; p <= span.last; p++) pieces.add(p);
  }
  return pieces;
}

/** Bytes of the selected files. */
export function selectedBytes(layout: FileLayout, indexes: readonly number[]): number {
  return indexes.reduce((sum, i) => sum + (layout.files[i]?.length ?? 0), 0);
}

/** Bytes of the pieces a selection needs (what must be fetched: boundary pieces come whole). */
export function selectionPieceBytes(layout: FileLayout, indexes: readonly number[]): number {
  const count = Math.ceil(layout.length / layout.pieceLength);
  let bytes = 0;
  for (const p of piecesOfSelection(layout, indexes)) bytes += p === count - 1 ? layout.length - p * layout.pieceLength : layout.pieceLength;
  return bytes;
}

/** What WebTorrent's torrent offers for changing a selection (lib/torrent.js, lib/file.js). */
export type SelectableTorrent = {
  readonly pieces: ArrayLike<unknown>;
  readonly files: ReadonlyArray<{ select(priority?: number): void; deselect(): void; readonly done?: boolean }>;
  deselect(from: number, to: number): void;
};

/**
 * Makes `indexes` (0-based; null = every file) the torrent's whole selection. `deselect(0, last)` drops every
 * range (file ranges included), then each chosen file is selected again, so a piece shared with a deselected
 * neighbour stays wanted.
 */
export function applySelection(torrent: SelectableTorrent, indexes: readonly number[] | null): void {
  const count = torrent.pieces.length;
  if (count > 0) torrent.deselect(0, count - 1);
  torrent.files.forEach((file, i) => {
    if (indexes === null || indexes.includes(i)) file.select();
  });
}

/** Whether every selected file is complete (a selection never makes WebTorrent's `done` true). */
export function selectionDone(torrent: { readonly files: ReadonlyArray<{ readonly done?: boolean; readonly length: number }> }, indexes: readonly number[] | null): boolean {
  return torrent.files.every((file, i) => file.done || file.length === 0 || (indexes !== null && !indexes.includes(i)));
}

/** Held bytes of the selection's pieces and their total (for progress of a partial download). */
export function selectionProgress(
  layout: FileLayout,
  indexes: readonly number[] | null,
  bitfield: { get(index: number): boolean } | null,
): { bytes: number; total: number } {
  const count = layout.length === 0 ? 0 : Math.ceil(layout.length / layout.pieceLength);
  const pieces = indexes === null ? null : piecesOfSelection(layout, indexes);
  let bytes = 0;
  let total = 0;
  for (let p = 0; p < count; p++) {
    if (pieces && !pieces.has(p)) continue;
    const size = p === count - 1 ? layout.length - p * layout.pieceLength : layout.pieceLength;
    total += size;
    if (bitfield?.get(p)) bytes += size;
  }
  return { bytes, total };
}
