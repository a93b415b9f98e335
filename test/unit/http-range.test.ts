// HTTP byte ranges (protocol/http-range.ts), as the web seed, the lab's files and the lab's proxy answer them.
import { describe, expect, it } from "vitest";
import { parseRange, rangeAnswer, rangedResponse } from "../../protocol/http-range";

describe("a Range header", () => {
  it("is one range, open or suffix, its end clamped to the body", () => {
    expect(parseRange("bytes=0-9", 100)).toEqual({ start: 0, end: 9 });
    expect(parseRange("bytes=90-200", 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange("bytes=90-", 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange("bytes=-10", 100)).toEqual({ start: 90, end: 99 });
    expect(parseRange("bytes=-1000", 100)).toEqual({ start: 0, end: 99 });
  });

  it("past the end, backwards, a zero suffix or of an empty body is unsatisfiable", () => {
    for (const [header, size] of [["bytes=100-", 100], ["bytes=5-4", 100], ["bytes=-0", 100], ["bytes=-5", 0], ["bytes=0-", 0]] as const) {
      expect(parseRange(header, size), `${header} of ${size}`).toBe("unsatisfiable");
    }
  });

  it("is ignored (the whole body) when absent, several or unreadable", () => {
    for (const header of [undefined, null, "", "bytes=0-1,5-6", "bytes=-", "items=0-1", "bytes=a-b"]) expect(parseRange(header, 100), String(header)).toBeNull();
  });
});

describe("the answer", () => {
  it("is 206 with Content-Range for a range, 200 for none, 416 with the size for an unsatisfiable one", () => {
    expect(rangeAnswer("bytes=10-19", 1000)).toEqual({
      status: 206,
      offset: 10,
      length: 10,
      headers: { "accept-ranges": "bytes", "content-length": "10", "content-range": "bytes 10-19/1000" },
    });
    expect(rangeAnswer(undefined, 1000)).toEqual({ status: 200, offset: 0, length: 1000, headers: { "accept-ranges": "bytes", "content-length": "1000" } });
    expect(rangeAnswer("bytes=5000-", 1000)).toEqual({ status: 416, offset: 0, length: 0, headers: { "accept-ranges": "bytes", "content-range": "bytes */1000" } });
  });

  it("as a Response reads exactly the bytes it sends, and nothing for HEAD or 416", async () => {
    const body = new TextEncoder().encode("0123456789");
    const reads: [number, number][] = [];
    const read = async (offset: number, length: number) => {
      reads.push([offset, length]);
      return body.slice(offset, offset + length);
    };
    const ranged = await rangedResponse({ method: "GET", range: "bytes=2-4" }, body.length, { etag: '"e"' }, read);
    expect([ranged.status, await ranged.text(), ranged.headers.get("etag"), ranged.headers.get("content-range")]).toEqual([206, "234", '"e"', "bytes 2-4/10"]);
    const head = await rangedResponse({ method: "HEAD", range: null }, body.length, {}, read);
    expect([head.status, head.headers.get("content-length")]).toEqual([200, "10"]);
    const refused = await rangedResponse({ method: "GET", range: "bytes=10-" }, body.length, {}, read);
    expect([refused.status, refused.headers.get("content-range")]).toEqual([416, "bytes */10"]);
    expect(reads).toEqual([[2, 3]]);
  });
});
