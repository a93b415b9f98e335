// A read-only chunk store (abstract-chunk-store) over the File objects a user picked: a browser seed reads
// pieces straight from those files instead of copying them into browser storage first (WebTorrent's own
// `seed` writes every byte into its store). Layer: client/web (browser; a candidate for client/lib).

type Callback<T> = (error: Error | null, value?: T) => void;
type GetOptions = { offset?: number; length?: number };

/** create-torrent's default piece length for `totalBytes` (piece-length, capped at 4 MiB), computed up front
 * because the store must exist before the torrent does. */
export function pieceLengthFor(totalBytes: number): number {
  const natural = Math.max(16384, 1 << Math.round(Math.log2(totalBytes < 1024 ? 1 : totalBytes / 1024)));
  return Math.min(natural, 4 * 1024 * 1024);
}

export class FileChunkStore {
  readonly length: number;
  private readonly spans: Array<{ blob: Blob; start: number; end: number }> = [];
  private closed = false;

  constructor(
    readonly chunkLength: number,
    blobs: Blob[],
  ) {
    let offset = 0;
    for (const blob of blobs) {
      this.spans.push({ blob, start: offset, end: offset + blob.size });
      offset += blob.size;
    }
    this.length = offset;
  }

  get(index: number, opts: GetOptions | Callback<Uint8Array> | null | undefined, cb?: Callback<Uint8Array>): void {
    if (typeof opts === "function") return this.get(index, null, opts);
    const done = cb ?? (() => undefined);
    this.read(index, opts ?? {}).then(
      (bytes) => done(null, bytes),
      (error: unknown) => done(error instanceof Error ? error : new Error(String(error))),
    );
  }

  /** A seed never receives pieces; a write means WebTorrent thought it lacked one. */
  put(_index: number, _buf: Uint8Array, cb?: Callback<void>): void {
    queueMicrotask(() => cb?.(new Error("this seed's store is read-only")));
  }

  close(cb?: Callback<void>): void {
    this.closed = true;
    queueMicrotask(() => cb?.(null));
  }

  /** The files are the user's: nothing to delete. */
  destroy(cb?: Callback<void>): void {
    this.close(cb);
  }

  private async read(index: number, opts: GetOptions): Promise<Uint8Array> {
    if (this.closed) throw new Error("store is closed");
    const pieceStart = index * this.chunkLength;
    const pieceLength = Math.min(this.chunkLength, this.length - pieceStart);
    if (index < 0 || pieceLength <= 0) throw new Error(`no piece ${index}`);
    const offset = opts.offset ?? 0;
    const length = opts.length ?? pieceLength - offset;
    if (offset < 0 || length < 0 || offset + length > pieceLength) throw new Error("offset and length outside the piece");
    const start = pieceStart + offset;
    const end = start + length;
    const parts: Blob[] = [];
    for (const span of this.spans) {
      if (span.end <= start || span.start >= end || span.start === span.end) continue;
      parts.push(span.blob.slice(Math.max(start, span.start) - span.start, Math.min(end, span.end) - span.start));
    }
    const bytes = new Uint8Array(await new Blob(parts).arrayBuffer());
    // A file the user changed or removed since picking it reads short: fail rather than serve wrong bytes.
    if (bytes.byteLength !== length) throw new Error("a shared file changed on disk; share it again");
    return bytes;
  }
}
