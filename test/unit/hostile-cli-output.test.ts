// What the CLI prints from names, paths and messages that peers and publishers chose (issue 10): no control
// or direction characters reach the terminal; JSON keeps the data, escaped.
import { describe, expect, it } from "vitest";
import { EXIT, detailsText, exitCodeFor, searchTable, terminalBlock, terminalJson } from "../../client/cli/output";
import type { SearchHit } from "../../protocol/directory";

const HASH = "c9e15763f722f23e98a29decdfae341b98d53056";
const EVIL = "notes\u001b[2J\u001b]0;owned\u0007\r\nFAKE: all good\u202Etxt.exe\u009b31m\u2066x\u2069\u200f\u061c";
const UNSAFE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

const hit: SearchHit = {
  info_hash: HASH,
  name: EVIL,
  size: 1,
  file_count: 1,
  seeders: 0,
  leechers: 0,
  completed: 0,
  added: "2026-05-02T10:00:00.000Z",
  tags: [],
  magnet: `magnet:?xt=urn:btih:${HASH}`,
  score: null,
};

describe("CLI output of text a stranger chose", () => {
  it("keeps every table row on its own line, with no control or direction character", () => {
    const table = searchTable([hit]);
    expect(table.split("\n")).toHaveLength(2);
    expect(table).not.toMatch(UNSAFE);
    expect(table).toContain("FAKE: all good");
  });

  it("cleans every field of the details, file paths and descriptions included", () => {
    const text = detailsText({ ...hit, tags: ["a"], description: EVIL, piece_length: null, torrent_url: null, files: [{ path: `dir/${EVIL}`, length: 1 }] }, "http://x/#h");
    expect(text).not.toMatch(UNSAFE);
    expect(text.split("\n").filter((l) => l.includes("FAKE"))).toHaveLength(3); // name, description, file: one line each
  });

  it("lets only our own newlines through a block, and escapes the rest in JSON", () => {
    expect(terminalBlock(`one\n${EVIL}`)).not.toMatch(UNSAFE);
    const json = terminalJson({ name: EVIL });
    expect(json).not.toMatch(UNSAFE);
    expect(JSON.parse(json)).toEqual({ name: EVIL });
  });

  it("has an exit code of its own for a refused name and for a file in the way", () => {
    expect(exitCodeFor("unsafe_name")).toBe(EXIT.unsafeName);
    expect(exitCodeFor("exists")).toBe(EXIT.exists);
    expect([EXIT.unsafeName, EXIT.exists]).toEqual([8, 9]);
    expect(new Set(Object.values(EXIT)).size).toBe(Object.values(EXIT).length);
  });
});
