import { describe, expect, it } from "vitest";
import { DB, publishOk, randomHash, search, searchOk, uniqueWord, upsertSwarmStats } from "./directory-helpers";

/** Walks every page of a search, publishing `insertPerPage` more matching entries before each next page. */
async function walk(params: Record<string, string | number>, insert: (page: number) => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 50; page++) {
    const body = await searchOk(cursor ? { ...params, cursor } : params);
    seen.push(...body.hits.map((h) => h.info_hash));
    cursor = body.next_cursor;
    if (!cursor) return seen;
    await insert(page);
  }
  throw new Error("pagination did not end");
}

describe("keyset pagination", () => {
  const sorts: [string, Record<string, string>][] = [
    ["relevance", {}],
    ["added", { sort: "added" }],
    ["added ascending", { sort: "added", order: "asc" }],
    ["name", { sort: "name" }],
    ["size", { sort: "size" }],
    ["seeders", { sort: "seeders" }],
  ];
  for (const [label, extra] of sorts) {
    it(`by ${label} visits every entry once while more are published between pages`, async () => {
      const tag = uniqueWord("t");
      const word = uniqueWord("p");
      // Varied names (lengths, paths), sizes with ties, seeders with ties: keys that collide and differ.
      const original = Array.from({ length: 31 }, (_, i) => ({
        info_hash: randomHash(),
        name: `${word} ${"extra ".repeat(i % 4)}release ${String.fromCharCode(97 + (i % 26))}${i}`,
        files: [{ path: `${i % 3 === 0 ? `${word}/` : ""}file${i}.bin`, length: (i % 5) * 1000 }],
        tags: [tag],
      }));
      await publishOk(original);
      for (const [i, entry] of original.entries()) if (i % 3 === 0) await upsertSwarmStats(DB, entry.info_hash, { complete: i % 4, incomplete: 0, downloaded: 0 }, Date.now());

      const inserted: string[] = [];
      const seen = await walk({ q: word, tag, limit: 4, ...extra }, async (page) => {
        const more = Array.from({ length: 3 }, (_, i) => ({
          info_hash: randomHash(),
          name: `${word} release inserted ${page} ${i} ${"a".repeat(i)}`,
          size: (page * 3 + i) * 700,
          tags: [tag],
        }));
        await publishOk(more);
        inserted.push(...more.map((m) => m.info_hash));
      });

      expect(new Set(seen).size).toBe(seen.length); // no duplicates
      expect(new Set(seen)).toEqual(new Set(original.map((e) => e.info_hash))); // every original, and only those
      expect(inserted.length).toBeGreaterThan(0);
      // A fresh search sees the new entries.
      expect((await searchOk({ q: word, tag, limit: 100 })).hits).toHaveLength(original.length + inserted.length);
    });
  }

  it("pages through a listing without a query as well", async () => {
    const tag = uniqueWord("t");
    const original = Array.from({ length: 9 }, (_, i) => ({ info_hash: randomHash(), name: `listing ${i}`, size: 5, tags: [tag] }));
    await publishOk(original);
    const seen = await walk({ tag, limit: 2, sort: "size" }, async () => {
      await publishOk({ info_hash: randomHash(), name: "listing late", size: 5, tags: [tag] });
    });
    expect(seen).toEqual(original.map((e) => e.info_hash).reverse()); // size ties fall back to newest first
  });

  it("ends with next_cursor null, and refuses a cursor used with other parameters", async () => {
    const tag = uniqueWord("t");
    await publishOk(Array.from({ length: 3 }, (_, i) => ({ info_hash: randomHash(), name: `cursor ${i}`, size: 1, tags: [tag] })));
    const first = await searchOk({ tag, limit: 2 });
    expect(first.next_cursor).toEqual(expect.any(String));
    const last = await searchOk({ tag, limit: 2, cursor: first.next_cursor! });
    expect(last.hits).toHaveLength(1);
    expect(last.next_cursor).toBe(null);
    const misuse = await search({ tag, limit: 2, sort: "name", cursor: first.next_cursor! });
    expect(misuse.status).toBe(400);
    expect(misuse.body.error?.code).toBe("bad_cursor");
  });
});
