import { describe, expect, it } from "vitest";
import { PatchBody, PublishBody, SearchParams, entryFromWire, magnetLink, parseMagnet } from "../../protocol/directory";

const hash = "0123456789abcdef0123456789abcdef01234567";

describe("magnet links", () => {
  it("reads hex and base32 info hashes and the display name", () => {
    expect(parseMagnet(`magnet:?xt=urn:btih:${hash.toUpperCase()}&dn=Some+Name`)).toEqual({ infoHash: hash, name: "Some Name" });
    expect(parseMagnet("magnet:?xt=urn:btih:AERUKZ4JVPG66AJDIVTYTK6N54ASGRLH")).toEqual({ infoHash: hash, name: null });
  });

  it("refuses what is not a BitTorrent magnet", () => {
    expect(parseMagnet("http://example.com")).toBe(null);
    expect(parseMagnet("magnet:?xt=urn:sha1:abc")).toBe(null);
    expect(parseMagnet("magnet:?xt=urn:btih:1234")).toBe(null);
  });

  it("builds a link whose tracker is the given socket URL", () => {
    const link = magnetLink(hash, "a b&c", `wss://edge.example/announce/${hash}`, 5);
    expect(link).toBe(`magnet:?xt=urn:btih:${hash}&dn=a%20b%26c&xl=5&tr=wss%3A%2F%2Fedge.example%2Fannounce%2F${hash}`);
    expect(parseMagnet(link)).toEqual({ infoHash: hash, name: "a b&c" });
  });
});

describe("a JSON publish entry", () => {
  const entry = (wire: unknown) => {
    const parsed = PublishBody.safeParse(wire);
    if (!parsed.success) return { error: parsed.error.issues[0]!.message };
    return entryFromWire(parsed.data as never);
  };

  it("takes the info hash and name from a magnet", () => {
    expect(entry({ magnet: `magnet:?xt=urn:btih:${hash}&dn=From+Magnet`, size: 3 })).toMatchObject({
      entry: { infoHash: hash, name: "From Magnet", size: 3, files: [{ path: "From Magnet", length: 3 }] },
    });
  });

  it("sums file lengths and normalises tags", () => {
    const result = entry({ info_hash: hash, name: "x", files: [{ path: "a", length: 1 }, { path: "b", length: 2 }], tags: ["Linux", "linux", "ISO"] });
    expect(result).toMatchObject({ entry: { size: 3, tags: ["linux", "iso"] } });
  });

  it("refuses contradictions and missing fields with a message", () => {
    expect(entry({ name: "x", size: 1 })).toEqual({ error: expect.stringMatching(/info_hash or magnet/) });
    expect(entry({ info_hash: hash, size: 1 })).toEqual({ error: expect.stringMatching(/name is required/) });
    expect(entry({ info_hash: hash, name: "x" })).toEqual({ error: expect.stringMatching(/files or size/) });
    expect(entry({ info_hash: hash, name: "x", size: 2, files: [{ path: "a", length: 1 }] })).toEqual({ error: expect.stringMatching(/sum/) });
    expect(entry({ info_hash: "a".repeat(40), magnet: `magnet:?xt=urn:btih:${hash}`, name: "x", size: 1 })).toEqual({
      error: expect.stringMatching(/different/),
    });
    expect(entry({ info_hash: hash, name: "x", size: 1, tags: ["no spaces"] })).toEqual({ error: expect.stringMatching(/tag/) });
    expect(entry({ info_hash: "xyz", name: "x", size: 1 })).toEqual({ error: expect.stringMatching(/hexadecimal/) });
    expect(entry({ info_hash: hash, name: "   ", size: 1 })).toEqual({ error: expect.stringMatching(/empty/) });
    expect(entry({ info_hash: hash, name: "x", size: -1 })).toHaveProperty("error");
    expect(entry([])).toEqual({ error: expect.stringMatching(/empty/) });
  });

  // Issue 10: a name clients would write to disk is refused, not cleaned (protocol/name-rules.ts).
  it("refuses control characters in names", () => {
    expect(entry({ info_hash: hash, name: "a\u0000b\nc", size: 1 })).toEqual({ error: "name holds a control or text-direction character" });
  });
});

describe("search parameters", () => {
  it("defaults to relevance, 20 hits, everything", () => {
    expect(SearchParams.parse({})).toEqual({ q: "", sort: "relevance", tag: [], alive: false, limit: 20 });
  });

  it("refuses bad values with a message", () => {
    for (const bad of [{ sort: "rank" }, { order: "up" }, { limit: "0" }, { limit: "101" }, { limit: "1e3" }, { min_size: "-1" }, { alive: "yes" }]) {
      expect(SearchParams.safeParse(bad).success).toBe(false);
    }
  });

  it("needs something to change in a patch", () => {
    expect(PatchBody.safeParse({}).success).toBe(false);
    expect(PatchBody.parse({ description: null })).toEqual({ description: null });
  });
});
