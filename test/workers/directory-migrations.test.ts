// Migrations 0003 (live counts leave the full-text index, issue 10) and 0004 (description search, issue 12)
// were written apart, each against 0002. A directory that already has entries meets them in either order: 0003
// then 0004 (one that stopped at 0002), or 0003 after 0004 and 0005 (a deployment of the issue-12 release;
// wrangler and the Deno host apply whatever is not yet recorded). Either way search, the live filters and the
// description index work on the old entries, and count pushes write to neither index.
import { applyD1Migrations, env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import type { PublishEntry } from "../../protocol/directory";
import { searchTorrents } from "../../worker/directory/queries/search";
import { patchTorrent, publishTorrents } from "../../worker/directory/queries/torrents";
import { parseSearchQuery } from "../../worker/directory/rules/query-language";
import { ftsSegmentsWritten, randomHash, uniqueWord, upsertSwarmStats } from "./directory-helpers";

const links = { wsBase: "ws://directory.test" };
const SORTS = ["relevance", "seeders", "size", "added", "name"] as const;

const upTo = (names: string[]) => env.TEST_MIGRATIONS.filter((m) => names.some((n) => m.name.startsWith(n)));

function entry(name: string, description: string | null, tags: string[] = []): PublishEntry {
  return { infoHash: randomHash(), name, size: 1000, pieceLength: null, files: [{ path: `${name}.bin`, length: 1000 }], tags, description, torrentFile: null };
}

/** Counts as the swarm objects of the time pushed them (0001's columns: 0005 adds the rest). */
async function pushCounts(db: D1Database, infoHash: string, complete: number, incomplete: number): Promise<void> {
  await db
    .prepare(
      `INSERT INTO swarm_stats (info_hash, complete, incomplete, downloaded, updated_at) VALUES (?1, ?2, ?3, 0, ?4)
       ON CONFLICT (info_hash) DO UPDATE SET complete = ?2, incomplete = ?3, updated_at = ?4`,
    )
    .bind(infoHash, complete, incomplete, Date.now())
    .run();
}

async function hashes(db: D1Database, q: string, options: { sort?: (typeof SORTS)[number]; alive?: boolean; tags?: string[] } = {}): Promise<string[]> {
  const parsed = parseSearchQuery(q);
  if (!parsed.ok) throw new Error(parsed.error);
  const page = await searchTorrents(
    db,
    { match: parsed.match, rankMatch: parsed.rankMatch, sort: options.sort ?? "relevance", order: "desc", tags: options.tags ?? [], alive: options.alive ?? false, limit: 20, after: null, maxId: null },
    links,
  );
  return page.hits.map((h) => h.info_hash).sort();
}

/** Entries published, and counts pushed, while the database had only `before`; then the rest of the migrations. */
async function upgrade(db: D1Database, before: string[]) {
  await applyD1Migrations(db, upTo(before));
  const word = uniqueWord("heron");
  const tag = uniqueWord("t");
  const live = entry(`${word} at dusk`, "Reeds and water", [tag]);
  const described = entry("Field recordings", `A ${word} calling`, [tag]);
  const liveDescribed = entry("Morning chorus", `Birdsong with a ${word}`);
  const emptied = entry(`${word} archive`, null);
  await publishTorrents(db, [live, described, liveDescribed, emptied], "a".repeat(64), Date.now(), links);
  await pushCounts(db, live.infoHash, 3, 1);
  await pushCounts(db, liveDescribed.infoHash, 1, 0);
  await pushCounts(db, emptied.infoHash, 2, 0);
  await pushCounts(db, emptied.infoHash, 0, 0); // the row an empty swarm left behind before 0003
  await applyD1Migrations(db, env.TEST_MIGRATIONS);
  return { word, tag, live, described, liveDescribed, emptied };
}

describe.each([
  ["0003 then 0004", "DB_BEFORE_0003", ["0001", "0002"]],
  ["0003 after 0004 and 0005", "DB_WITHOUT_0003", ["0001", "0002", "0004", "0005"]],
] as const)("a directory with entries, migrated %s", (_order, binding, before) => {
  it("finds old entries by name and by description, with the live filter read off the rows", async () => {
    const db = env[binding];
    const { word, tag, live, described, liveDescribed, emptied } = await upgrade(db, [...before]);
    const applied = await db.prepare(`SELECT name FROM d1_migrations ORDER BY name`).all<{ name: string }>();
    // 0006 (the live entries' index) is built over the entries already there: the alive filters below read it.
    expect(applied.results.map((r) => r.name.slice(0, 4))).toEqual(["0001", "0002", "0003", "0004", "0005", "0006"]);
    for (const sort of SORTS) {
      expect(await hashes(db, word, { sort }), sort).toEqual([live, described, liveDescribed, emptied].map((e) => e.infoHash).sort());
      expect(await hashes(db, word, { sort, alive: true }), sort).toEqual([live, liveDescribed].map((e) => e.infoHash).sort());
      expect(await hashes(db, word, { sort, tags: [tag] }), sort).toEqual([live, described].map((e) => e.infoHash).sort());
    }
    // 0003 dropped the empty swarm's row; 0004's index holds every description, and follows a change of one.
    expect((await db.prepare(`SELECT count(*) AS n FROM swarm_stats WHERE complete + incomplete = 0`).first<{ n: number }>())!.n).toBe(0);
    expect((await db.prepare(`SELECT count(*) AS n FROM torrents_desc_fts`).first<{ n: number }>())!.n).toBe(3);
    const renamed = uniqueWord("egret");
    expect(await patchTorrent(db, described.infoHash, "a".repeat(64), { description: `An ${renamed} instead` })).toBe(true);
    expect(await hashes(db, renamed)).toEqual([described.infoHash]);
    expect(await hashes(db, word)).not.toContain(described.infoHash);
  });

  it("writes to neither full-text index when counts change", async () => {
    const db = env[binding];
    const { word, described } = await upgrade(db, [...before]);
    const indexes = ["torrents_fts", "torrents_desc_fts"];
    const segments = () => Promise.all(indexes.map((index) => ftsSegmentsWritten(db, index)));
    const written = await segments();
    for (let i = 0; i < 20; i++) {
      await upsertSwarmStats(db, described.infoHash, { complete: i % 2, incomplete: i % 3 === 0 ? 1 : 0, downloaded: i }, Date.now());
    }
    expect(await segments()).toEqual(written);
    await upsertSwarmStats(db, described.infoHash, { complete: 4, incomplete: 0, downloaded: 20 }, Date.now());
    expect(await hashes(db, word, { sort: "seeders", alive: true })).toContain(described.infoHash);
  });
});
