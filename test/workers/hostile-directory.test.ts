// Hostile users against the directory (issue 10), inside workerd with the real migrations: names and paths no
// client may write, rows D1 cannot hold, searches that cost far more than they should.
/// <reference path="../../worker/directory/rules/bencode.d.ts" />
import bencode from "bencode";
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { DIRECTORY_LIMITS } from "../../protocol/directory";
import { BASE, makeTorrent, publish, randomHash, rowCounts, search, searchOk, uniqueWord } from "./directory-helpers";

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
