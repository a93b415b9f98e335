// Hand-built torrents with the names and paths an attacker would choose (issue 10), and where a stock WebTorrent
// client expects their data when it seeds them. create-torrent refuses or folds such names, so the metainfo is
// bencoded here.
/// <reference path="../../protocol/bencode.d.ts" />
import bencode from "bencode";
import { createHash } from "node:crypto";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";

export const PIECE = 16 * 1024;

export type Layout = { name: string; files: { path: string[]; data: Buffer }[] } | { name: string; data: Buffer };

/** A canonical .torrent of `layout` (sorted keys), its info hash and all its bytes in order. */
export function buildTorrent(layout: Layout): { torrent: Buffer; infoHash: string; all: Buffer } {
  const text = (s: string) => Buffer.from(s, "utf8");
  const all = "data" in layout ? layout.data : Buffer.concat(layout.files.map((f) => f.data));
  const pieces = [];
  for (let at = 0; at < all.length; at += PIECE) pieces.push(createHash("sha1").update(all.subarray(at, at + PIECE)).digest());
  const info: Record<string, unknown> = { name: text(layout.name), "piece length": PIECE, pieces: Buffer.concat(pieces) };
  if ("data" in layout) info.length = layout.data.length;
  else info.files = layout.files.map((f) => ({ length: f.data.length, path: f.path.map(text) }));
  const torrent = Buffer.from(bencode.encode({ info }));
  return { torrent, infoHash: createHash("sha1").update(bencode.encode(info)).digest("hex"), all };
}

/**
 * Writes `layout`'s data under `dir` where a seeding WebTorrent looks for it: name and path joined and folded
 * by path.join (parse-torrent), control and reserved characters dropped from the last element (fs-chunk-store).
 */
export async function placeSeedData(dir: string, layout: Layout): Promise<void> {
  const files = "data" in layout ? [{ path: [] as string[], data: layout.data }] : layout.files;
  for (const file of files) {
    const relative = path.join(path.sep, layout.name, ...file.path).slice(1);
    const target = path.join(dir, path.dirname(relative), path.basename(relative).replace(/[<>:"/\\|?*\u0000-\u001F]/g, ""));
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, file.data);
  }
}
