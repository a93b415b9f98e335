// The edge as a web seed (BEP 19): how an upload of a listed torrent's bytes is cut into parts, which pieces a
// part must hold, where a requested file lies in the stored bytes, and the .torrent with its url-list.
// Layer: pure logic (the directory's rules; bencode and Web Crypto only).
/// <reference path="../../../protocol/bencode.d.ts" />
import bencode from "bencode";

const MiB = 1024 * 1024;
/** R2 multipart: every part but the last must be at least 5 MiB. */
export const MIN_PART_BYTES = 5 * MiB;
/** Default cap on the bytes one torrent may store at the edge (WEB_SEED_MAX_BYTES overrides it). */
export const DEFAULT_WEB_SEED_MAX_BYTES = 1024 * MiB;

export type PartPlan = { partSize: number; parts: number; length: number; pieceLength: number };

/**
 * Parts are whole pieces — the smallest multiple of the piece length of at least 5 MiB — so each part is
 * checked against its pieces' SHA-1 as it arrives, and a torrent's bytes can never be stored wrong.
 */
export function partPlan(length: number, pieceLength: number): PartPlan {
  const partSize = Math.max(1, Math.ceil(MIN_PART_BYTES / pieceLength)) * pieceLength;
  return { partSize, parts: Math.max(1, Math.ceil(length / partSize)), length, pieceLength };
}

/** Byte span and first piece of part `n` (1-based, as R2 numbers parts). */
export function partSpan(plan: PartPlan, n: number): { offset: number; length: number; firstPiece: number } {
  const offset = (n - 1) * plan.partSize;
  return { offset, length: Math.min(plan.partSize, plan.length - offset), firstPiece: offset / plan.pieceLength };
}

/** The pieces of a part that do not hash to the torrent's values (empty: the part is right). */
export async function badPiecesOfPart(plan: PartPlan, n: number, bytes: Uint8Array, hashes: readonly string[]): Promise<number[]> {
  const span = partSpan(plan, n);
  const bad: number[] = [];
  for (let at = 0, piece = span.firstPiece; at < bytes.length; at += plan.pieceLength, piece++) {
    const digest = await crypto.subtle.digest("SHA-1", bytes.subarray(at, Math.min(at + plan.pieceLength, bytes.length)) as Uint8Array<ArrayBuffer>);
    if (toHex(new Uint8Array(digest)) !== hashes[piece]) bad.push(piece);
  }
  return bad;
}

export type SeedFile = { path: string; offset: number; length: number };

/** What the stored bytes are: the torrent's files in order, with `path` as web seeds ask for them. */
export type SeedLayout = { name: string; multiFile: boolean; length: number; files: SeedFile[] };

type Dict = Record<string, unknown>;
const isDict = (v: unknown): v is Dict => typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
const utf8 = new TextDecoder();

/** Piece hashes (hex) and the file layout of a (verified, published) .torrent. */
export function readLayout(torrentFile: Uint8Array): { hashes: string[]; pieceLength: number; layout: SeedLayout } {
  const root = bencode.decode(torrentFile);
  if (!isDict(root) || !isDict(root.info)) throw new Error("not a .torrent");
  const info = root.info;
  const pieces = info.pieces as Uint8Array;
  const hashes: string[] = [];
  for (let i = 0; i < pieces.length; i += 20) hashes.push(toHex(pieces.subarray(i, i + 20)));
  const name = utf8.decode((info["name.utf-8"] ?? info.name) as Uint8Array);
  let offset = 0;
  const files: SeedFile[] = Array.isArray(info.files)
    ? info.files.map((f: Dict) => {
        // BEP 19: a multi-file torrent's files are at <url>/<name>/<path>.
        const path = [name, ...((f["path.utf-8"] ?? f.path) as Uint8Array[]).map((p) => utf8.decode(p))].join("/");
        const file = { path, offset, length: f.length as number };
        offset += file.length;
        return file;
      })
    : [{ path: name, offset: 0, length: info.length as number }];
  const length = files.reduce((sum, f) => sum + f.length, 0);
  return { hashes, pieceLength: info["piece length"] as number, layout: { name, multiFile: Array.isArray(info.files), length, files } };
}

/** The web seed URL for a listing: the file itself (one file) or the folder its files are under (BEP 19). */
export function webSeedUrl(origin: string, infoHash: string, layout: SeedLayout): string {
  return layout.multiFile ? `${origin}/seed/${infoHash}/` : `${origin}/seed/${infoHash}/${encodeURIComponent(layout.name)}`;
}

/** The file a `/seed/<hash>/<path…>` request names (the path as web seeds send it, URL-decoded). */
export function fileAt(layout: SeedLayout, requestPath: string): SeedFile | null {
  return layout.files.find((f) => f.path === requestPath) ?? null;
}

/** The .torrent with a url-list (BEP 19); the info dict is untouched, so the info hash stays. */
export function withUrlList(torrentFile: Uint8Array, url: string): Uint8Array {
  const root = bencode.decode(torrentFile) as Dict;
  const existing = root["url-list"];
  const list = (Array.isArray(existing) ? existing : existing ? [existing] : []).map((u) => (u instanceof Uint8Array ? utf8.decode(u) : String(u)));
  root["url-list"] = [...new Set([url, ...list])];
  return bencode.encode(root);
}

function toHex(bytes: Uint8Array): string {
  let hex = "";
  for (const b of bytes) hex += b.toString(16).padStart(2, "0");
  return hex;
}
