// The client library's Node entry: an edgeswarm peer whose WebTorrent client speaks WebRTC through
// node-datachannel (with the fixes of webrtc-node.ts), seeds paths from disk, downloads into folders, checks
// free space and verifies finished files by reading them back. Layer: client/lib, Node entry point.
import { createHash } from "node:crypto";
import { createReadStream, readFileSync } from "node:fs";
import { access, constants, mkdir, mkdtemp, rm, stat, statfs } from "node:fs/promises";
import { homedir, tmpdir } from "node:os";
import path from "node:path";
import parseTorrent from "parse-torrent";
import type { SeedInput, Torrent } from "webtorrent";
import type { PeerRtcConfig } from "./deployment";
import { zodParsers } from "./directory-schemas";
import { DiskError, describeDiskError, diskErrorCode } from "./errors";
import { formatBytes } from "./format";
import { defaultDownloadFolder } from "./download-folder";
import { guardDownloadFiles } from "./download-guard";
import { createNodeClient, setNodeIceServers, type NodeClientOptions } from "./node-peer";
import { EdgeswarmPeer, type PeerOptions, type PeerPlatform, type SeedOptions } from "./peer";
import { verifyPieces, type VerifyResult } from "./piece-verify";

export * from "./index";
export { createNodeClient, LOOPBACK_RTC } from "./node-peer";
export { defaultDownloadFolder } from "./download-folder";
export { guardDownloadFiles, STATE_FOLDER } from "./download-guard";

/** This user's downloads folder (download-folder.ts), where downloads go unless told otherwise. */
export function downloadsFolder(): string {
  return defaultDownloadFolder({
    platform: process.platform,
    home: homedir(),
    env: process.env,
    readText: (file) => {
      try {
        return readFileSync(file, "utf8");
      } catch {
        return null;
      }
    },
  });
}

export type NodePeerOptions = PeerOptions & {
  peerId?: string;
  /** Most connections per torrent (WebTorrent default 55). */
  maxConns?: number;
  /** Upload cap for all torrents, bytes per second (default: none). */
  uploadLimit?: number;
  /** Download cap for all torrents, bytes per second (default: none). */
  downloadLimit?: number;
  handshakeRetry?: NodeClientOptions["handshakeRetry"];
  /** Address of webtorrent's TCP listener (default "127.0.0.1": nothing beyond loopback is bound). */
  listenAddress?: string;
};

/** A peer for Node. Nothing connects until the first `seed` or `download`; `stop()` leaves every swarm. */
export function createNodePeer(options: NodePeerOptions = {}): EdgeswarmPeer {
  return new EdgeswarmPeer(options, nodePlatform(options));
}

export function nodePlatform(options: NodePeerOptions = {}): PeerPlatform {
  return {
    createClient: (rtc: PeerRtcConfig) =>
      createNodeClient({
        rtc,
        strategy: options.strategy ?? "rarest",
        peerId: options.peerId,
        maxConns: options.maxConns,
        uploadLimit: options.uploadLimit,
        downloadLimit: options.downloadLimit,
        handshakeRetry: options.handshakeRetry,
        listenAddress: options.listenAddress,
      }),
    setIceServers: setNodeIceServers,
    parsers: zodParsers,
    prepareSeed,
    prepareDownload,
    checkRoom,
    verify: verifyOnDisk,
    guardFiles: (torrent, folder, guard) => guardDownloadFiles(folder, torrent.infoHash, torrent.files, guard),
  };
}

/**
 * Seed inputs: paths must exist and be readable. One file or folder is seeded in place; several paths (or
 * bytes) are copied by WebTorrent into a store folder, a fresh temporary one unless `options.path` is given.
 */
async function prepareSeed(input: SeedInput, options: SeedOptions): Promise<{ input: SeedInput; path?: string; cleanup?: () => Promise<void> }> {
  const items = Array.isArray(input) ? input : [input];
  if (items.length === 0) throw new DiskError("nothing to seed: no paths given");
  const resolved = await Promise.all(
    items.map(async (item) => {
      if (typeof item !== "string") return item;
      const absolute = path.resolve(item);
      try {
        await stat(absolute);
        await access(absolute, constants.R_OK);
      } catch (error) {
        throw new DiskError(`cannot read ${item}: ${describeDiskError(diskErrorCode(error) ?? "EIO")}`, { cause: error });
      }
      return absolute;
    }),
  );
  const single = resolved.length === 1 ? resolved[0]! : null;
  if (typeof single === "string") return { input: single }; // in place: WebTorrent stores from the file's folder
  if (options.path) return { input: resolved as SeedInput, path: await writableFolder(options.path) };
  const store = await mkdtemp(path.join(tmpdir(), "edgeswarm-seed-"));
  return { input: resolved as SeedInput, path: store, cleanup: () => rm(store, { recursive: true, force: true }) };
}

async function prepareDownload(folder: string | undefined): Promise<string | undefined> {
  return folder === undefined ? undefined : writableFolder(folder);
}

/** Creates `folder` if needed and checks it can be written; DiskError otherwise. */
async function writableFolder(folder: string): Promise<string> {
  const absolute = path.resolve(folder);
  try {
    await mkdir(absolute, { recursive: true });
    if (!(await stat(absolute)).isDirectory()) throw Object.assign(new Error("not a directory"), { code: "ENOTDIR" });
    await access(absolute, constants.W_OK);
  } catch (error) {
    throw new DiskError(`cannot write to ${folder}: ${describeDiskError(diskErrorCode(error) ?? "EIO")}`, { cause: error });
  }
  return absolute;
}

async function checkRoom(folder: string, bytes: number): Promise<void> {
  if (!folder) return;
  let free: number;
  try {
    const fs = await statfs(folder);
    free = fs.bavail * fs.bsize;
  } catch {
    return; // cannot tell: let the writes speak
  }
  if (bytes > free) throw new DiskError(`not enough space in ${folder}: ${formatBytes(bytes)} needed, ${formatBytes(free)} free`);
}

/**
 * Reads the finished files from disk, in torrent order, and checks every piece's SHA-1 against the .torrent
 * (those in `only` for a partial download: files not chosen may be missing, and read as zeros).
 */
async function verifyOnDisk(torrent: Torrent, only?: ReadonlySet<number>): Promise<VerifyResult> {
  const parsed = await parseTorrent(torrent.torrentFile);
  const layout = { pieceLength: parsed.pieceLength ?? torrent.pieceLength, length: parsed.length ?? torrent.length, hashes: parsed.pieces ?? [] };
  const files = [...(parsed.files ?? [])].sort((a, b) => a.offset - b.offset);
  const root = torrent.path;
  async function* chunks(): AsyncGenerator<Uint8Array> {
    for (const file of files) {
      if (file.length === 0) continue;
      const stream = createReadStream(path.join(root, file.path), { highWaterMark: 1024 * 1024 });
      let read = 0;
      try {
        for await (const chunk of stream) {
          read += (chunk as Buffer).length;
          yield chunk as Buffer;
        }
      } catch (error) {
        if (diskErrorCode(error) !== "ENOENT") {
          throw new DiskError(`cannot read back ${file.path}: ${describeDiskError(diskErrorCode(error) ?? "EIO")}`, { cause: error });
        }
      }
      // A missing or short file reads as zeros, so later files stay at their offsets; its pieces fail.
      for (let left = file.length - read; left > 0; left -= 1024 * 1024) yield new Uint8Array(Math.min(left, 1024 * 1024));
    }
  }
  return verifyPieces(layout, chunks(), (bytes) => createHash("sha1").update(bytes).digest("hex"), only);
}
