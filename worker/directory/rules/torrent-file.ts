// Reading a published .torrent (BEP 3 metainfo): name, files, piece length, and the info hash computed
// from the bencoded info dict, never taken from the publisher. Layer: pure logic (Web Crypto is a
// standard global in workerd and Node alike).
/// <reference path="../../../protocol/bencode.d.ts" />
import bencode from "bencode";
import { DIRECTORY_LIMITS, cleanText, type PublishFile } from "../../../protocol/directory";
import { describeNameProblem, describePathProblem, nameProblem, pathProblem } from "../../../protocol/name-rules";

export type TorrentFileInfo = {
  infoHash: string;
  name: string;
  size: number;
  pieceLength: number;
  files: PublishFile[];
};

export class TorrentFileError extends Error {}

type Dict = { [key: string]: unknown };

function isDict(value: unknown): value is Dict {
  return typeof value === "object" && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

const utf8 = new TextDecoder("utf-8");

function text(value: unknown, what: string): string {
  if (!(value instanceof Uint8Array)) throw new TorrentFileError(`${what} must be a byte string`);
  return utf8.decode(value);
}

function integer(value: unknown, what: string): number {
  if (typeof value !== "number" || !Number.isSafeInteger(value) || value < 0) {
    throw new TorrentFileError(`${what} must be a non-negative integer`);
  }
  return value;
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

function toHex(bytes: ArrayBuffer): string {
  return [...new Uint8Array(bytes)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** A file's path elements as the file has them; protocol/name-rules.ts judges them before anything is stored. */
function pathElements(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0) throw new TorrentFileError("file path must be a non-empty list");
  const elements = value.map((element) => text(element, "file path element"));
  const found = pathProblem(elements, { allowDotfiles: true });
  if (found) throw new TorrentFileError(`file path ${describePathProblem(found, elements)}`);
  return elements;
}

/**
 * Parses a .torrent and computes its info hash (SHA-1 of the bencoded info dict, BEP 3).
 *
 * The file must be canonical bencode (sorted keys, no leading zeros, nothing after the end): the decoder
 * we use is lenient, so decode → encode must give back the very same bytes. That makes the re-encoded
 * info dict byte-identical to the one in the file, so its hash is the one every client computes.
 */
export async function parseTorrentFile(bytes: Uint8Array): Promise<TorrentFileInfo> {
  if (bytes.length === 0) throw new TorrentFileError("empty .torrent");
  if (bytes.length > DIRECTORY_LIMITS.maxTorrentFileBytes) {
    throw new TorrentFileError(`.torrent larger than ${DIRECTORY_LIMITS.maxTorrentFileBytes} bytes`);
  }
  if (bytes[0] !== 0x64 /* d */) throw new TorrentFileError("not a .torrent: a metainfo file is a bencoded dictionary");
  let decoded: unknown;
  let reencoded: Uint8Array;
  try {
    decoded = bencode.decode(bytes);
    reencoded = bencode.encode(decoded);
  } catch {
    // includes RangeError from absurd nesting
    throw new TorrentFileError("not a .torrent: malformed bencode");
  }
  if (!sameBytes(reencoded, bytes)) {
    throw new TorrentFileError("not canonical bencode (keys must be sorted, integers plain, nothing after the end)");
  }
  if (!isDict(decoded) || !isDict(decoded.info)) throw new TorrentFileError("not a .torrent: no info dictionary");
  const info = decoded.info;

  const rawName = text(info["name.utf-8"] ?? info.name, "info.name");
  // Clients write the torrent at <folder>/<name>: the name must be one plain name, in both spellings a client
  // may read (name.utf-8 first, or name alone).
  for (const [key, value] of [["info.name.utf-8", info["name.utf-8"]], ["info.name", info.name]] as const) {
    if (value === undefined) continue;
    const nameIssue = nameProblem(text(value, key), { allowDotfiles: true });
    if (nameIssue) throw new TorrentFileError(`${key} ${describeNameProblem(nameIssue)}`);
  }
  const name = cleanText(rawName).slice(0, DIRECTORY_LIMITS.maxNameChars);
  if (name === "") throw new TorrentFileError("info.name must not be empty");
  const pieceLength = integer(info["piece length"], "info.piece length");
  if (pieceLength === 0) throw new TorrentFileError("info.piece length must be positive");

  let files: PublishFile[];
  if (Array.isArray(info.files)) {
    if (info.files.length === 0) throw new TorrentFileError("info.files must not be empty");
    if (info.files.length > DIRECTORY_LIMITS.maxFilesPerTorrent) {
      throw new TorrentFileError(`more than ${DIRECTORY_LIMITS.maxFilesPerTorrent} files`);
    }
    files = info.files.map((file) => {
      if (!isDict(file)) throw new TorrentFileError("info.files entries must be dictionaries");
      // Relative to the torrent's folder (info.name), as BEP 3 lists them.
      const path = pathElements(file["path.utf-8"] ?? file.path).join("/");
      if (file["path.utf-8"] !== undefined && file.path !== undefined) pathElements(file.path); // what other clients write
      if (path.length > DIRECTORY_LIMITS.maxPathChars) throw new TorrentFileError(`file path longer than ${DIRECTORY_LIMITS.maxPathChars} characters`);
      return { path, length: integer(file.length, "file length") };
    });
  } else if (info.length !== undefined) {
    files = [{ path: name, length: integer(info.length, "info.length") }];
  } else if (info["file tree"] !== undefined) {
    throw new TorrentFileError("v2-only torrents (BEP 52) are not supported; publish a hybrid or v1 torrent");
  } else {
    throw new TorrentFileError("info has neither length nor files");
  }
  const size = files.reduce((sum, file) => sum + file.length, 0);
  if (!Number.isSafeInteger(size)) throw new TorrentFileError("total size too large");

  const infoBytes = bencode.encode(info);
  const digest = await crypto.subtle.digest("SHA-1", infoBytes);
  return { infoHash: toHex(digest), name, size, pieceLength, files };
}
