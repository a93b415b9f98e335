// Hostile users against the directory (issue 10), inside workerd with the real migrations: names and paths no
// client may write, rows D1 cannot hold, searches that cost far more than they should.
/// <reference path="../../protocol/bencode.d.ts" />
import bencode from "bencode";
import { SELF, createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { DIRECTORY_LIMITS } from "../../protocol/directory";
import type { Env } from "../../worker/env";
import worker from "../../worker/index";
import { BASE, DB, ftsSegmentsWritten, makeTorrent, publish, randomHash, rowCounts, search, searchOk, uniqueWord, upsertSwarmStats } from "./directory-helpers";

const text = (s: string) => new TextEncoder().encode(s);

async function publishTorrent(bytes: Uint8Array): Promise<Response> {
  return SELF.fetch(`${BASE}/api/torrents`, { method: "POST", headers: { "content-type": "application/x-bittorrent" }, body: bytes });
}

async function errorOf(res: Response): Promise<{ code: string; message: string }> {
  return ((await res.json()) as { error: { code: string; message: string } }).error;
}

describe("a publish naming files no client may write", () => {
  const names: [string, string, RegExp][] = [
    ["..", "a name that is '..'", /name is '\.' or '\.\.'/],
    ["../x", "a name with a separator", /separator/],
    ["/etc/passwd", "an absolute name", /separator/],
    ["a\u0000b", "a name with NUL", /control/],
    ["Invoice\u202Efdp.exe", "a name with a direction override", /control/],
    ["C:evil", "a drive letter", /drive letter/],
  ];
  for (const [name, what, message] of names) {
    it(`refuses ${what} as JSON (400) and writes nothing`, async () => {
      const before = await rowCounts();
      const res = await publish({ info_hash: randomHash(), name, size: 1 });
      expect(res.status).toBe(400);
      expect(await errorOf(res)).toEqual({ code: "bad_request", message: expect.stringMatching(message) });
      expect(await rowCounts()).toEqual(before);
    });
  }

  const paths: [string, string][] = [
    ["../../.bashrc", "a path climbing out"],
    ["/home/user/.ssh/authorized_keys", "an absolute path"],
    ["docs//a.txt", "an empty element"],
    ["docs/./a.txt", "a '.' element"],
    ["docs/a\nb.txt", "a newline"],
    ["C:\\Windows\\win.ini", "a Windows path"],
  ];
  for (const [path, what] of paths) {
    it(`refuses ${what} among JSON files (400), whole`, async () => {
      const before = await rowCounts();
      const res = await publish([
        { info_hash: randomHash(), name: "fine", size: 1 },
        { info_hash: randomHash(), name: "folder", files: [{ path: "ok.txt", length: 1 }, { path, length: 1 }] },
      ]);
      expect(res.status).toBe(400);
      expect((await errorOf(res)).message).toMatch(/^\[1\]\.files\[1\]\.path: file path/);
      expect(await rowCounts()).toEqual(before);
    });
  }

  it("refuses a .torrent whose path climbs out or whose name holds a separator, in either spelling", async () => {
    const climbing = makeTorrent("folder", [{ path: ["..", ".bashrc"], length: 1 }]);
    const slashed = makeTorrent("../../x", 1);
    const info = { name: text("innocent"), "name.utf-8": text("../evil"), "piece length": 16384, pieces: new Uint8Array(20), length: 1 };
    const twoSpellings = bencode.encode({ info });
    const infoPath = { name: text("x"), "piece length": 16384, pieces: new Uint8Array(20), files: [{ length: 1, path: [text("..")], "path.utf-8": [text("ok")] }] };
    const twoPaths = bencode.encode({ info: infoPath });
    for (const bytes of [climbing, slashed, twoSpellings, twoPaths]) {
      const before = await rowCounts();
      const res = await publishTorrent(bytes);
      expect(res.status).toBe(400);
      expect(await errorOf(res)).toEqual({ code: "bad_torrent", message: expect.stringMatching(/'\.\.'|separator/) });
      expect(await rowCounts()).toEqual(before);
    }
  });

  it("lists dotfiles (clients ask before writing them) but not the client's own state names", async () => {
    expect((await publish({ info_hash: randomHash(), name: ".config", files: [{ path: ".bashrc", length: 1 }] })).status).toBe(201);
    expect((await publish({ info_hash: randomHash(), name: ".edgeswarm", size: 1 })).status).toBe(400);
  });
});

describe("the largest publish the limits allow", () => {
  it("is stored whole (201): every limit fits D1's 2 MB rows", async () => {
    const word = uniqueWord("big");
    // 7 torrents × 1,000 paths of ~1,000 characters: just under 1 MiB of paths each, ~7 MB of body.
    const entries = Array.from({ length: 7 }, (_, t) => ({
      info_hash: randomHash(),
      name: `${word} ${t}`,
      files: Array.from({ length: 1000 }, (_, i) => ({ path: `${word}/${String(i).padStart(4, "0")}-${"y".repeat(1000)}`, length: 1 })),
    }));
    const body = JSON.stringify(entries);
    expect(body.length).toBeLessThan(DIRECTORY_LIMITS.maxPublishBytes);
    const res = await publish(entries);
    expect(res.status, await res.clone().text()).toBe(201);
    expect((await searchOk({ q: word, limit: 10 })).hits).toHaveLength(7);
  });
});

describe("a publish whose file paths D1 cannot hold in one row", () => {
  it("is a 413 with the reason, not a 500", async () => {
    // 2,000 paths of 600 characters: 1.2 MB of paths, under every per-file and per-publish count limit.
    const files = Array.from({ length: 2000 }, (_, i) => ({ path: `${String(i).padStart(4, "0")}-${"x".repeat(595)}`, length: 1 }));
    expect(files.length).toBeLessThanOrEqual(DIRECTORY_LIMITS.maxFilesPerTorrent);
    const before = await rowCounts();
    const res = await publish({ info_hash: randomHash(), name: "wide", files });
    expect(res.status).toBe(413);
    expect(await errorOf(res)).toEqual({ code: "paths_too_large", message: expect.stringMatching(/file paths take \d+ bytes; at most 1048576/) });
    expect(await rowCounts()).toEqual(before);
  });
});

describe("a search an attacker types", () => {
  it("refuses a prefix of combining marks alone (it matched every term) with the reason", async () => {
    for (const q of ["\u0301\u0301*", "\u0301\u0301", "x\u0301\u0301*", '"\u0300\u0301"*']) {
      const { status, body } = await search({ q });
      expect(status, JSON.stringify(q)).toBe(400);
      expect(body.error).toEqual({ code: "bad_query", message: expect.stringMatching(/combining marks|prefix search needs at least 2 letters or digits/) });
    }
  });

  it("refuses more prefixes, exclusions or words than a bounded search reads", async () => {
    for (const q of ["ab* cd* ef* gh*", "love -a -b -c -d -e", '"a b c d e f g h i j k l m"', "a b c d e f g h i"]) {
      expect((await search({ q })).status, q).toBe(400);
    }
  });

  it("still answers the bounded forms of those queries", async () => {
    const word = uniqueWord("hq");
    const hash = randomHash();
    expect((await publish({ info_hash: hash, name: `${word} alpha beta gamma`, size: 1 })).status).toBe(201);
    for (const q of [`${word.slice(0, 6)}* al* be*`, `${word} -delta -epsilon -zeta -eta`, `${word} ${word} ${word}`]) {
      expect((await searchOk({ q })).hits.map((h) => h.info_hash), q).toEqual([hash]);
    }
  });
});

describe("live counts pushed by the tracker", () => {
  it("never rewrite a torrent's name, paths or description in the indexes: 100 seeder toggles, no index writes", async () => {
    const word = uniqueWord("toggle");
    const hash = randomHash();
    const files = Array.from({ length: 300 }, (_, i) => ({ path: `${word}/disc ${i}/track ${i} of a long album name.flac`, length: 1 }));
    const description = `Every disc of the ${word} box set, remastered`;
    expect((await publish({ info_hash: hash, name: `${word} box set`, files, description })).status).toBe(201);
    // Both full-text indexes: names, paths and tags (0002/0003) and descriptions (0004).
    const indexes = ["torrents_fts", "torrents_desc_fts"];
    const before = await Promise.all(indexes.map((index) => ftsSegmentsWritten(DB, index)));
    for (let i = 0; i < 100; i++) {
      // the same upsert the swarm objects run (durable-objects/swarm-stats.ts)
      await upsertSwarmStats(DB, hash, { complete: i % 2 === 0 ? 1 : 0, incomplete: 0, downloaded: 7 }, Date.now());
    }
    expect(await Promise.all(indexes.map((index) => ftsSegmentsWritten(DB, index)))).toEqual(before);

    // The counts still reach search, filters and sorts at once.
    await upsertSwarmStats(DB, hash, { complete: 3, incomplete: 1, downloaded: 9 }, Date.now());
    for (const sort of ["relevance", "seeders", "added"]) {
      expect((await searchOk({ q: word, alive: 1, sort })).hits.map((h) => [h.info_hash, h.seeders]), sort).toEqual([[hash, 3]]);
    }
    await upsertSwarmStats(DB, hash, { complete: 0, incomplete: 0, downloaded: 9 }, Date.now());
    expect((await searchOk({ q: word, alive: 1 })).hits).toEqual([]);
    expect((await searchOk({ q: word })).hits[0]).toMatchObject({ seeders: 0, leechers: 0, completed: 9 });
  });

  it("keep no swarm_stats row for a swarm without peers", async () => {
    const hash = randomHash();
    await upsertSwarmStats(DB, hash, { complete: 1, incomplete: 2, downloaded: 0 }, Date.now());
    const count = () => DB.prepare(`SELECT count(*) AS n FROM swarm_stats WHERE info_hash = ?1`).bind(hash).first<{ n: number }>();
    expect((await count())!.n).toBe(1);
    await upsertSwarmStats(DB, hash, { complete: 0, incomplete: 0, downloaded: 5 }, Date.now());
    expect((await count())!.n).toBe(0);
    await upsertSwarmStats(DB, randomHash(), { complete: 0, incomplete: 0, downloaded: 0 }, Date.now());
    expect((await DB.prepare(`SELECT count(*) AS n FROM swarm_stats WHERE complete + incomplete = 0`).first<{ n: number }>())!.n).toBe(0);
  });

  it("leave a listed torrent its completed count, which a host that keeps counts in memory reads back at start", async () => {
    const { completedCounts } = await import("../../durable-objects/swarm-stats");
    const listed = randomHash();
    expect((await publish({ info_hash: listed, name: uniqueWord("done"), size: 1 })).status).toBe(201);
    await upsertSwarmStats(DB, listed, { complete: 2, incomplete: 0, downloaded: 41 }, Date.now());
    await upsertSwarmStats(DB, listed, { complete: 0, incomplete: 0, downloaded: 42 }, Date.now());
    const live = randomHash();
    await upsertSwarmStats(DB, live, { complete: 1, incomplete: 0, downloaded: 7 }, Date.now());
    const counts = await completedCounts(DB, 1_000_000);
    expect([counts.get(listed), counts.get(live)]).toEqual([42, 7]);
  });
});

describe("a field sort with many matches", () => {
  it("walks torrents in seeders, size or name order and gives the same pages as sorting every match", async () => {
    const { searchTorrents } = await import("../../worker/directory/queries/search");
    const { parseSearchQuery } = await import("../../worker/directory/rules/query-language");
    const word = uniqueWord("many");
    const tag = uniqueWord("t");
    const seeders = [0, 5, 1, 0, 70, 3, 3, 2_000, 16, 0, 1, 64, 0, 9];
    // Sizes and names repeat so that ties fall back to the id, as in the real sorts.
    const entries = seeders.map((s, i) => ({ info_hash: randomHash(), name: `${i % 3 ? "B" : "a"} ${word}`, size: 1000 + (i % 4), tags: i % 2 ? [tag] : [], s }));
    expect((await publish(entries.map(({ s: _s, ...e }) => e))).status).toBe(201);
    for (const e of entries) if (e.s > 0) await upsertSwarmStats(DB, e.info_hash, { complete: e.s, incomplete: 0, downloaded: 0 }, Date.now());
    const parsed = parseSearchQuery(word);
    if (!parsed.ok) throw new Error(parsed.error);
    const links = { wsBase: "ws://directory.test" };
    for (const [sort, order] of [["seeders", "desc"], ["seeders", "asc"], ["size", "desc"], ["size", "asc"], ["name", "asc"], ["name", "desc"]] as const) {
      for (const filters of [{ tags: [], alive: false }, { tags: [tag], alive: false }, { tags: [], alive: true, minSize: 1001 }]) {
        const pages: string[][] = [];
        for (const sortAllBelow of [undefined, 1]) {
          const seen: string[] = [];
          let after: { key: number | string | null; id: number } | null = null;
          let maxId: number | null = null;
          do {
            const page = await searchTorrents(DB, { match: parsed.match, sort, order, limit: 3, after, maxId, sortAllBelow, ...filters }, links);
            seen.push(...page.hits.map((h) => `${h.seeders}:${h.size}:${h.name}:${h.info_hash}`));
            after = page.next;
            maxId = page.maxId;
          } while (after);
          pages.push(seen);
        }
        expect(pages[1], `${sort} ${order} ${JSON.stringify(filters)}`).toEqual(pages[0]);
        expect(pages[0]!.length).toBeGreaterThan(0);
      }
    }
  });
});

describe("a publish from another site's page", () => {
  const form = () => {
    const body = new FormData();
    body.append("torrent", new File([makeTorrent(uniqueWord("xsite"), 5)], "x.torrent"));
    return body;
  };

  it("is refused (403) whether the browser says so in Origin or in Sec-Fetch-Site, and writes nothing", async () => {
    const cases: Record<string, string>[] = [
      { origin: "https://evil.example" },
      { origin: "null" },
      { "sec-fetch-site": "cross-site" },
      { "sec-fetch-site": "same-site", origin: "https://sub.directory.test" },
    ];
    for (const headers of cases) {
      const before = await rowCounts();
      const res = await SELF.fetch(`${BASE}/api/torrents`, { method: "POST", body: form(), headers });
      expect(res.status, JSON.stringify(headers)).toBe(403);
      expect(await errorOf(res)).toEqual({ code: "cross_site", message: expect.stringMatching(/may not write to this directory/) });
      // CORS: nothing lets the other site read the answer either.
      expect(res.headers.get("access-control-allow-origin")).toBeNull();
      expect(await rowCounts()).toEqual(before);
    }
    const del = await SELF.fetch(`${BASE}/api/torrents/${randomHash()}`, { method: "DELETE", headers: { origin: "https://evil.example", authorization: "Bearer abcdefghijklmnopqrstuvwxyz" } });
    expect(del.status).toBe(403);
    const preflight = await SELF.fetch(`${BASE}/api/torrents`, { method: "OPTIONS", headers: { origin: "https://evil.example", "access-control-request-method": "POST" } });
    expect(preflight.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("passes from this site's own page and from clients that are not browsers", async () => {
    expect((await SELF.fetch(`${BASE}/api/torrents`, { method: "POST", body: form(), headers: { origin: BASE, "sec-fetch-site": "same-origin" } })).status).toBe(201);
    expect((await SELF.fetch(`${BASE}/api/torrents`, { method: "POST", body: form() })).status).toBe(201);
  });
});

describe("writes from one address", () => {
  it("are limited by the PUBLISH_RATE_LIMIT binding the pool reads from wrangler.toml", () => {
    expect(typeof (env as unknown as Env).PUBLISH_RATE_LIMIT.limit).toBe("function");
  });

  it("past the limit get a 429 with Retry-After, counted per address (an IPv6 /64 as one)", async () => {
    const keys: string[] = [];
    const limiter = { limit: async ({ key }: { key: string }) => (keys.push(key), { success: keys.length <= 2 }) };
    const call = async (address: string) => {
      const ctx = createExecutionContext();
      const request = new Request(`${BASE}/api/torrents`, {
        method: "POST",
        headers: { "content-type": "application/json", "cf-connecting-ip": address },
        body: JSON.stringify({ info_hash: randomHash(), name: "limited", size: 1 }),
      });
      const res = await worker.fetch(request, { ...(env as unknown as Env), PUBLISH_RATE_LIMIT: limiter }, ctx);
      await waitOnExecutionContext(ctx);
      return res;
    };
    expect((await call("203.0.113.9")).status).toBe(201);
    expect((await call("2001:db8:1:2:aaaa::1")).status).toBe(201);
    const limited = await call("2001:db8:1:2:bbbb::2");
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("60");
    expect(await errorOf(limited)).toEqual({ code: "rate_limited", message: expect.stringMatching(/too many writes/) });
    expect(keys).toEqual(["203.0.113.9", "2001:db8:1:2::/64", "2001:db8:1:2::/64"]);
  });
});

describe("a squatter's JSON entry", () => {
  it("is replaced by the verified .torrent of the same hash; the squatter's token owns nothing after", async () => {
    const word = uniqueWord("real");
    const torrent = makeTorrent(`${word} ubuntu desktop`, 4096);
    const { infoHashOf } = await import("./directory-helpers");
    const hash = await infoHashOf(torrent);
    const bait = uniqueWord("bait");
    const squat = await publish({ info_hash: hash, name: `${bait} free movie`, size: 4096, tags: ["video"], description: "click me" });
    expect(squat.status).toBe(201);
    const squatter = ((await squat.json()) as { token: string }).token;

    const real = await SELF.fetch(`${BASE}/api/torrents?tags=linux`, { method: "POST", headers: { "content-type": "application/x-bittorrent" }, body: torrent });
    expect(real.status).toBe(201);
    const published = (await real.json()) as { token: string; entries: { name: string; created: boolean; torrent_url: string | null; tags: string[]; description: string | null }[] };
    expect(published.entries[0]).toMatchObject({ name: `${word} ubuntu desktop`, created: true, torrent_url: `/api/torrents/${hash}/torrent`, tags: ["linux"], description: null });
    expect(published.token).toEqual(expect.any(String));

    expect((await searchOk({ q: bait })).hits).toEqual([]);
    expect((await searchOk({ q: word })).hits.map((h) => h.info_hash)).toEqual([hash]);
    const call = (method: string, token: string) => SELF.fetch(`${BASE}/api/torrents/${hash}`, { method, headers: { authorization: `Bearer ${token}` } });
    expect((await call("DELETE", squatter)).status).toBe(403);
    // Publishing JSON for it again changes nothing now, nor does the .torrent a second time.
    expect((await publish({ info_hash: hash, name: `${bait} again`, size: 1 })).status).toBe(200);
    expect((await SELF.fetch(`${BASE}/api/torrents`, { method: "POST", headers: { "content-type": "application/x-bittorrent" }, body: torrent })).status).toBe(200);
    expect((await call("DELETE", published.token)).status).toBe(204);
  });
});
