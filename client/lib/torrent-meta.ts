// Reads a .torrent (BEP 3 metainfo) in the client — info hash, name, files with offsets, piece length,
// trackers (BEP 12) and web seeds (BEP 19) — so a page can show what a dropped file holds and let the user
// choose files before anything is stored or fetched. The info hash is the SHA-1 of the info dictionary's bytes
// exactly as they appear in the file (not re-encoded), as every client computes it. A small bencode reader
// of its own keeps the page bundle free of a second bencode copy (WebTorrent's is inside its bundle).
// Layer: client/lib (platform-neutral: WebCrypto only).
import { webCryptoSha1 } from "./piece-verify";

export type TorrentMeta = {
  infoHash: string;
  name: string;
  length: number;
  pieceLength: number;
  pieces: number;
  files: Array<{ path: string; length: number; offset: number }>;
  /** announce and announce-list, in order, without duplicates. */
  trackers: string[];
  /** url-list (BEP 19). */
  webSeeds: string[];
};

export class TorrentMetaError extends Error {
  constructor(message: string) {
    super(`not a usable .torrent: ${message}`);
    this.name = "TorrentMetaError";
  }
}

type Value = number | Uint8Array | Value[] | { [key: string]: Value };

const MAX_DEPTH = 64;

/** Decodes one bencoded value at `pos`; `spans` records where each top-level dictionary value lies. */
function decodeAt(bytes: Uint8Array, pos: number, depth: number, spans: Map<string, [number, number]> | null): [Value, number] {
  if (depth > MAX_DEPTH) throw new TorrentMetaError("nested too deeply");
  const c = bytes[pos];
  if (c === undefined) throw new TorrentMetaError("truncated");
  if (c === 0x69 /* i */) {
    const end = bytes.indexOf(0x65, pos);
    if (end < 0) throw new TorrentMetaError("truncated integer");
    const n = Number(new TextDecoder().decode(bytes.subarray(pos + 1, end)));
    if (!Number.isSafeInteger(n)) throw new TorrentMetaError("bad integer");
    return [n, end + 1];
  }
  if (c === 0x6c /* l */) {
    const list: Value[] = [];
    let p = pos + 1;
    while (bytes[p] !== 0x65) {
      const [item, next] = decodeAt(bytes, p, depth + 1, null);
      list.push(item);
      p = next;
    }
    return [list, p + 1];
  }
  if (c === 0x64 /* d */) {
    const dict: { [key: string]: Value } = {};
    let p = pos + 1;
    while (bytes[p] !== 0x65) {
      const [key, afterKey] = decodeAt(bytes, p, depth + 1, null);
      if (!(key instanceof Uint8Array)) throw new TorrentMetaError("dictionary key is not a string");
      const name = new TextDecoder().decode(key);
      const [value, next] = decodeAt(bytes, afterKey, depth + 1, null);
      spans?.set(name, [afterKey, next]);
      dict[name] = value;
      p = next;
    }
    return [dict, p + 1];
  }
  if (c >= 0x30 && c <= 0x39) {
    const colon = bytes.indexOf(0x3a, pos);
    if (colon < 0) throw new TorrentMetaError("truncated string");
    const length = Number(new TextDecoder().decode(bytes.subarray(pos, colon)));
    if (!Number.isSafeInteger(length) || colon + 1 + length > bytes.length) throw new TorrentMetaError("truncated string");
    return [bytes.subarray(colon + 1, colon + 1 + length), colon + 1 + length];
  }
  throw new TorrentMetaError("malformed bencode");
}

const isDict = (v: Value | undefined): v is { [key: string]: Value } => typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Uint8Array);
const text = (v: Value | undefined): string | null => (v instanceof Uint8Array ? new TextDecoder().decode(v) : null);
const int = (v: Value | undefined): number | null => (typeof v === "number" && v >= 0 ? v : null);

export async function readTorrentMeta(bytes: Uint8Array): Promise<TorrentMeta> {
  if (bytes[0] !== 0x64) throw new TorrentMetaError("a metainfo file is a bencoded dictionary");
  const spans = new Map<string, [number, number]>();
  const [root] = decodeAt(bytes, 0, 0, spans);
  if (!isDict(root) || !isDict(root.info)) throw new TorrentMetaError("no info dictionary");
  const info = root.info;
  const [start, end] = spans.get("info")!;
  const infoHash = await webCryptoSha1(bytes.slice(start, end));
  const name = text(info["name.utf-8"]) ?? text(info.name);
  const pieceLength = int(info["piece length"]);
  if (!name || !pieceLength) throw new TorrentMetaError("no name or piece length");
  let files: TorrentMeta["files"];
  let offset = 0;
  if (Array.isArray(info.files)) {
    files = info.files.map((file) => {
      if (!isDict(file)) throw new TorrentMetaError("bad file entry");
      const parts = (Array.isArray(file["path.utf-8"]) ? file["path.utf-8"] : file.path) as Value[] | undefined;
      const length = int(file.length);
      if (!Array.isArray(parts) || length === null) throw new TorrentMetaError("bad file entry");
      const entry = { path: [name, ...parts.map((p) => text(p) ?? "")].join("/"), length, offset };
      offset += length;
      return entry;
    });
  } else {
    const length = int(info.length);
    if (length === null) throw new TorrentMetaError("no length or files (v2-only torrents are not supported)");
    files = [{ path: name, length, offset: 0 }];
    offset = length;
  }
  const trackers: string[] = [];
  const add = (v: Value | undefined) => {
    const url = text(v);
    if (url && !trackers.includes(url)) trackers.push(url);
  };
  add(root.announce);
  if (Array.isArray(root["announce-list"])) for (const tier of root["announce-list"]) if (Array.isArray(tier)) tier.forEach(add);
  const urlList = root["url-list"];
  const webSeeds = (Array.isArray(urlList) ? urlList : urlList ? [urlList] : []).map(text).filter((u): u is string => !!u);
  return { infoHash, name, length: offset, pieceLength, pieces: Math.ceil(offset / pieceLength), files, trackers, webSeeds };
}

/** The trackers a magnet names (`tr=`, BEP 9). */
export function magnetTrackers(magnet: string): string[] {
  try {
    return [...new Set(new URLSearchParams(magnet.replace(/^magnet:\?/i, "")).getAll("tr"))];
  } catch {
    return [];
  }
}

/** The web seeds a magnet names (`ws=`, BEP 19 in magnets). */
export function magnetWebSeeds(magnet: string): string[] {
  try {
    return [...new Set(new URLSearchParams(magnet.replace(/^magnet:\?/i, "")).getAll("ws"))];
  } catch {
    return [];
  }
}

/**
 * Splits trackers into those a browser can use (WebSocket: ws/wss) and the rest (http, udp: a browser cannot
 * reach them), which a page lists as ignored.
 */
export function browserTrackers(urls: readonly string[]): { usable: string[]; ignored: string[] } {
  const usable: string[] = [];
  const ignored: string[] = [];
  for (const url of urls) (/^wss?:\/\//i.test(url) ? usable : ignored).push(url);
  return { usable, ignored };
}
