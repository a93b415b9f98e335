import { describe, expect, it } from "vitest";
import { parseMagnet as directoryParseMagnet } from "../../protocol/directory";
import { parseMagnet } from "../../protocol/magnet";
import { UsageError } from "../../client/lib/errors";
import { infoHashOf, parseTarget } from "../../client/lib/targets";

const HASH = "c9e15763f722f23e98a29decdfae341b98d53056";
// The same 20 bytes in base32 (BEP 9 allows either).
const BASE32 = "ZHQVOY7XELZD5GFCTXWN7LRUDOMNKMCW";

describe("a download target", () => {
  it("is a magnet link with its info hash and name", () => {
    const magnet = `magnet:?xt=urn:btih:${HASH.toUpperCase()}&dn=Field+notes&tr=ws%3A%2F%2Fx%2Fannounce`;
    expect(parseTarget(magnet)).toEqual({ kind: "magnet", infoHash: HASH, name: "Field notes", magnet });
  });

  it("is an info hash, in hex or base32", () => {
    expect(parseTarget(` ${HASH.toUpperCase()} `)).toEqual({ kind: "hash", infoHash: HASH });
    expect(infoHashOf(BASE32)).toBe(HASH);
  });

  it("is the info hash of a page share link", () => {
    expect(parseTarget(`http://127.0.0.1:8787/#${HASH}`)).toEqual({ kind: "hash", infoHash: HASH });
  });

  it("is otherwise search words, with spacing collapsed", () => {
    expect(parseTarget("  ubuntu   24.04\tdesktop ")).toEqual({ kind: "words", query: "ubuntu 24.04 desktop" });
    expect(parseTarget("c9e15763")).toEqual({ kind: "words", query: "c9e15763" });
    expect(parseTarget("http://127.0.0.1:8787/")).toEqual({ kind: "words", query: "http://127.0.0.1:8787/" });
  });

  it("is refused when empty or a magnet without an info hash", () => {
    expect(() => parseTarget("   ")).toThrow(UsageError);
    expect(() => parseTarget("magnet:?dn=nothing")).toThrow(/xt=urn:btih/);
  });
});

describe("the zod-free magnet parser", () => {
  it("reads links exactly as the directory's does", () => {
    for (const link of [
      `magnet:?xt=urn:btih:${HASH}&dn=a+b`,
      `MAGNET:?xt=urn:btih:${BASE32.toLowerCase()}`,
      `magnet:?xt=urn:sha1:abc&xt=urn:btih:${HASH.toUpperCase()}`,
      "magnet:?xt=urn:btih:xyz",
      "magnet:?dn=only-a-name",
      "http://example.com",
      `magnet:?xt=urn:btih:${"1".repeat(32)}`,
    ]) {
      expect(parseMagnet(link), link).toEqual(directoryParseMagnet(link));
    }
  });
});
