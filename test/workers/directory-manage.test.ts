import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { StatsResponse, TorrentSummary } from "../../protocol/directory";
import { BASE, DB, publishOk, randomHash, searchOk, uniqueWord, upsertSwarmStats } from "./directory-helpers";

const call = (method: string, hash: string, init: RequestInit = {}) => SELF.fetch(`${BASE}/api/torrents/${hash}`, { method, ...init });
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function published(extra: Record<string, unknown> = {}) {
  const tag = uniqueWord("t");
  const hash = randomHash();
  const body = await publishOk({
    info_hash: hash,
    name: "Managed Entry",
    files: [{ path: "a/b.txt", length: 3 }],
    tags: [tag],
    ...extra,
  });
  return { hash, tag, token: body.token! };
}

describe("deleting an entry", () => {
  it("needs the publisher token: 401 without, 403 with another", async () => {
    const { hash } = await published();
    const other = await published();
    const missing = await call("DELETE", hash);
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({ error: { code: "token_required", message: expect.any(String) } });
    expect((await call("DELETE", hash, { headers: bearer(other.token) })).status).toBe(403);
    expect((await call("DELETE", hash, { headers: { authorization: "Bearer nonsense-token-that-is-long" } })).status).toBe(403);
    expect((await call("GET", hash)).status).toBe(200);
  });

  it("removes it, its files, tags and index entry with the right token", async () => {
    const { hash, tag, token } = await published();
    const res = await call("DELETE", hash, { headers: bearer(token) });
    expect(res.status).toBe(204);
    expect((await call("GET", hash)).status).toBe(404);
    expect((await searchOk({ tag })).hits).toEqual([]);
    const left = await DB.prepare(
      `SELECT (SELECT count(*) FROM files f JOIN torrents t ON t.id = f.torrent_id WHERE t.info_hash = ?1) +
              (SELECT count(*) FROM torrent_tags WHERE tag = ?2) +
              (SELECT count(*) FROM torrents_fts WHERE torrents_fts MATCH ?3) AS n`,
    )
      .bind(hash, tag, `"${tag}"`)
      .first<{ n: number }>();
    expect(left!.n).toBe(0);
    expect((await call("DELETE", hash, { headers: bearer(token) })).status).toBe(404);
  });

  it("lets the info hash be published again afterwards", async () => {
    const { hash, token } = await published();
    await call("DELETE", hash, { headers: bearer(token) });
    const again = await publishOk({ info_hash: hash, name: "Second life", size: 1 });
    expect(again.entries[0]).toMatchObject({ created: true, name: "Second life" });
  });
});

describe("patching an entry", () => {
  it("replaces tags and description, and search follows", async () => {
    const { hash, tag, token } = await published({ description: "old words" });
    const newTag = uniqueWord("n");
    const res = await call("PATCH", hash, {
      headers: { ...bearer(token), "content-type": "application/json" },
      body: JSON.stringify({ tags: [newTag, "Extra"], description: "A better description" }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ info_hash: hash, tags: [newTag, "extra"], description: "A better description" });
    expect((await searchOk({ tag })).hits).toEqual([]);
    expect((await searchOk({ tag: newTag })).hits.map((h) => h.info_hash)).toEqual([hash]);
    expect((await searchOk({ q: newTag })).hits.map((h) => h.info_hash)).toEqual([hash]); // the index holds tags
  });

  it("clears the description with null, leaving tags alone", async () => {
    const { hash, tag, token } = await published({ description: "to be removed" });
    const res = await call("PATCH", hash, {
      headers: { ...bearer(token), "content-type": "application/json" },
      body: JSON.stringify({ description: null }),
    });
    expect(await res.json()).toMatchObject({ description: null, tags: [tag] });
  });

  it("refuses without the token, with another token, or with nothing to change", async () => {
    const { hash, token } = await published();
    const other = await published();
    const json = { "content-type": "application/json" };
    expect((await call("PATCH", hash, { headers: json, body: '{"tags":[]}' })).status).toBe(401);
    expect((await call("PATCH", hash, { headers: { ...json, ...bearer(other.token) }, body: '{"tags":[]}' })).status).toBe(403);
    expect((await call("PATCH", hash, { headers: { ...json, ...bearer(token) }, body: "{}" })).status).toBe(400);
    expect((await call("PATCH", hash, { headers: { ...json, ...bearer(token) }, body: '{"tags":["bad tag"]}' })).status).toBe(400);
    expect((await call("PATCH", hash, { headers: bearer(token), body: "tags=x" })).status).toBe(415);
  });
});

describe("details", () => {
  it("lists the files in order with the summary", async () => {
    const hash = randomHash();
    await publishOk({ info_hash: hash, name: "Details", files: [{ path: "z.txt", length: 1 }, { path: "a.txt", length: 2 }], piece_length: 262144 });
    const res = await call("GET", hash.toUpperCase());
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      info_hash: hash,
      piece_length: 262144,
      file_count: 2,
      files: [
        { path: "z.txt", length: 1 },
        { path: "a.txt", length: 2 },
      ],
    } satisfies Partial<TorrentSummary> & { files: unknown });
  });

  it("answers 404 for an unknown hash, 400 for a malformed one, 404 for the .torrent of a JSON entry", async () => {
    expect((await call("GET", randomHash())).status).toBe(404);
    expect((await call("GET", "xyz")).status).toBe(400);
    const { hash } = await published();
    expect((await SELF.fetch(`${BASE}/api/torrents/${hash}/torrent`)).status).toBe(404);
  });
});

describe("stats", () => {
  it("counts torrents, live swarms, peers and seeders", async () => {
    const before = (await (await SELF.fetch(`${BASE}/api/stats`)).json()) as StatsResponse;
    const { hash } = await published();
    await upsertSwarmStats(DB, hash, { complete: 2, incomplete: 3, downloaded: 9 }, Date.now());
    await upsertSwarmStats(DB, randomHash(), { complete: 1, incomplete: 0, downloaded: 0 }, Date.now()); // a swarm nobody published
    await upsertSwarmStats(DB, randomHash(), { complete: 0, incomplete: 0, downloaded: 4 }, Date.now()); // an empty one
    const after = (await (await SELF.fetch(`${BASE}/api/stats`)).json()) as StatsResponse;
    expect(after).toEqual({
      torrents: before.torrents + 1,
      live_swarms: before.live_swarms + 2,
      peers: before.peers + 6,
      seeders: before.seeders + 3,
      leechers: before.leechers + 3,
    });
  });
});
