// Node peers for the browser tests: WebTorrent clients from client/lib (WebRTC over node-datachannel, on
// loopback) that seed to or download from the page through the local tracker, plus directory calls.
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readFile, readdir, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import createTorrent from "create-torrent";
import parseTorrent from "parse-torrent";
import type WebTorrent from "webtorrent";
import type { Torrent } from "webtorrent";
import { createNodeClient } from "../../../client/lib/node-peer";
import type { PublishResponse } from "../../../protocol/directory";
import { nextEvent } from "../../e2e/wait";

export type Source = { name: string; bytes: Buffer; sha256: string };

export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

export function randomFile(name: string, size: number): Source {
  const bytes = randomBytes(size);
  return { name, bytes, sha256: sha256(bytes) };
}

export function swarmUrl(wsUrl: string, infoHash: string): string {
  return `${wsUrl}/announce/${infoHash}`;
}

/**
 * bittorrent-tracker keeps one socket per tracker URL for the whole process, so two Node peers of one test would
 * share one. Each peer tags its URL (the tracker ignores the query), so each has its own socket, as real peers do.
 */
export type NodePeer = { client: WebTorrent; dir: string; role: string; announceUrl(wsUrl: string, infoHash: string): string; destroy(): Promise<void> };

export async function nodePeer(role: string, options: { uploadLimit?: number } = {}): Promise<NodePeer> {
  const dir = await mkdtemp(path.join(tmpdir(), `edgeswarm-browser-${role}-`));
  const client = createNodeClient({ strategy: "rarest", uploadLimit: options.uploadLimit });
  return {
    client,
    dir,
    role,
    announceUrl: (wsUrl, infoHash) => `${swarmUrl(wsUrl, infoHash)}?peer=${encodeURIComponent(role)}`,
    destroy: async () => {
      await new Promise<void>((resolve) => client.destroy(() => resolve()));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

type Input = Buffer | string; // bytes, or a file or folder path
type MakeOptions = { name?: string; pieceLength?: number };

/** The info hash and .torrent of `input` as a seed announcing on its swarm socket of `wsUrl`. */
export async function torrentOf(input: Input, wsUrl: string, options: MakeOptions = {}): Promise<{ infoHash: string; torrentFile: Uint8Array }> {
  // The announce list is outside the info dictionary: a placeholder gives the hash, then the real URL.
  const probe = await makeTorrent(input, "ws://127.0.0.1:1/unused", options);
  const infoHash = (await parseTorrent(probe)).infoHash;
  return { infoHash, torrentFile: await makeTorrent(input, swarmUrl(wsUrl, infoHash), options) };
}

function makeTorrent(input: Input, announce: string, options: MakeOptions): Promise<Uint8Array> {
  return new Promise((resolve, reject) =>
    createTorrent(input, { ...options, announce: [announce] }, (error, torrent) => (error ? reject(error) : resolve(torrent))),
  );
}

type Seeded = { torrent: Torrent; infoHash: string; torrentFile: Uint8Array };

export async function seedInNode(peer: NodePeer, source: Source, wsUrl: string, options: { pieceLength?: number } = {}): Promise<Seeded> {
  return seed(peer, source.bytes, wsUrl, { name: source.name, ...options });
}

/** Seeds a folder (or file) from disk, read in place. */
export async function seedPathInNode(peer: NodePeer, folder: string, wsUrl: string): Promise<Seeded> {
  return seed(peer, folder, wsUrl, {});
}

async function seed(peer: NodePeer, input: Input, wsUrl: string, options: MakeOptions): Promise<Seeded> {
  const { infoHash, torrentFile } = await torrentOf(input, wsUrl, options);
  const torrent = await new Promise<Torrent>((resolve, reject) => {
    const opts = { ...options, announce: [peer.announceUrl(wsUrl, infoHash)], ...(typeof input === "string" ? {} : { path: peer.dir }) };
    const t = peer.client.seed(input, opts, resolve);
    t.once("error", reject);
  });
  if (torrent.infoHash !== infoHash) throw new Error(`seeded ${torrent.infoHash}, expected ${infoHash}`);
  return { torrent, infoHash, torrentFile };
}

/** Every file of a finished download, by its path inside the torrent. */
export async function downloadedFiles(peer: NodePeer, torrent: Torrent): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  for (const file of torrent.files) files.set(file.path.split(path.sep).join("/"), await readFile(path.join(peer.dir, file.path)));
  return files;
}

/** Every file under a folder, by its path relative to the folder's parent (as a torrent names them). */
export async function filesUnder(folder: string): Promise<Map<string, Buffer>> {
  const files = new Map<string, Buffer>();
  const walk = async (dir: string) => {
    for (const name of (await readdir(dir)).sort()) {
      const full = path.join(dir, name);
      if ((await stat(full)).isDirectory()) await walk(full);
      else files.set(path.relative(path.dirname(folder), full).split(path.sep).join("/"), await readFile(full));
    }
  };
  await walk(folder);
  return files;
}

/** Starts downloading a torrent by info hash (metadata from the peers). */
export function startDownloadInNode(peer: NodePeer, infoHash: string, wsUrl: string): Torrent {
  return peer.client.add(`magnet:?xt=urn:btih:${infoHash}`, { announce: [peer.announceUrl(wsUrl, infoHash)], path: peer.dir, strategy: "rarest" });
}

/** Downloads a torrent by info hash (metadata from the peer) and returns the bytes of its only file. */
export async function downloadInNode(peer: NodePeer, infoHash: string, wsUrl: string, timeoutMs: number): Promise<{ torrent: Torrent; bytes: Buffer }> {
  const torrent = startDownloadInNode(peer, infoHash, wsUrl);
  if (!torrent.done) await nextEvent(torrent, "done", timeoutMs, `the Node download of ${infoHash}`);
  if (torrent.files.length !== 1) throw new Error(`expected one file, got ${torrent.files.length}`);
  return { torrent, bytes: await readFile(path.join(peer.dir, torrent.files[0]!.path)) };
}

export async function publishTorrentFile(httpUrl: string, torrentFile: Uint8Array, tags: string[] = []): Promise<PublishResponse> {
  const query = tags.length > 0 ? `?${new URLSearchParams(tags.map((t) => ["tags", t]))}` : "";
  const response = await fetch(`${httpUrl}/api/torrents${query}`, {
    method: "POST",
    headers: { "content-type": "application/x-bittorrent" },
    body: new Blob([torrentFile.slice()]),
  });
  if (!response.ok) throw new Error(`publish failed: ${response.status} ${await response.text()}`);
  return (await response.json()) as PublishResponse;
}
