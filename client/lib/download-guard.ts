// Before a download writes its first byte (issue 10): every file it will write stays under the folder the
// user chose, never through a symbolic link, and never replaces a file that an earlier run of the same
// download did not create. What a download created is recorded in <folder>/.edgeswarm/<info hash>.json
// (no torrent may name `.edgeswarm…`: protocol/name-rules.ts reserves it), written before any file exists, so
// an interrupted download resumes and a finished one can be fetched again. Layer: client/lib, Node entry.
//
// Synchronous on purpose: it runs inside WebTorrent's `metadata` event, the last moment before its store opens
// (and creates) the files, and a torrent destroyed there writes nothing (webtorrent 3, lib/torrent.js
// _onMetadata: the store opens files lazily, verification starts after the event).
import { lstatSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { RESERVED_PREFIX } from "../../protocol/name-rules";
import { DiskError, FileExistsError, UnsafeNameError, describeDiskError, diskErrorCode } from "./errors";
import { quoteName } from "./torrent-layout";

/** Where the record of a download lives, inside the folder it downloads into. */
export const STATE_FOLDER = RESERVED_PREFIX;

/** fs-chunk-store 5.0.1 (what WebTorrent stores files with in Node) drops these from a file's last element. */
const STORE_DROPS = /[<>:"/\\|?*\u0000-\u001F]/g;

const DownloadRecord = z.object({
  info_hash: z.string().regex(/^[0-9a-f]{40}$/),
  /** Files (relative to the download folder, "/" between elements) this download created or was allowed to replace. */
  files: z.array(z.string()),
});
type DownloadRecord = z.infer<typeof DownloadRecord>;

export type GuardOptions = {
  /** Replace files that exist although this download did not create them (the CLI's --overwrite). */
  overwrite?: boolean;
};

type FileLike = { path: string };

/** Where WebTorrent will write each file: `<folder>/<file.path>`, last element as the store cleans it. */
function targets(folder: string, files: readonly FileLike[]): string[] {
  return files.map((file) => {
    const relative = path.normalize(file.path);
    if (path.isAbsolute(relative) || relative.split(path.sep).includes("..")) {
      throw new UnsafeNameError(`the torrent's file path ${quoteName(file.path)} leaves the download folder`, "separator");
    }
    const base = path.basename(relative).replace(STORE_DROPS, "");
    if (base === "") throw new UnsafeNameError(`the torrent's file name ${quoteName(file.path)} holds nothing a file name can keep`, "empty");
    return path.join(path.dirname(relative), base);
  });
}

function lstatOrNull(file: string) {
  try {
    return lstatSync(file);
  } catch (error) {
    if (diskErrorCode(error) === "ENOENT") return null;
    throw new DiskError(`cannot check ${file}: ${describeDiskError(diskErrorCode(error) ?? "EIO")}`, { cause: error });
  }
}

function readRecord(file: string, infoHash: string): DownloadRecord {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    if (diskErrorCode(error) === "ENOENT") return { info_hash: infoHash, files: [] };
    throw new DiskError(`cannot read ${file}: ${describeDiskError(diskErrorCode(error) ?? "EIO")}`, { cause: error });
  }
  try {
    const record = DownloadRecord.parse(JSON.parse(text));
    if (record.info_hash === infoHash) return record;
  } catch {
    // fall through: a record we cannot trust vouches for nothing
  }
  return { info_hash: infoHash, files: [] };
}

/**
 * Checks every file a download will write and records the ones it creates; throws UnsafeNameError,
 * FileExistsError or DiskError instead of letting WebTorrent write. `folder` is the folder the user chose.
 */
export function guardDownloadFiles(folder: string, infoHash: string, files: readonly FileLike[], options: GuardOptions = {}): void {
  const root = path.resolve(folder);
  const relatives = targets(root, files);
  const stateDir = path.join(root, STATE_FOLDER);
  const recordFile = path.join(stateDir, `${infoHash}.json`);
  const stateStat = lstatOrNull(stateDir);
  if (stateStat && (stateStat.isSymbolicLink() || !stateStat.isDirectory())) {
    throw new FileExistsError(`${stateDir} is in the way: edgeswarm keeps its download records in that folder`, stateDir, false);
  }
  const record = readRecord(recordFile, infoHash);
  const known = new Set(record.files);
  const toRecord = new Set(record.files);

  for (const relative of relatives) {
    const key = relative.split(path.sep).join("/");
    // Every folder on the way must be a real folder: a symbolic link there would carry the write elsewhere.
    const parts = relative.split(path.sep);
    for (let i = 1; i < parts.length; i++) {
      const dir = path.join(root, ...parts.slice(0, i));
      const stat = lstatOrNull(dir);
      if (stat && (stat.isSymbolicLink() || !stat.isDirectory())) {
        throw new FileExistsError(`${dir} is in the way of ${key}: it is ${stat.isSymbolicLink() ? "a symbolic link" : "not a folder"}`, dir, false);
      }
    }
    const target = path.join(root, relative);
    const stat = lstatOrNull(target);
    if (stat === null) {
      toRecord.add(key);
      continue;
    }
    if (stat.isSymbolicLink() || !stat.isFile()) {
      throw new FileExistsError(`${target} exists and is ${stat.isSymbolicLink() ? "a symbolic link" : "not a regular file"}: edgeswarm does not write through it`, target, false);
    }
    if (known.has(key)) continue; // created by an earlier run of this download: resumed, checked piece by piece
    if (!options.overwrite) {
      throw new FileExistsError(`${target} exists and this download did not create it`, target, true);
    }
    toRecord.add(key);
  }

  // The record is in place before WebTorrent creates the first file.
  try {
    mkdirSync(stateDir, { recursive: true });
    const next: DownloadRecord = { info_hash: infoHash, files: [...toRecord].sort() };
    const scratch = `${recordFile}.${process.pid}.tmp`;
    writeFileSync(scratch, `${JSON.stringify(next, null, 1)}\n`, { flag: "w", mode: 0o600 });
    renameSync(scratch, recordFile);
  } catch (error) {
    throw new DiskError(`cannot write to ${stateDir}: ${describeDiskError(diskErrorCode(error) ?? "EIO")}`, { cause: error });
  }
}
