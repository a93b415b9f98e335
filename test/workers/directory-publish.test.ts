import { SELF, createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { DIRECTORY_LIMITS, type PublishResponse } from "../../protocol/directory";
import worker from "../../worker/index";
import type { Env } from "../../worker/env";
import { BASE, infoHashOf, makeTorrent, publish, publishOk, randomHash, rowCounts, searchOk, uniqueWord } from "./directory-helpers";

describe("publishing JSON metadata", () => {
  it("stores one entry and answers with it and a publisher token", async () => {
    const hash = randomHash();
    const word = uniqueWord();
    const res = await publish({ info_hash: hash, name: `${word} Debian 12 netinst`, size: 650_000_000, tags: ["Linux", "iso"] });
    expect(res.status).toBe(201);
    const body = (await res.json()) as PublishResponse;
    expect(body.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(body.entries).toEqual([
      expect.objectContaining({
        info_hash: hash,
        name: `${word} Debian 12 netinst`,
        size: 650_000_000,
        file_count: 1,
        tags: ["linux", "iso"],
        created: true,
        seeders: 0,
        torrent_url: null,
      }),
    ]);
    expect(body.entries[0]!.magnet).toBe(
      `magnet:?xt=urn:btih:${hash}&dn=${encodeURIComponent(`${word} Debian 12 netinst`)}&xl=650000000&tr=${encodeURIComponent(`ws://directory.test/announce/${hash}`)}`,
    );
  });

  it("stores a whole share list in one request", async () => {
    const word = uniqueWord();
    const list = Array.from({ length: 25 }, (_, i) => ({
      info_hash: randomHash(),
      name: `${word} item ${i}`,
      files: [
        { path: `dir/${i}/a.txt`, length: i },
        { path: `dir/${i}/b.txt`, length: 1 },
      ],
    }));
    const body = await publishOk(list);
    expect(body.entries.map((e) => e.info_hash)).toEqual(list.map((e) => e.info_hash));
    expect(body.entries.every((e) => e.created && e.file_count === 2)).toBe(true);
    expect((await searchOk({ q: word, limit: 100 })).hits).toHaveLength(25);
  });

  it("accepts a magnet link instead of an info hash", async () => {
    const hash = randomHash();
    const body = await publishOk({ magnet: `magnet:?xt=urn:btih:${hash}&dn=From+a+magnet`, size: 10 });
    expect(body.entries[0]).toMatchObject({ info_hash: hash, name: "From a magnet" });
  });

  it("is idempotent: re-publishing an info hash changes nothing and creates nothing", async () => {
    const hash = randomHash();
    const first = await publishOk({ info_hash: hash, name: "first name", size: 1 });
    const res = await publish({ info_hash: hash, name: "another name", size: 2, tags: ["x"] });
    expect(res.status).toBe(200);
    const again = (await res.json()) as PublishResponse;
    expect(again.token).toBe(null);
    expect(again.entries).toEqual([{ ...first.entries[0], created: false }]);
    const details = await (await SELF.fetch(`${BASE}/api/torrents/${hash}`)).json();
    expect(details).toMatchObject({ name: "first name", size: 1, files: [{ path: "first name", length: 1 }] });
  });

  it("mixes new and known entries in one share list", async () => {
    const known = randomHash();
    await publishOk({ info_hash: known, name: "known", size: 1 });
    const fresh = randomHash();
    const body = await publishOk([
      { info_hash: known, name: "known", size: 1 },
      { info_hash: fresh, name: "fresh", size: 1 },
      { info_hash: fresh, name: "fresh again", size: 1 },
    ]);
    expect(body.token).not.toBe(null);
    expect(body.entries.map((e) => [e.info_hash, e.created])).toEqual([
      [known, false],
      [fresh, true],
    ]);
  });
});

describe("publishing a .torrent", () => {
  it("computes the info hash from the info dict (application/x-bittorrent): publish → search → details → download", async () => {
    const torrent = makeTorrent("Ubuntu.24.04-desktop_amd64.iso", 6_000_000_000);
    const expected = await infoHashOf(torrent);
    const res = await SELF.fetch(`${BASE}/api/torrents?tags=linux,iso&description=Desktop%20image`, {
      method: "POST",
      headers: { "content-type": "application/x-bittorrent" },
      body: torrent,
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as PublishResponse;
    expect(body.entries[0]).toMatchObject({
      info_hash: expected,
      name: "Ubuntu.24.04-desktop_amd64.iso",
      size: 6_000_000_000,
      piece_length: 16384,
      tags: ["linux", "iso"],
      description: "Desktop image",
      torrent_url: `/api/torrents/${expected}/torrent`,
    });
    const { hits } = await searchOk({ q: "ubuntu 24.04 desktop", tag: "iso", limit: 100 });
    expect(hits.find((h) => h.info_hash === expected)).toMatchObject({ name: "Ubuntu.24.04-desktop_amd64.iso", file_count: 1, size: 6_000_000_000 });
    const details = await (await SELF.fetch(`${BASE}/api/torrents/${expected}`)).json();
    expect(details).toMatchObject({ info_hash: expected, files: [{ path: "Ubuntu.24.04-desktop_amd64.iso", length: 6_000_000_000 }] });
    const download = await SELF.fetch(`${BASE}/api/torrents/${expected}/torrent`);
    expect(download.status).toBe(200);
    expect(download.headers.get("content-type")).toBe("application/x-bittorrent");
    expect(download.headers.get("content-disposition")).toContain('filename="Ubuntu.24.04-desktop_amd64.iso.torrent"');
    expect(new Uint8Array(await download.arrayBuffer())).toEqual(torrent);
  });

  it("takes several .torrent files as multipart, with shared tags", async () => {
    const word = uniqueWord();
    const a = makeTorrent(`${word} Album`, [
      { path: ["01 - Intro.flac"], length: 100 },
      { path: ["02 - Song.flac"], length: 200 },
    ]);
    const b = makeTorrent(`${word} Book.epub`, 300);
    const form = new FormData();
    form.append("torrent", new File([a], "a.torrent", { type: "application/x-bittorrent" }));
    form.append("torrent", new File([b], "b.torrent", { type: "application/x-bittorrent" }));
    form.append("tags", "music, books");
    const res = await SELF.fetch(`${BASE}/api/torrents`, { method: "POST", body: form });
    expect(res.status).toBe(201);
    const body = (await res.json()) as PublishResponse;
    expect(body.entries.map((e) => [e.info_hash, e.file_count, e.size, e.tags])).toEqual([
      [await infoHashOf(a), 2, 300, ["music", "books"]],
      [await infoHashOf(b), 1, 300, ["music", "books"]],
    ]);
    const details = (await (await SELF.fetch(`${BASE}/api/torrents/${await infoHashOf(a)}`)).json()) as { files: unknown };
    expect(details.files).toEqual([
      { path: "01 - Intro.flac", length: 100 },
      { path: "02 - Song.flac", length: 200 },
    ]);
  });

  it("refuses a broken .torrent with a 400 and writes nothing", async () => {
    const before = await rowCounts();
    const form = new FormData();
    form.append("torrent", new File([makeTorrent("good one", 5)], "good.torrent"));
    form.append("torrent", new File([new TextEncoder().encode("d4:infod4:name1:xee")], "bad.torrent"));
    const res = await SELF.fetch(`${BASE}/api/torrents`, { method: "POST", body: form });
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: { code: "bad_torrent", message: expect.stringContaining("bad.torrent") } });
    expect(await rowCounts()).toEqual(before);
  });
});

describe("a publish that is refused", () => {
  const hostile: [string, RequestInit, number][] = [
    ["malformed JSON", { headers: { "content-type": "application/json" }, body: "{not json" }, 400],
    ["an unsupported content type", { headers: { "content-type": "text/plain" }, body: "hello" }, 415],
    ["an empty share list", { headers: { "content-type": "application/json" }, body: "[]" }, 400],
    ["a JSON string", { headers: { "content-type": "application/json" }, body: '"x"' }, 400],
    ["a body over the size limit", { headers: { "content-type": "application/json" }, body: "x".repeat(DIRECTORY_LIMITS.maxPublishBytes + 1) }, 413],
    ["multipart without a file", { body: (() => { const f = new FormData(); f.append("tags", "x"); return f; })() }, 400],
  ];
  for (const [what, init, status] of hostile) {
    it(`answers ${status} to ${what}, in the one error shape`, async () => {
      const res = await SELF.fetch(`${BASE}/api/torrents`, { method: "POST", ...init });
      expect(res.status).toBe(status);
      expect(await res.json()).toEqual({ error: { code: expect.any(String), message: expect.any(String) } });
    });
  }

  it("is refused whole when one entry of a share list is bad: no half-written rows", async () => {
    const before = await rowCounts();
    const word = uniqueWord();
    const list = Array.from({ length: 10 }, (_, i) => ({ info_hash: randomHash(), name: `${word} ${i}`, size: 1 }));
    list[7] = { info_hash: "not-a-hash", name: "bad", size: 1 };
    const res = await publish(list);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/^\[7\]\.info_hash/);
    expect(await rowCounts()).toEqual(before);
  });

  it("refuses more entries or files than the limits, whole", async () => {
    const before = await rowCounts();
    const entries = Array.from({ length: DIRECTORY_LIMITS.maxEntriesPerPublish + 1 }, (_, i) => ({ info_hash: randomHash(), name: `n${i}`, size: 1 }));
    expect((await publish(entries)).status).toBe(400);
    const files = Array.from({ length: DIRECTORY_LIMITS.maxFilesPerTorrent }, (_, i) => ({ path: `f${i}`, length: 1 }));
    const tooManyFiles = Array.from({ length: 6 }, () => ({ info_hash: randomHash(), name: "many files", files }));
    expect((await publish(tooManyFiles)).status).toBe(413);
    expect(await rowCounts()).toEqual(before);
  });

  it("rolls back the whole batch when the database refuses a row", async () => {
    const before = await rowCounts();
    // Passes validation but breaks a CHECK constraint in D1 (file lengths must be >= 0): the batch is one transaction.
    const { publishTorrents } = await import("../../worker/directory/queries/torrents");
    const db = (env as unknown as Env).DB;
    const entry = (length: number) => ({
      infoHash: randomHash(),
      name: "rollback",
      size: 1,
      pieceLength: null,
      files: [{ path: "a", length }],
      tags: ["t"],
      description: null,
      torrentFile: null,
    });
    await expect(publishTorrents(db, [entry(1), entry(-1)], "tokenhash", Date.now(), { wsBase: "ws://directory.test" })).rejects.toThrow();
    expect(await rowCounts()).toEqual(before);
  });
});

describe("a private directory (PUBLISH_KEY set)", () => {
  const call = async (headers: Record<string, string>) => {
    const request = new Request(`${BASE}/api/torrents`, {
      method: "POST",
      headers: { "content-type": "application/json", ...headers },
      body: JSON.stringify({ info_hash: randomHash(), name: "private", size: 1 }),
    });
    const ctx = createExecutionContext();
    const res = await worker.fetch(request, { ...(env as unknown as Env), PUBLISH_KEY: "s3cret-key" }, ctx);
    await waitOnExecutionContext(ctx);
    return res;
  };

  it("refuses a publish without the key (401) or with a wrong one (403)", async () => {
    expect((await call({})).status).toBe(401);
    const wrong = await call({ "x-publish-key": "guess" });
    expect(wrong.status).toBe(403);
    expect(await wrong.json()).toEqual({ error: { code: "bad_publish_key", message: "wrong publish key" } });
  });

  it("accepts a publish with the key", async () => {
    expect((await call({ "x-publish-key": "s3cret-key" })).status).toBe(201);
  });

  it("keeps search open to everyone", async () => {
    expect((await SELF.fetch(`${BASE}/api/search?q=private`)).status).toBe(200);
  });
});
