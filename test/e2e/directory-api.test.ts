// The directory's HTTP API on both hosts (workerd with D1, Deno with SQLite): publish (JSON and .torrent),
// search, details, the .torrent, delete — and bad input answered the same on both. On Deno alone: a restart
// keeps the directory (the SQLite file) and the swarms fill again as peers re-announce; the routes that need
// object storage answer 501.
import { randomBytes, randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Client, type AnnounceResponse } from "bittorrent-tracker";
import createTorrent from "create-torrent";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PublishResponse, SearchResponse } from "../../protocol/directory";
import { hexToBinary } from "../../protocol/ids";
import { freePort } from "../../scripts/local-worker";
import { hostsUnderTest, startLocalHost, type LocalHost } from "../../scripts/local-host";
import { TrackerSocket, announceFrame, isAnnounceReply, isScrapeReply, randomId } from "./tracker-socket";
import { eventually, nextEvent } from "./wait";

const word = () => `w${randomUUID().replace(/-/g, "").slice(0, 12)}`;
const hash = () => randomBytes(20).toString("hex");

async function call(host: LocalHost, method: string, route: string, init: RequestInit = {}) {
  const res = await fetch(`${host.httpUrl}${route}`, { method, ...init });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: kept as text
  }
  return { status: res.status, body };
}

const json = (body: unknown): RequestInit => ({ headers: { "content-type": "application/json" }, body: JSON.stringify(body) });

async function publishJson(host: LocalHost, entry: Record<string, unknown>): Promise<PublishResponse> {
  const res = await call(host, "POST", "/api/torrents", json(entry));
  expect(res.status, JSON.stringify(res.body)).toBe(201);
  return res.body as PublishResponse;
}

async function search(host: LocalHost, params: Record<string, string>): Promise<SearchResponse> {
  const res = await call(host, "GET", `/api/search?${new URLSearchParams(params)}`);
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as SearchResponse;
}

/** The host of the `describe` running now. */
let server: LocalHost;
/** What each host answered to each bad request, compared across hosts at the end. */
const answers = new Map<string, Map<string, { status: number; body: unknown }>>();

describe.each(hostsUnderTest())("the directory API on %s", (host) => {
  beforeAll(async () => {
    server = await startLocalHost({ host });
    answers.set(host, new Map());
  });
  afterAll(async () => server?.stop());

  it("publishes JSON metadata, finds it by name and description words, shows its details and deletes it with its token", async () => {
    const [name, described] = [word(), word()];
    const infoHash = hash();
    const published = await publishJson(server, {
      info_hash: infoHash,
      name: `${name} Field Notes`,
      size: 1200,
      tags: ["text"],
      description: `Notes on ${described} from the field`,
      files: [{ path: "notes/a.txt", length: 1200 }],
    });
    expect(published.entries[0]).toMatchObject({ info_hash: infoHash, created: true, seeders: 0 });
    const token = published.token!;

    expect((await search(server, { q: name })).hits.map((h) => h.info_hash)).toEqual([infoHash]);
    expect((await search(server, { q: described })).hits.map((h) => h.info_hash)).toEqual([infoHash]);
    const hit = (await search(server, { q: `${name} notes`, tag: "text" })).hits[0]!;
    expect(new URL(hit.magnet.replace("magnet:?", "http://m/?")).searchParams.get("tr")).toBe(`${server.wsUrl}/announce/${infoHash}`);

    const details = await call(server, "GET", `/api/torrents/${infoHash}`);
    expect(details).toMatchObject({ status: 200, body: { info_hash: infoHash, files: [{ path: "notes/a.txt", length: 1200 }], web_seed: null } });

    expect((await call(server, "DELETE", `/api/torrents/${infoHash}`)).body).toMatchObject({ error: { code: "token_required" } });
    expect((await call(server, "DELETE", `/api/torrents/${infoHash}`, { headers: { authorization: "Bearer not-the-publishers-token" } })).status).toBe(403);
    expect((await call(server, "DELETE", `/api/torrents/${infoHash}`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(204);
    expect((await call(server, "GET", `/api/torrents/${infoHash}`)).status).toBe(404);
    expect((await search(server, { q: name })).hits).toEqual([]);
  });

  it("publishes a .torrent and hands the same bytes back", async () => {
    const name = word();
    const torrentFile = await new Promise<Uint8Array>((resolve, reject) =>
      createTorrent(randomBytes(64 * 1024), { name: `${name}.bin`, announce: ["ws://127.0.0.1:1/unused"] }, (error, t) => (error ? reject(error) : resolve(t))),
    );
    const res = await call(server, "POST", "/api/torrents?tags=data", { headers: { "content-type": "application/x-bittorrent" }, body: new Uint8Array(torrentFile) });
    expect(res.status).toBe(201);
    const infoHash = (res.body as PublishResponse).entries[0]!.info_hash;
    const back = await fetch(`${server.httpUrl}/api/torrents/${infoHash}/torrent`);
    expect(back.headers.get("content-type")).toBe("application/x-bittorrent");
    expect(Buffer.from(await back.arrayBuffer()).equals(Buffer.from(torrentFile))).toBe(true);
  });

  it.each([
    { what: "an unbalanced quote", route: `/api/search?q=${encodeURIComponent('"')}`, status: 400, code: "bad_query" },
    { what: "an unknown sort", route: "/api/search?q=x&sort=loudest", status: 400, code: "bad_request" },
    { what: "a limit of 0", route: "/api/search?q=x&limit=0", status: 400, code: "bad_request" },
    { what: "a forged cursor", route: "/api/search?q=x&cursor=bm90LWEtY3Vyc29y", status: 400, code: "bad_cursor" },
    { what: "q given twice", route: "/api/search?q=a&q=b", status: 400, code: "bad_request" },
    { what: "a malformed info hash", route: "/api/torrents/not-a-hash", status: 400, code: "bad_info_hash" },
    { what: "an unknown torrent", route: `/api/torrents/${"0".repeat(40)}`, status: 404, code: "not_found" },
    { what: "an unknown path", route: "/api/nothing-here", status: 404, code: "not_found" },
  ])("answers a search or lookup with $what: $status $code", async ({ route, status, code }) => {
    const res = await call(server, "GET", route);
    expect(res.status).toBe(status);
    expect(res.body).toEqual({ error: { code, message: expect.any(String) } });
    answers.get(host)!.set(`GET ${route}`, res);
  });

  it.each([
    { what: "a body that is not JSON", init: { headers: { "content-type": "application/json" }, body: "{nope" }, status: 400, code: "bad_json" },
    { what: "a bad info hash", init: json({ info_hash: "xyz", name: "n", size: 1 }), status: 400, code: "bad_request" },
    { what: "a negative size", init: json({ info_hash: hash(), name: "n", size: -1 }), status: 400, code: "bad_request" },
    { what: "bytes that are no .torrent", init: { headers: { "content-type": "application/x-bittorrent" }, body: "d4:infoi1ee" }, status: 400, code: "bad_torrent" },
    { what: "an unsupported type", init: { headers: { "content-type": "text/plain" }, body: "hello" }, status: 415, code: "unsupported_media_type" },
  ])("refuses a publish of $what: $status $code", async ({ what, init, status, code }) => {
    const res = await call(server, "POST", "/api/torrents", init);
    expect(res.status).toBe(status);
    expect(res.body).toEqual({ error: { code, message: expect.any(String) } });
    answers.get(host)!.set(`publish ${what}`, res);
  });
});

describe.skipIf(hostsUnderTest().length < 2)("bad input on every host", () => {
  it("gets the same answers, message for message", () => {
    const [first, ...others] = [...answers.values()];
    expect(first!.size).toBeGreaterThan(0);
    for (const other of others) expect(Object.fromEntries(other)).toEqual(Object.fromEntries(first!));
  });
});

describe.skipIf(!hostsUnderTest().includes("deno"))("the Deno host", () => {
  let dir: string;
  let deno: LocalHost | null = null;
  const clients: Client[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "edgeswarm-deno-restart-"));
  });
  afterAll(async () => {
    await Promise.all(clients.splice(0).map((c) => new Promise<void>((resolve) => c.destroy(() => resolve()))));
    await deno?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("answers the routes that need object storage with 501", async () => {
    deno = await startLocalHost({ host: "deno", dbPath: path.join(dir, "storage.sqlite") });
    for (const [method, route] of [
      ["POST", `/api/torrents/${hash()}/web-seed`],
      ["GET", `/seed/${hash()}/file.bin`],
      ["GET", "/lab/files/a.bin"],
    ] as const) {
      const res = await call(deno, method, route);
      expect(res, `${method} ${route}`).toMatchObject({ status: 501, body: { error: { code: "no_object_storage" } } });
    }
    await deno.stop();
    deno = null;
  });

  it("keeps the directory across a restart, counts the peers that announce again and zeroes the swarms that stay silent", async () => {
    const dbPath = path.join(dir, "restart.sqlite");
    const port = await freePort();
    // A short interval: counts are pushed every 2 s, and a silent peer's lifetime is 2 × 2 + 2 s.
    const vars = { ANNOUNCE_INTERVAL_SECONDS: "2" };
    deno = await startLocalHost({ host: "deno", dbPath, port, vars });
    const [name, silentName] = [word(), word()];
    const [infoHash, silentHash] = [hash(), hash()];
    const id = { hex: infoHash, binary: hexToBinary(infoHash) };
    const silentId = { hex: silentHash, binary: hexToBinary(silentHash) };
    await publishJson(deno, { info_hash: infoHash, name, size: 4096 });
    await publishJson(deno, { info_hash: silentHash, name: silentName, size: 4096 });

    // A seeder that completed its download here (the completed count is what a swarm keeps when it empties),
    // and the seeder of a torrent that will not come back.
    const before = await TrackerSocket.open(`${deno.wsUrl}/announce`);
    const seederId = randomId();
    before.send(announceFrame(id, seederId, { event: "started", left: 4096 }));
    await before.next(isAnnounceReply(id), 10_000, "announce reply");
    before.send(announceFrame(id, seederId, { event: "completed", left: 0 }));
    await before.next(isAnnounceReply(id), 10_000, "announce reply to completed");
    before.send(announceFrame(silentId, randomId(), { event: "started", left: 0 }));
    await before.next(isAnnounceReply(silentId), 10_000, "announce reply");
    const seeders = async (q: string) => (await search(deno!, { q })).hits[0]?.seeders;
    await eventually(async () => ((await seeders(name)) === 1 && (await seeders(silentName)) === 1 ? true : undefined), {
      timeoutMs: 10_000,
      pauseMs: 200,
      what: "both seeders in search results",
    });

    await deno.stop();
    await before.closed(10_000);
    deno = await startLocalHost({ host: "deno", dbPath, port, vars });

    // The listings are still there; the swarms themselves start empty.
    expect((await search(deno, { q: name })).hits.map((h) => h.info_hash)).toEqual([infoHash]);
    // A stock client re-announces (over HTTP here: bittorrent-tracker's client) and is counted; the completed
    // count survived the restart.
    const client = new Client({ infoHash, peerId: randomBytes(20).toString("hex"), announce: [`${deno.httpUrl}/announce`], port: 6881 });
    clients.push(client);
    client.on("warning", () => undefined);
    const update = nextEvent<[AnnounceResponse]>(client, "update", 10_000, "announce reply after the restart");
    client.start({ left: 100 } as never);
    expect((await update)[0]).toMatchObject({ complete: 0, incomplete: 1 });
    // And a WebSocket peer that reconnects is counted beside it.
    const after = await TrackerSocket.open(`${deno.wsUrl}/announce/${infoHash}`);
    after.send(announceFrame(id, seederId, { event: "started", left: 0 }));
    expect(await after.next(isAnnounceReply(id), 10_000, "announce reply after the restart")).toMatchObject({ complete: 1, incomplete: 1 });
    after.send({ action: "scrape", info_hash: id.binary });
    const scrape = await after.next(isScrapeReply, 10_000, "scrape reply");
    expect((scrape.files as Record<string, unknown>)[id.binary]).toEqual({ complete: 1, incomplete: 1, downloaded: 1 });
    await eventually(
      async () => {
        const hit = (await search(deno!, { q: name })).hits[0];
        return hit?.seeders === 1 && hit.leechers === 1 ? hit : undefined;
      },
      { timeoutMs: 10_000, pauseMs: 200, what: "both peers in search results" },
    );
    // The torrent whose seeder never came back is listed without it once a peer's lifetime has passed.
    await eventually(async () => ((await seeders(silentName)) === 0 ? true : undefined), {
      timeoutMs: 15_000,
      pauseMs: 250,
      what: "the silent swarm's seeder to be dropped from search results",
    });
    after.close();
  });
});
