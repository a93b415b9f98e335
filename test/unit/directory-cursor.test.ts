import { describe, expect, it } from "vitest";
import { decodeCursor, encodeCursor, fingerprint } from "../../worker/directory/rules/cursor";

describe("search cursors", () => {
  const print = fingerprint(['"linux"', "relevance", "desc", undefined, undefined, [], false]);

  it("round-trips numeric, string and null keys exactly", () => {
    for (const key of [0.0000019714867617107943, 1234567890123, "Ubuntu 24.04 — ünïcode", null]) {
      const encoded = encodeCursor({ key, id: 42, maxId: 99, fingerprint: print });
      expect(encoded).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(decodeCursor(encoded, print)).toEqual({ cursor: { key, id: 42, maxId: 99, fingerprint: print } });
    }
  });

  it("refuses a cursor made for another query, sort or filter", () => {
    const encoded = encodeCursor({ key: 3, id: 1, maxId: 1, fingerprint: print });
    const other = fingerprint(['"linux"', "seeders", "desc", undefined, undefined, [], false]);
    expect(decodeCursor(encoded, other)).toEqual({ error: expect.stringMatching(/different query/) });
  });

  it("refuses garbage and tampered cursors with a message", () => {
    for (const bad of ["", "!!!", "bm90IGpzb24", btoa('{"k":1,"i":-1,"m":0,"f":"x"}'), btoa('{"k":{},"i":1,"m":1,"f":"x"}')]) {
      expect(decodeCursor(bad, print)).toEqual({ error: expect.stringMatching(/not valid/) });
    }
  });

  it("gives different fingerprints to different parameters", () => {
    expect(fingerprint(["a", 1])).not.toBe(fingerprint(["a", 2]));
    expect(fingerprint(["a", 1])).toBe(fingerprint(["a", 1]));
  });
});
