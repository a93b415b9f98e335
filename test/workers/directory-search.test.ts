import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { DB, BASE, publishOk, randomHash, search, searchOk, uniqueWord, upsertSwarmStats } from "./directory-helpers";

const live = (complete: number, incomplete = 0) => ({ complete, incomplete, downloaded: complete });

describe("the tokenizer", () => {
  it("finds Ubuntu.24.04-desktop_amd64.iso by `ubuntu 24.04 desktop`", async () => {
    const tag = uniqueWord("t");
    const hash = randomHash();
    await publishOk({ info_hash: hash, name: "Ubuntu.24.04-desktop_amd64.iso", size: 6e9, tags: [tag] });
    for (const q of ["ubuntu 24.04 desktop", "UBUNTU desktop amd64", "24.04", "desktop_amd64", "ubun*", '"24.04 desktop"', "iso"]) {
      const { hits } = await searchOk({ q, tag });
      expect(hits.map((h) => h.info_hash), q).toEqual([hash]);
    }
    for (const q of ["ubuntu 22.04", '"desktop 24.04"', "ubuntu -desktop"]) {
      expect((await searchOk({ q, tag })).hits, q).toEqual([]);
    }
  });

  it("finds words inside file paths and tags, and folds diacritics", async () => {
    const tag = uniqueWord("t");
    const hash = randomHash();
    await publishOk({
      info_hash: hash,
      name: "Collected works",
      files: [{ path: "Disc 1/[2004] Café del Mar (Remastered).flac", length: 5 }],
      tags: [tag, "chill-out"],
    });
    for (const q of ["cafe del mar", "remastered 2004", "chill out", `${tag}`]) {
      expect((await searchOk({ q, tag })).hits.map((h) => h.info_hash), q).toEqual([hash]);
    }
  });
});

describe("ranking", () => {
  it("ranks an exact name match above a file-path match", async () => {
    const tag = uniqueWord("t");
    const inPath = randomHash();
    const inName = randomHash();
    await publishOk([
      { info_hash: inPath, name: "Misc collection", files: [{ path: "docs/solar panel wiring guide.pdf", length: 10 }], tags: [tag] },
      { info_hash: inName, name: "Solar Panel Wiring Guide", files: [{ path: "guide.pdf", length: 10 }], tags: [tag] },
    ]);
    const { hits } = await searchOk({ q: "solar panel wiring guide", tag });
    expect(hits.map((h) => h.info_hash)).toEqual([inName, inPath]);
    expect(hits[0]!.score!).toBeGreaterThan(hits[1]!.score!);
  });

  it("ranks more seeders first among equal matches; no live peers ranks lower but stays listed", async () => {
    const tag = uniqueWord("t");
    const [dead, few, many] = [randomHash(), randomHash(), randomHash()];
    await publishOk([dead, few, many].map((h) => ({ info_hash: h, name: "Twin Release 2024", size: 100, tags: [tag] })));
    await upsertSwarmStats(DB, few, live(2, 1), Date.now());
    await upsertSwarmStats(DB, many, live(40, 3), Date.now());
    const { hits } = await searchOk({ q: "twin release", tag });
    expect(hits.map((h) => h.info_hash)).toEqual([many, few, dead]);
    expect(hits.map((h) => [h.seeders, h.leechers, h.completed])).toEqual([
      [40, 3, 40],
      [2, 1, 2],
      [0, 0, 0],
    ]);
    expect((await searchOk({ q: "twin release", tag, alive: 1 })).hits.map((h) => h.info_hash)).toEqual([many, few]);
  });

  it("keeps a much better text match above a heavily seeded loose one", async () => {
    const tag = uniqueWord("t");
    const [precise, loose] = [randomHash(), randomHash()];
    await publishOk([
      { info_hash: precise, name: "Kestrel Falcon Osprey", size: 1, tags: [tag] },
      {
        info_hash: loose,
        name: "Birds of prey compendium volume one",
        files: [{ path: "misc/kestrel/falcon/osprey/notes and a long list of other unrelated words.txt", length: 1 }],
        tags: [tag],
      },
    ]);
    await upsertSwarmStats(DB, loose, live(5000), Date.now());
    expect((await searchOk({ q: "kestrel falcon osprey", tag })).hits.map((h) => h.info_hash)).toEqual([precise, loose]);
  });
});

describe("sorting and filtering", () => {
  async function fixture() {
    const tag = uniqueWord("t");
    const entries = [
      { info_hash: randomHash(), name: "bravo archive", size: 300, tags: [tag, "docs"] },
      { info_hash: randomHash(), name: "Alpha archive", size: 100, tags: [tag] },
      { info_hash: randomHash(), name: "charlie archive", size: 200, tags: [tag, "docs"] },
    ];
    await publishOk(entries);
    await upsertSwarmStats(DB, entries[1]!.info_hash, live(9), Date.now());
    await upsertSwarmStats(DB, entries[2]!.info_hash, live(0, 4), Date.now());
    return { tag, names: (hits: { name: string }[]) => hits.map((h) => h.name) };
  }

  it("sorts by name, size, seeders and added, either way", async () => {
    const { tag, names } = await fixture();
    expect(names((await searchOk({ q: "archive", tag, sort: "name" })).hits)).toEqual(["Alpha archive", "bravo archive", "charlie archive"]);
    expect(names((await searchOk({ q: "archive", tag, sort: "name", order: "desc" })).hits)).toEqual(["charlie archive", "bravo archive", "Alpha archive"]);
    expect(names((await searchOk({ q: "archive", tag, sort: "size" })).hits)).toEqual(["bravo archive", "charlie archive", "Alpha archive"]);
    expect(names((await searchOk({ q: "archive", tag, sort: "size", order: "asc" })).hits)).toEqual(["Alpha archive", "charlie archive", "bravo archive"]);
    expect(names((await searchOk({ q: "archive", tag, sort: "seeders" })).hits)[0]).toBe("Alpha archive");
    expect(names((await searchOk({ q: "archive", tag, sort: "added" })).hits)).toEqual(["charlie archive", "Alpha archive", "bravo archive"]);
    expect(names((await searchOk({ tag, sort: "added", order: "asc" })).hits)).toEqual(["bravo archive", "Alpha archive", "charlie archive"]);
  });

  it("filters by size range, tags and live peers (leechers count as live)", async () => {
    const { tag, names } = await fixture();
    expect(names((await searchOk({ tag, min_size: 150, sort: "size", order: "asc" })).hits)).toEqual(["charlie archive", "bravo archive"]);
    expect(names((await searchOk({ tag, max_size: 200, sort: "size", order: "asc" })).hits)).toEqual(["Alpha archive", "charlie archive"]);
    expect(names((await searchOk(`tag=${tag}&tag=docs&sort=name`)).hits)).toEqual(["bravo archive", "charlie archive"]);
    expect(names((await searchOk({ tag, alive: 1, sort: "name" })).hits)).toEqual(["Alpha archive", "charlie archive"]);
  });

  it("without a query lists everything, best seeded first", async () => {
    const { tag, names } = await fixture();
    const { hits } = await searchOk({ tag });
    expect(names(hits)[0]).toBe("Alpha archive");
    expect(hits[0]!.score).toBeCloseTo(1 + 9 / 14, 10);
  });
});

describe("hits", () => {
  it("carry a magnet whose tracker is this deployment's wss socket for the torrent", async () => {
    const tag = uniqueWord("t");
    const hash = randomHash();
    await publishOk({ info_hash: hash, name: "Magnet Check", size: 42, tags: [tag] });
    const res = await SELF.fetch(`https://edge.example.com/api/search?tag=${tag}`);
    const { hits } = (await res.json()) as { hits: { magnet: string }[] };
    const magnet = new URL(hits[0]!.magnet.replace("magnet:?", "http://m/?"));
    expect(magnet.searchParams.get("xt")).toBe(`urn:btih:${hash}`);
    expect(magnet.searchParams.get("dn")).toBe("Magnet Check");
    expect(magnet.searchParams.getAll("tr")).toEqual([`wss://edge.example.com/announce/${hash}`]);
    const local = await searchOk({ tag });
    expect(local.hits[0]!.magnet).toContain(encodeURIComponent(`ws://directory.test/announce/${hash}`));
  });

  it("carry every documented field", async () => {
    const tag = uniqueWord("t");
    const hash = randomHash();
    await publishOk({ info_hash: hash, name: "Field Check", files: [{ path: "a", length: 1 }, { path: "b", length: 2 }], tags: [tag] });
    const { hits } = await searchOk({ q: "field check", tag });
    expect(hits).toEqual([
      {
        info_hash: hash,
        name: "Field Check",
        size: 3,
        file_count: 2,
        seeders: 0,
        leechers: 0,
        completed: 0,
        added: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        tags: [tag],
        magnet: expect.stringMatching(/^magnet:\?xt=urn:btih:/),
        score: expect.any(Number),
      },
    ]);
  });
});

describe("live counts", () => {
  it("follow the swarm's pushes, including one made before the torrent was published", async () => {
    const tag = uniqueWord("t");
    const early = randomHash();
    await upsertSwarmStats(DB, early, live(3, 2), Date.now());
    const later = randomHash();
    await publishOk([
      { info_hash: early, name: "Early swarm", size: 1, tags: [tag] },
      { info_hash: later, name: "Later swarm", size: 1, tags: [tag] },
    ]);
    const counts = async () => Object.fromEntries((await searchOk({ tag })).hits.map((h) => [h.name, [h.seeders, h.leechers]]));
    expect(await counts()).toEqual({ "Early swarm": [3, 2], "Later swarm": [0, 0] });
    await upsertSwarmStats(DB, later, live(7, 1), Date.now());
    await upsertSwarmStats(DB, early, live(0, 0), Date.now());
    expect(await counts()).toEqual({ "Early swarm": [0, 0], "Later swarm": [7, 1] });
    const details = await (await SELF.fetch(`${BASE}/api/torrents/${later}`)).json();
    expect(details).toMatchObject({ seeders: 7, leechers: 1, completed: 7 });
  });
});

describe("hostile queries", () => {
  const queries = [
    '"unbalanced',
    'un"bal"anced"',
    "NEAR(a b)",
    "a NEAR/2 b",
    "*",
    "**",
    "a*",
    "^start",
    "name:linux",
    "{name tags}: x",
    "- -- ---",
    "-",
    "-x",
    "AND OR NOT",
    "a OR b",
    "(a",
    "a)",
    "'",
    "'; DROP TABLE torrents; --",
    "1' OR '1'='1",
    "x UNION SELECT * FROM sqlite_master",
    "\\",
    "%",
    "_",
    "\u0000",
    "a\u0000b",
    "\u202e\u200b\ufeff",
    "🎉",
    "🎉 linux 🐧",
    "東京 タワー",
    "Москва",
    "עברית",
    "مرحبا",
    "ÅÄÖ åäö",
    "e\u0301",
    "x".repeat(256),
    "x".repeat(257),
    "y ".repeat(200),
    "z".repeat(10_240),
    "a b c d e f g h i j k l m n o p q",
    "",
    " ",
  ];
  for (const q of queries) {
    it(`answers ${JSON.stringify(q.length > 40 ? `${q.slice(0, 20)}…(${q.length})` : q)} with results or a 400, never SQL`, async () => {
      const res = await SELF.fetch(`${BASE}/api/search?q=${encodeURIComponent(q)}`);
      expect([200, 400]).toContain(res.status);
      const text = await res.text();
      const body = JSON.parse(text) as { hits?: unknown[]; error?: { code: string; message: string } };
      if (res.status === 200) expect(Array.isArray(body.hits)).toBe(true);
      else expect(body.error).toEqual({ code: expect.any(String), message: expect.any(String) });
      expect(text).not.toMatch(/sqlite|SQLITE|fts5|SELECT|D1_|syntax error|torrents_fts/);
    });
  }

  const params = [
    "sort=rank",
    "order=sideways",
    "limit=0",
    "limit=101",
    "limit=-1",
    "limit=abc",
    "min_size=-5",
    "max_size=1e9",
    "alive=maybe",
    "cursor=%%%",
    "cursor=eyJrIjoxfQ",
    `cursor=${"A".repeat(600)}`,
    "q=a&q=b",
    "tag=has space",
    "tag=a&tag=b&tag=c&tag=d&tag=e&tag=f",
  ];
  for (const param of params) {
    it(`refuses ${param.slice(0, 40)} with a 400 and a message`, async () => {
      const { status, body } = await search(param);
      expect(status).toBe(400);
      expect(body.error).toEqual({ code: expect.any(String), message: expect.any(String) });
    });
  }
});
