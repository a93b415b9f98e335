// Description words in search (issue 12, migration 0004): found on their own, under every sort and with the
// facet filters, ranked below a name match, and kept in step with PATCH and DELETE.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { BASE, DB, publishOk, randomHash, searchOk, uniqueWord, upsertSwarmStats } from "./directory-helpers";

describe("a word only in the description", () => {
  it("is found, under every sort and with tag and alive filters", async () => {
    const tag = uniqueWord("t");
    const word = uniqueWord("okapi");
    const hash = randomHash();
    await publishOk({ info_hash: hash, name: "Field recordings 2019", size: 1000, tags: [tag], description: `Night sounds of the ${word} near the river` });
    for (const sort of ["relevance", "seeders", "size", "added", "name"]) {
      expect((await searchOk({ q: word, sort })).hits.map((h) => h.info_hash), sort).toEqual([hash]);
    }
    expect((await searchOk({ q: `${word} river`, tag })).hits.map((h) => h.info_hash)).toEqual([hash]);
    expect((await searchOk({ q: `"${word} near"` })).hits.map((h) => h.info_hash)).toEqual([hash]);
    expect((await searchOk({ q: word, alive: 1 })).hits).toEqual([]);
    await upsertSwarmStats(DB, hash, { complete: 2, incomplete: 0, downloaded: 2 }, Date.now());
    expect((await searchOk({ q: word, alive: 1, sort: "seeders" })).hits.map((h) => h.info_hash)).toEqual([hash]);
    expect((await searchOk({ q: `${word} -river` })).hits).toEqual([]);
  });

  it("follows a PATCH of the description and a DELETE", async () => {
    const before = uniqueWord("before");
    const after = uniqueWord("after");
    const hash = randomHash();
    const published = await publishOk({ info_hash: hash, name: "Patchable entry", size: 10, description: `about ${before}` });
    const patched = await SELF.fetch(`${BASE}/api/torrents/${hash}`, {
      method: "PATCH",
      headers: { "content-type": "application/json", authorization: `Bearer ${published.token}` },
      body: JSON.stringify({ description: `now about ${after}` }),
    });
    expect(patched.status).toBe(200);
    expect((await searchOk({ q: before })).hits).toEqual([]);
    expect((await searchOk({ q: after })).hits.map((h) => h.info_hash)).toEqual([hash]);
    const deleted = await SELF.fetch(`${BASE}/api/torrents/${hash}`, { method: "DELETE", headers: { authorization: `Bearer ${published.token}` } });
    expect(deleted.status).toBe(204);
    expect((await searchOk({ q: after })).hits).toEqual([]);
  });
});

describe("ranking with descriptions", () => {
  it("prefers a name match over a description match", async () => {
    const tag = uniqueWord("t");
    const word = uniqueWord("quokka");
    const inName = randomHash();
    const inDescription = randomHash();
    // The description entry is newer and has more seeders: the name match still wins.
    await publishOk({ info_hash: inName, name: `${word} documentary`, size: 10, tags: [tag] });
    await publishOk({ info_hash: inDescription, name: "Wildlife clips", size: 10, tags: [tag], description: `Includes a ${word} at dawn` });
    await upsertSwarmStats(DB, inDescription, { complete: 5, incomplete: 0, downloaded: 5 }, Date.now());
    const { hits } = await searchOk({ q: word, tag });
    expect(hits.map((h) => h.info_hash)).toEqual([inName, inDescription]);
    expect(hits[0]!.score!).toBeGreaterThan(hits[1]!.score!);
  });
});
