// Storing a seeded torrent's bytes at the edge, so the deployment can serve them as a BEP 19 web seed when
// peers cannot: the publisher (its token) uploads part by part — each part a whole number of pieces, checked by
// the server against the torrent — skipping parts already stored, so an interrupted upload resumes.
// Layer: client/lib (platform-neutral: reads the bytes through WebTorrent's chunk store).
import type { Torrent } from "webtorrent";
import type { DirectoryClient } from "./directory-client";

/** webtorrent 3 internal: a seeding torrent's chunk store (one chunk per piece). */
type StoreTorrent = Torrent & { store: { get(index: number, opts: { length?: number } | null, cb: (error: Error | null, buf?: Uint8Array) => void): void } };

export type WebSeedUploadOptions = {
  torrent: Torrent;
  /** The publisher token from the publish reply. */
  token: string;
  /** Bytes stored so far and the total, after each part. */
  onProgress?: (sent: number, total: number) => void;
};

/** Uploads what the edge lacks and returns the web seed URL. */
export async function uploadWebSeed(directory: DirectoryClient, options: WebSeedUploadOptions): Promise<string> {
  const torrent = options.torrent as StoreTorrent;
  const infoHash = torrent.infoHash;
  let status = await directory.webSeedStart(infoHash, options.token);
  if (status.status === "uploading") {
    const stored = new Set(status.uploaded);
    let sent = 0;
    for (let part = 1; part <= status.parts; part++) {
      const offset = (part - 1) * status.part_size;
      const length = Math.min(status.part_size, torrent.length - offset);
      if (!stored.has(part)) await directory.webSeedPart(infoHash, options.token, part, await readBytes(torrent, offset, length));
      sent += length;
      options.onProgress?.(sent, torrent.length);
    }
    status = await directory.webSeedComplete(infoHash, options.token);
  } else {
    options.onProgress?.(torrent.length, torrent.length);
  }
  return status.web_seed!;
}

/** A part's bytes from the store; parts hold whole pieces, so whole chunks are read. */
async function readBytes(torrent: StoreTorrent, offset: number, length: number): Promise<Uint8Array> {
  const out = new Uint8Array(length);
  const first = offset / torrent.pieceLength;
  const count = Math.ceil(length / torrent.pieceLength);
  for (let i = 0; i < count; i++) {
    const index = first + i;
    const size = Math.min(torrent.pieceLength, length - i * torrent.pieceLength);
    const chunk = await new Promise<Uint8Array>((resolve, reject) =>
      torrent.store.get(index, { length: size }, (error, buf) => (error || !buf ? reject(error ?? new Error(`piece ${index} is not stored`)) : resolve(buf))),
    );
    out.set(chunk.subarray(0, size), i * torrent.pieceLength);
  }
  return out;
}
