// Live counts end to end: a real WebTorrent seeder in Node (client/lib's createNodeClient) announcing through the
// local tracker makes its torrent's seeders count rise in directory search results within seconds, and drop
// after it stops. Swarm object → swarm_stats (throttled push) → torrents → GET /api/search.
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import createTorrent from "create-torrent";
import parseTorrent from "parse-torrent";
import type { Torrent } from "webtorrent";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createNodeClient } from "../../client/lib/node-peer";
import type { PublishResponse, SearchResponse } from "../../protocol/directory";
import { startLocalWorker, type LocalWorker } from "../../scripts/local-worker";
import { eventually } from "./wait";

/** The swarm pushes at once on a first seeder and on becoming empty; a few seconds covers a loaded machine. */
const WITHIN_MS = 10_000;

let worker: LocalWorker;
let dir: string;

beforeAll(async () => {
  worker = await startLocalWorker();
  dir = await mkdtemp(path.join(tmpdir(), "edgeswarm-e2e-directory-"));
});

afterAll(async () => {
  await worker?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function search(params: Record<string, string>): Promise<SearchResponse> {
  const res = await fetch(`${worker.httpUrl}/api/search?${new URLSearchParams(params)}`);
  expect(res.status).toBe(200);
  return (await res.json()) as SearchResponse;
}

describe("a torrent in the directory", () => {
  it("shows a real seeder in its search hit within seconds, and loses it when the seeder stops", async () => {
    const word = `live${randomUUID().replace(/-/g, "").slice(0, 10)}`;
    const name = `${word} Field Recordings 2024.flac`;
    const bytes = randomBytes(256 * 1024);

    // The .torrent the seeder will serve (the announce list is outside the info dict: it does not move the hash).
    const torrentFile = await new Promise<Uint8Array>((resolve, reject) =>
      createTorrent(bytes, { name, announce: ["ws://127.0.0.1:1/unused"] }, (error, torrent) =>
        error ? reject(error) : resolve(torrent),
      ),
    );
    const infoHash = (await parseTorrent(torrentFile)).infoHash;

    const published = await fetch(`${worker.httpUrl}/api/torrents?tags=audio`, {
      method: "POST",
      headers: { "content-type": "application/x-bittorrent" },
      body: new Uint8Array(torrentFile),
    });
    expect(published.status).toBe(201);
    expect(((await published.json()) as PublishResponse).entries[0]).toMatchObject({ info_hash: infoHash, seeders: 0 });

    const before = await search({ q: word });
    expect(before.hits).toHaveLength(1);
    expect(before.hits[0]).toMatchObject({ info_hash: infoHash, seeders: 0, leechers: 0 });
    // The magnet points at this deployment's socket for the swarm: the seeder below uses exactly that URL.
    const announce = `${worker.wsUrl}/announce/${infoHash}`;
    expect(new URL(before.hits[0]!.magnet.replace("magnet:?", "http://m/?")).searchParams.get("tr")).toBe(announce);

    const client = createNodeClient();
    let destroyed = false;
    try {
      const started = Date.now();
      const seeded = await new Promise<Torrent>((resolve, reject) => {
        const torrent = client.seed(bytes, { name, announce: [announce], path: dir }, resolve);
        torrent.once("error", reject);
      });
      expect(seeded.infoHash).toBe(infoHash);

      const rose = await eventually(
        async () => {
          const { hits } = await search({ q: word, alive: "1" });
          return hits[0]?.seeders === 1 ? hits[0] : undefined;
        },
        { timeoutMs: WITHIN_MS, pauseMs: 200, what: "the seeder to show in search results" },
      );
      const riseMs = Date.now() - started;
      expect(rose).toMatchObject({ info_hash: infoHash, seeders: 1, leechers: 0 });
      const details = await (await fetch(`${worker.httpUrl}/api/torrents/${infoHash}`)).json();
      expect(details).toMatchObject({ seeders: 1, torrent_url: `/api/torrents/${infoHash}/torrent` });

      const stopped = Date.now();
      await new Promise<void>((resolve) => client.destroy(() => resolve()));
      destroyed = true;
      await eventually(
        async () => {
          const { hits } = await search({ q: word });
          return hits[0]?.seeders === 0 ? hits[0] : undefined;
        },
        { timeoutMs: WITHIN_MS, pauseMs: 200, what: "the seeder to leave the search results" },
      );
      const dropMs = Date.now() - stopped;
      // Still listed, but no longer among the live ones.
      expect((await search({ q: word })).hits).toHaveLength(1);
      expect((await search({ q: word, alive: "1" })).hits).toEqual([]);
      console.info(`directory live counts: seeder visible after ${riseMs} ms, gone ${dropMs} ms after it stopped`);
    } finally {
      if (!destroyed) await new Promise<void>((resolve) => client.destroy(() => resolve()));
    }
  });
});
