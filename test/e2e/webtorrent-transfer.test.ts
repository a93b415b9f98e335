// Real bytes through the local tracker, on both hosts (workerd, Deno): two WebTorrent clients in Node
// (client/lib's createNodeClient, WebRTC over node-datachannel on loopback) move random files, checked by
// SHA-256, on both tracker endpoints.
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import createTorrent from "create-torrent";
import parseTorrent from "parse-torrent";
import type WebTorrent from "webtorrent";
import type { Torrent } from "webtorrent";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createNodeClient } from "../../client/lib/node-peer";
import { hostsUnderTest, startLocalHost, type LocalHost } from "../../scripts/local-host";
import { nextEvent } from "./wait";

const MiB = 1024 * 1024;
/** With the ICE fix a loopback connection takes well under a second; without it, 10 s or more. */
const CONNECT_MS = 5_000;
const TRANSFER_MS = 45_000;

/** The host of the `describe` running now. */
let worker: LocalHost;
const cleanups: Array<() => Promise<void>> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

type Source = { name: string; bytes: Buffer; sha256: string };

function randomFile(name: string, size: number): Source {
  const bytes = randomBytes(size);
  return { name, bytes, sha256: sha256(bytes) };
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

type Peer = { client: WebTorrent; dir: string; errors: string[] };

/** A client with its own download folder, both removed after the test. Client errors are kept to assert on. */
async function client(role: string, strategy?: "rarest" | "sequential"): Promise<Peer> {
  const dir = await mkdtemp(path.join(tmpdir(), `edgeswarm-e2e-${role}-`));
  const c = createNodeClient({ strategy });
  const errors: string[] = [];
  c.on("error", (error) => errors.push(String(error)));
  cleanups.push(async () => {
    await new Promise<void>((resolve) => c.destroy(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  });
  return { client: c, dir, errors };
}

/**
 * bittorrent-tracker keeps one socket per tracker URL for the whole process, so two clients in one test
 * process would share a socket. Tagging each client's URL keeps one socket per client, as with real peers.
 */
function tagged(url: string, role: string): string {
  return `${url}?client=${role}`;
}

async function infoHashOf(source: Source): Promise<string> {
  const torrentFile = await new Promise<Uint8Array>((resolve, reject) =>
    // The announce list is not part of the info dictionary, so it does not change the info hash.
    createTorrent(source.bytes, { name: source.name, announce: ["ws://127.0.0.1:1/unused"] }, (error, torrent) =>
      error ? reject(error) : resolve(torrent),
    ),
  );
  return (await parseTorrent(torrentFile)).infoHash;
}

function seed(seeder: Peer, source: Source, announce: string): Promise<Torrent> {
  return new Promise((resolve, reject) => {
    const torrent = seeder.client.seed(source.bytes, { name: source.name, announce: [announce], path: seeder.dir }, resolve);
    torrent.once("error", reject);
  });
}

/** Adds the seeded torrent's metadata to the leecher, announcing on the leecher's own URL only. */
async function download(leecher: Peer, seeded: Torrent, announce: string) {
  const parsed = await parseTorrent(seeded.torrentFile);
  const started = Date.now();
  const torrent = leecher.client.add({ ...parsed, announce: [announce] }, { path: leecher.dir });
  const connected = nextEvent(torrent, "wire", CONNECT_MS, `a peer connection for ${seeded.name}`).then(() => Date.now() - started);
  const done = nextEvent(torrent, "done", TRANSFER_MS, `the download of ${seeded.name}`).then(() => Date.now() - started);
  // Awaited later, one after the other; a rejection meanwhile is not "unhandled".
  connected.catch(() => undefined);
  done.catch(() => undefined);
  return { torrent, connected, done };
}

/** The WebSocket a torrent announces on (bittorrent-tracker 11 internals: Client._trackers[i].socket). */
function trackerSocketOf(torrent: Torrent): unknown {
  const tracker = torrent.discovery?.tracker as unknown as { _trackers: Array<{ socket: unknown }> };
  expect(tracker._trackers).toHaveLength(1);
  return tracker._trackers[0]!.socket;
}

async function expectSameBytes(leecher: { dir: string }, torrent: Torrent, source: Source) {
  expect(torrent.files).toHaveLength(1);
  const file = torrent.files[0]!;
  expect(file.length).toBe(source.bytes.length);
  const downloaded = await readFile(path.join(leecher.dir, file.path));
  expect(sha256(downloaded)).toBe(source.sha256);
}

describe.each(hostsUnderTest())("on %s", (host) => {
  beforeAll(async () => {
    worker = await startLocalHost({ host, vars: { ANNOUNCE_INTERVAL_SECONDS: "3" } });
  });

  afterAll(async () => {
    await worker?.stop();
  });

  describe("two WebTorrent clients in Node", () => {
    it("move two torrents over one /announce connection each", async () => {
      const seeder = await client("seeder");
      const leecher = await client("leecher", "rarest");
      const seederUrl = tagged(`${worker.wsUrl}/announce`, "seeder");
      const leecherUrl = tagged(`${worker.wsUrl}/announce`, "leecher");
      const sources = [randomFile("first.bin", 4 * MiB), randomFile("second.bin", 3 * MiB)];

      const seeded = await Promise.all(sources.map((source) => seed(seeder, source, seederUrl)));
      const downloads = await Promise.all(seeded.map((torrent) => download(leecher, torrent, leecherUrl)));
      const connectMs = await Promise.all(downloads.map((d) => d.connected));
      const doneMs = await Promise.all(downloads.map((d) => d.done));

      // The premise: each client carries both torrents on one connection, and the two clients do not share one.
      const [leecherSocket, otherLeecherSocket] = downloads.map((d) => trackerSocketOf(d.torrent));
      const [seederSocket, otherSeederSocket] = seeded.map(trackerSocketOf);
      expect(leecherSocket).toBeDefined();
      expect(otherLeecherSocket).toBe(leecherSocket);
      expect(otherSeederSocket).toBe(seederSocket);
      expect(seederSocket).not.toBe(leecherSocket);

      for (const [i, { torrent }] of downloads.entries()) {
        expect(torrent.infoHash).toBe(seeded[i]!.infoHash);
        expect(torrent.strategy).toBe("rarest");
        await expectSameBytes(leecher, torrent, sources[i]!);
      }
      expect([...seeder.errors, ...leecher.errors]).toEqual([]);
      console.info(`/announce: connected after ${connectMs.join(", ")} ms; done after ${doneMs.join(", ")} ms`);
    });

    it("move a torrent over /announce/<info hash>", async () => {
      const seeder = await client("seeder");
      const leecher = await client("leecher");
      const source = randomFile("single.bin", 5 * MiB);
      const infoHash = await infoHashOf(source);
      const swarmUrl = `${worker.wsUrl}/announce/${infoHash}`;

      const seeded = await seed(seeder, source, tagged(swarmUrl, "seeder"));
      expect(seeded.infoHash).toBe(infoHash);
      const { torrent, connected, done } = await download(leecher, seeded, tagged(swarmUrl, "leecher"));
      const connectMs = await connected;
      const doneMs = await done;

      expect(torrent.strategy).toBe("sequential");
      await expectSameBytes(leecher, torrent, source);
      expect([...seeder.errors, ...leecher.errors]).toEqual([]);
      console.info(`/announce/<hash>: connected after ${connectMs} ms; done after ${doneMs} ms`);
    });
  });
});
