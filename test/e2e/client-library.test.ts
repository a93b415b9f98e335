// The client library (client/lib/node.ts) against the real local worker: seed → directory → download by
// magnet, info hash and search words, checked by SHA-256; the announce URLs it writes; progress events;
// `stop` leaving the swarm; and each failure a user can meet, as its typed error.
import { createHash, randomBytes } from "node:crypto";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import parseTorrent from "parse-torrent";
import WebTorrent, { type WebTorrentOptions } from "webtorrent";
import { WebSocketServer } from "ws";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createBrowserPeer } from "../../client/lib/browser";
import { createNodePeer, LOOPBACK_RTC, type NodePeerOptions } from "../../client/lib/node";
import { installNodeWebRtcFixes } from "../../client/lib/webrtc-node";
import type { EdgeswarmPeer } from "../../client/lib/peer";
import type { Progress } from "../../client/lib/progress";
import { freePort, startLocalWorker, type LocalWorker } from "../../scripts/local-worker";
import { eventually } from "./wait";

const KiB = 1024;
let worker: LocalWorker;
const peers: EdgeswarmPeer[] = [];
const folders: string[] = [];

beforeAll(async () => {
  worker = await startLocalWorker();
});

afterEach(async () => {
  await Promise.all(peers.splice(0).map((peer) => peer.stop()));
});

afterAll(async () => {
  await worker?.stop();
  await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
});

/** Each peer has its own tracker socket (several peers share this process). */
function peer(role: string, options: NodePeerOptions = {}): EdgeswarmPeer {
  const p = createNodePeer({ server: worker.httpUrl, socketTag: `${role}-${randomBytes(3).toString("hex")}`, ...options });
  peers.push(p);
  return p;
}

async function folder(role: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `edgeswarm-lib-${role}-`));
  folders.push(dir);
  return dir;
}

const sha256 = (bytes: Uint8Array) => createHash("sha256").update(bytes).digest("hex");

/** A random file on disk under a fresh folder. */
async function sourceFile(name: string, size: number): Promise<{ file: string; bytes: Buffer }> {
  const bytes = randomBytes(size);
  const file = path.join(await folder("source"), name);
  await writeFile(file, bytes);
  return { file, bytes };
}

describe("a seed published by the library", () => {
  it("is found by search and downloaded by magnet, info hash and search words, byte for byte", async () => {
    const word = `quokka${randomBytes(4).toString("hex")}`;
    const { file, bytes } = await sourceFile(`${word}-field-recording.wav`, 700 * KiB + 13);
    const seeding = await peer("seed").seed(file, { tags: ["audio", "field"], description: "Dawn chorus" });

    expect(seeding.publishError).toBeNull();
    expect(seeding.listing).toMatchObject({ info_hash: seeding.infoHash, created: true, tags: ["audio", "field"], description: "Dawn chorus" });
    expect(seeding.token).toEqual(expect.any(String));
    const swarmUrl = `${worker.wsUrl}/announce/${seeding.infoHash}`;
    expect(seeding.magnet).toBe(`magnet:?xt=urn:btih:${seeding.infoHash}&dn=${encodeURIComponent(path.basename(file))}&xl=${bytes.length}&tr=${encodeURIComponent(swarmUrl)}`);
    expect(seeding.shareLink).toBe(`${worker.httpUrl}/#${seeding.infoHash}`);
    // The .torrent names this deployment's swarm socket and nothing else (no public trackers, no placeholder).
    expect((await parseTorrent(seeding.torrentFile)).announce).toEqual([swarmUrl]);
    const listed = await peer("reader").directory.torrentFile(seeding.infoHash);
    expect((await parseTorrent(listed)).infoHash).toBe(seeding.infoHash);

    const { hits } = await peer("searcher").search(word);
    expect(hits.map((hit) => hit.info_hash)).toEqual([seeding.infoHash]);

    for (const target of [seeding.magnet, seeding.infoHash, `${word} recording`]) {
      const out = await folder("out");
      const download = peer("leecher").download(target, { path: out });
      const result = await download.result;
      expect(result.files).toEqual([{ path: path.basename(file), length: bytes.length }]);
      expect(result.verified).toMatchObject({ ok: true, bytes: bytes.length });
      expect(sha256(await readFile(path.join(out, path.basename(file)))), target).toBe(sha256(bytes));
      expect(download.resolved?.via).toBe(target === seeding.magnet ? "magnet" : target === seeding.infoHash ? "directory" : "search");
    }
  });

  it("reports progress: bytes, total, pieces, peers, speeds and an ETA", async () => {
    const { file, bytes } = await sourceFile("progress.bin", 2 * 1024 * KiB);
    const seeding = await peer("seed", { uploadLimit: 1024 * KiB }).seed(file, { publish: false, pieceLength: 16 * KiB });
    const download = peer("leecher", { progressIntervalMs: 100 }).download(seeding.magnet, { path: await folder("out") });
    const seen: Progress[] = [];
    download.on("progress", (progress) => seen.push(progress));
    await download.result;

    const last = seen.at(-1)!;
    expect(last).toMatchObject({ infoHash: seeding.infoHash, bytes: bytes.length, total: bytes.length, fraction: 1, done: true, etaMs: 0, pieces: { held: 128, total: 128 } });
    const during = seen.filter((p) => !p.done && p.bytes > 0);
    expect(during.length).toBeGreaterThan(2); // a 2 MiB download at 1 MiB/s takes ~2 s
    expect(during.some((p) => p.peers >= 1 && p.downloadSpeed > 0 && p.etaMs !== null && p.pieces.held > 0 && p.pieces.held < 128)).toBe(true);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.bytes).toBeGreaterThanOrEqual(seen[i - 1]!.bytes);
  });

  it("seeds a folder, whose files arrive under the torrent's name", async () => {
    const root = path.join(await folder("source"), "photo-set");
    await mkdir(path.join(root, "raw"), { recursive: true });
    const files = { "a.jpg": randomBytes(40 * KiB), "raw/b.cr2": randomBytes(90 * KiB + 1), "notes.txt": Buffer.from("two photos\n") };
    for (const [name, bytes] of Object.entries(files)) await writeFile(path.join(root, name), bytes);
    const seeding = await peer("seed").seed(root);
    expect(seeding.name).toBe("photo-set");
    expect(seeding.files.map((f) => f.path).sort()).toEqual(["photo-set/a.jpg", "photo-set/notes.txt", "photo-set/raw/b.cr2"]);

    const out = await folder("out");
    const result = await peer("leecher").download(seeding.infoHash, { path: out }).result;
    expect(result.verified?.ok).toBe(true);
    for (const [name, bytes] of Object.entries(files)) expect(sha256(await readFile(path.join(out, "photo-set", name))), name).toBe(sha256(bytes));
  });

  it("announces `stopped` on its swarm socket when stopped", async () => {
    // A stand-in tracker that only records frames: what the library sends, and nothing else answering.
    const port = await freePort();
    const tracker = new WebSocketServer({ host: "127.0.0.1", port });
    const frames: Array<{ url: string; frame: Record<string, unknown> }> = [];
    tracker.on("connection", (socket, request) => {
      socket.on("message", (data) => {
        const frame = JSON.parse(data.toString()) as Record<string, unknown>;
        frames.push({ url: request.url ?? "", frame });
        if (frame.action === "announce") socket.send(JSON.stringify({ action: "announce", info_hash: frame.info_hash, interval: 120, complete: 1, incomplete: 0 }));
      });
    });
    try {
      const seeder = createNodePeer({ server: `http://127.0.0.1:${port}`, rtc: LOOPBACK_RTC });
      peers.push(seeder);
      const seeding = await seeder.seed(Buffer.from("a stopped seed"), { name: "stopped.txt", publish: false, path: await folder("seed") });
      const events = () => frames.filter((f) => f.frame.action === "announce").map((f) => f.frame.event ?? "update");
      await eventually(async () => (events().includes("started") ? true : undefined), { timeoutMs: 10_000, what: "the started announce" });
      await seeder.stop();
      // Sent before the socket closes; it may be read here a moment after stop() returns (the client closes
      // as soon as any reply arrives, e.g. a late one to `started`).
      await eventually(async () => (events().includes("stopped") ? true : undefined), { timeoutMs: 3_000, what: "the stopped announce" });
      expect(events().at(-1)).toBe("stopped");
      expect(new Set(frames.map((f) => f.url))).toEqual(new Set([`/announce/${seeding.infoHash}`]));
    } finally {
      await new Promise((resolve) => tracker.close(resolve));
    }
  });

  it("leaves the swarm when stopped: the directory counts no seeder within a push interval", async () => {
    const { file } = await sourceFile("leaving.bin", 50 * KiB);
    const seeder = peer("seed");
    const seeding = await seeder.seed(file);
    const reader = peer("reader");
    await eventually(async () => ((await reader.details(seeding.infoHash))?.seeders === 1 ? true : undefined), { timeoutMs: 10_000, pauseMs: 200, what: "the seeder in the live counts" });
    await seeder.stop();
    // The swarm pushes its counts at most every 5 s (its final state trailing): the count follows within that.
    await eventually(async () => ((await reader.details(seeding.infoHash))?.seeders === 0 ? true : undefined), { timeoutMs: 8_000, pauseMs: 200, what: "the seeder gone from the live counts" });
  });
});

describe("the browser entry", () => {
  it("downloads and verifies from its store with the WebTorrent constructor it is given", async () => {
    const { file, bytes } = await sourceFile("for-the-page.bin", 300 * KiB);
    const seeding = await peer("seed").seed(file);
    // WebTorrent's Node build standing in for its browser build: only what Node needs on loopback is added.
    installNodeWebRtcFixes();
    class LoopbackWebTorrent extends WebTorrent {
      constructor(options: WebTorrentOptions = {}) {
        const tracker = options.tracker || {};
        super({ ...options, tracker: { ...tracker, rtcConfig: { ...LOOPBACK_RTC } }, utp: false, natUpnp: false, natPmp: false });
      }
    }
    const page = createBrowserPeer({ server: worker.httpUrl, WebTorrent: LoopbackWebTorrent, socketTag: "page" });
    peers.push(page);
    const result = await page.download(seeding.infoHash, { path: await folder("page") }).result;
    expect(result.verified).toMatchObject({ ok: true, bytes: bytes.length });
    expect(sha256(new Uint8Array(await result.torrent.files[0]!.arrayBuffer()))).toBe(sha256(bytes));
  });
});

describe("a download that cannot happen", () => {
  it("says nothing in the directory matches the words", async () => {
    const download = peer("leecher").download(`no such thing ${randomBytes(6).toString("hex")}`);
    await expect(download.result).rejects.toMatchObject({ code: "not_found", message: expect.stringMatching(/^nothing in the directory at .* matches "no such thing/) });
  });

  it("says the directory does not list an unknown info hash", async () => {
    const hash = randomBytes(20).toString("hex");
    await expect(peer("leecher").download(hash).result).rejects.toMatchObject({ code: "not_found", message: expect.stringContaining(`no torrent with info hash ${hash}`) });
  });

  it("gives up when no peer turns up within the timeout", async () => {
    const hash = randomBytes(20).toString("hex");
    const reader = peer("reader");
    await reader.publish({ info_hash: hash, name: "nobody-seeds-this.bin", size: 1000 });
    const started = Date.now();
    const download = reader.download(hash, { path: await folder("out"), noPeersTimeoutMs: 2_000 });
    await expect(download.result).rejects.toMatchObject({ code: "no_peers", message: expect.stringContaining("no peers for nobody-seeds-this.bin within 2s") });
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it("says the server cannot be reached", async () => {
    const down = createNodePeer({ server: `http://127.0.0.1:${await freePort()}` });
    peers.push(down);
    await expect(down.download(randomBytes(20).toString("hex")).result).rejects.toMatchObject({ code: "unreachable", message: expect.stringContaining("connection refused") });
    await expect(down.seed(Buffer.from("x"), { name: "x" })).rejects.toMatchObject({ code: "unreachable" });
  });

  it("says the download folder cannot be written, and a seed path cannot be read", async () => {
    const { file } = await sourceFile("blocker.txt", 10);
    const seeding = await peer("seed").seed(file);
    await expect(peer("leecher").download(seeding.infoHash, { path: path.join(file, "inside-a-file") }).result).rejects.toMatchObject({ code: "disk", message: expect.stringContaining("cannot write to") });
    await expect(peer("seed").seed(path.join(path.dirname(file), "missing.bin"))).rejects.toMatchObject({ code: "disk", message: expect.stringContaining("no such file or directory") });
  });
});
