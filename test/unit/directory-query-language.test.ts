import { describe, expect, it } from "vitest";
import { DIRECTORY_LIMITS } from "../../protocol/directory";
import { parseSearchQuery } from "../../worker/directory/rules/query-language";

function match(input: string): string | null {
  const result = parseSearchQuery(input);
  if (!result.ok) throw new Error(`refused: ${result.error}`);
  return result.match;
}

function refusal(input: string): string {
  const result = parseSearchQuery(input);
  if (result.ok) throw new Error(`accepted as ${result.match}`);
  return result.error;
}

describe("the search query language", () => {
  it("needs all words: each word is a quoted FTS5 string, ANDed", () => {
    expect(match("ubuntu desktop")).toBe('("ubuntu" AND "desktop")');
    expect(match("ubuntu")).toBe('"ubuntu"');
  });

  it("splits file-name punctuation inside a word into an adjacent-token phrase, as the index does", () => {
    expect(match("ubuntu 24.04 desktop")).toBe('("ubuntu" AND "24 04" AND "desktop")');
    expect(match("Ubuntu.24.04-desktop_amd64.iso")).toBe('"ubuntu 24 04 desktop amd64 iso"');
  });

  it("keeps a quoted phrase together", () => {
    expect(match('"black river" 1080p')).toBe('("black river" AND "1080p")');
  });

  it("closes an unbalanced quote at the end of the query", () => {
    expect(match('"black river')).toBe('"black river"');
    expect(match('foo "')).toBe('"foo"');
  });

  it("turns -word and -\"phrase\" into one NOT each", () => {
    expect(match('river -black -"cold water"')).toBe('"river" NOT "black" NOT "cold water"');
  });

  it("marks prefix* on the last token, also after a phrase", () => {
    expect(match("cast*")).toBe('"cast"*');
    expect(match('"black riv"*')).toBe('"black riv"*');
    expect(match("24.04*")).toBe('"24 04"*');
    expect(refusal("24.0*")).toMatch(/prefix/); // "24 0"* ends in a one-character prefix
  });

  it("treats FTS5 operators, column filters and syntax as plain words or separators", () => {
    expect(match("a NEAR b")).toBe('("a" AND "near" AND "b")');
    expect(match("NEAR(a b, 3)")).toBe('("near a" AND "b" AND "3")');
    expect(match("name:linux")).toBe('"name linux"');
    expect(match("^start OR end")).toBe('("start" AND "or" AND "end")');
    expect(match("{name paths}: x")).toBe('("name" AND "paths" AND "x")');
    expect(match("a + b")).toBe('("a" AND "b")');
  });

  it("passes SQL fragments as words, never as syntax", () => {
    expect(match("'; DROP TABLE torrents; --")).toBe('("drop" AND "table" AND "torrents")');
    expect(match("x' OR 1=1")).toBe('("x" AND "or" AND "1 1")');
  });

  it("keeps other scripts and folds case; drops emoji", () => {
    expect(match("Café 東京 Москва")).toBe('("café" AND "東京" AND "москва")');
    expect(match("🎉 party")).toBe('"party"');
  });

  it("means no text filter for an empty query", () => {
    expect(match("")).toBe(null);
    expect(match("   ")).toBe(null);
  });

  it("refuses what cannot be searched, with a message", () => {
    expect(refusal("🎉🎉")).toMatch(/no letters or digits/);
    expect(refusal('"" * ^ :')).toMatch(/no letters or digits/);
    expect(refusal("-linux")).toMatch(/not excluded/);
    expect(refusal("a*")).toMatch(/prefix/);
    expect(refusal("x".repeat(10_000))).toMatch(/too long/);
    expect(refusal(Array.from({ length: DIRECTORY_LIMITS.maxQueryTerms + 1 }, (_, i) => `w${i}`).join(" "))).toMatch(/too many/);
  });

  it("never lets a double quote or a star into a token, whatever the input", () => {
    const inputs = ['a"b', '"a""b"', "***", '-"', '"*"*', "a*b*c", '\\"x\\"', "\u0000null", "a\u202Eb"];
    for (const input of inputs) {
      const result = parseSearchQuery(input);
      if (!result.ok) continue;
      // Every quoted string holds only letters, digits and spaces.
      for (const [, inner] of result.match!.matchAll(/"([^"]*)"/g)) expect(inner).toMatch(/^[\p{L}\p{N}\p{M}\p{Co} ]+$/u);
    }
  });
});
