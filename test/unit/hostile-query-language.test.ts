// Search terms an attacker would type (issue 10): combining marks that vanish in the index, prefixes the index
// cannot serve, and queries that multiply the posting lists one search reads.
import { describe, expect, it } from "vitest";
import { QUERY_BOUNDS, excludesEverything, parseSearchQuery } from "../../worker/directory/rules/query-language";

function refusal(input: string): string {
  const result = parseSearchQuery(input);
  if (result.ok) throw new Error(`accepted as ${result.match}`);
  return result.error;
}

function match(input: string): string | null {
  const result = parseSearchQuery(input);
  if (!result.ok) throw new Error(`refused: ${result.error}`);
  return result.match;
}

describe("combining marks", () => {
  it("alone in a term are refused, with the reason", () => {
    expect(refusal("\u0301\u0301*")).toMatch(/only combining marks/);
    expect(refusal("\u0301\u0301")).toMatch(/only combining marks/);
    expect(refusal("love \u0300\u0301\u0302*")).toMatch(/only combining marks/);
    expect(refusal('"\u0301 \u0301"*')).toMatch(/only combining marks/);
  });

  it("do not count towards a prefix's two characters, and leave the FTS string", () => {
    expect(refusal("x\u0301\u0301*")).toMatch(/prefix/);
    expect(refusal("\u0301x\u0301*")).toMatch(/prefix/);
    expect(match("ca\u0301f*")).toBe('"cáf"*'); // NFC makes it one letter á, which the tokenizer folds to a
    expect(match("xq\u0301*")).toBe('"xq"*'); // no precomposed q with an acute: the mark is dropped
  });

  it("that the index keeps (other scripts' vowel signs) still count", () => {
    expect(match("कि*")).toBe('"कि"*');
  });
});

describe("query cost bounds", () => {
  it("merges repeated terms before counting them", () => {
    expect(match(Array.from({ length: 50 }, () => "the").join(" "))).toBe('"the"');
    expect(match("love -night -night")).toBe('"love" NOT "night"');
  });

  it(`allows at most ${QUERY_BOUNDS.maxPrefixTerms} prefixes, ${QUERY_BOUNDS.maxExcludedTerms} exclusions and ${QUERY_BOUNDS.maxTokens} words`, () => {
    expect(match("ab* cd* ef*")).toBe('("ab"* AND "cd"* AND "ef"*)');
    expect(refusal("ab* cd* ef* gh*")).toMatch(/prefix\* terms: at most 3/);
    expect(refusal("love -a -b -c -d -e")).toMatch(/exclusions: at most 4/);
    expect(refusal(`"${Array.from({ length: 13 }, (_, i) => `w${i}`).join(" ")}"`)).toMatch(/too many words/);
    expect(refusal(Array.from({ length: QUERY_BOUNDS.maxTerms + 1 }, (_, i) => `w${i}`).join(" "))).toMatch(/too many search terms/);
  });
});

describe("exclusions that rule out every match", () => {
  const query = (input: string) => {
    const result = parseSearchQuery(input);
    if (!result.ok) throw new Error(result.error);
    return result.query;
  };
  it("are found without the database: the excluded word or prefix is held by every match", () => {
    for (const q of ["love -lo*", "love -love", "night day -ni*", '"black river" -riv*', "cast* -ca*", "cast* -cast*"]) {
      expect(excludesEverything(query(q)), q).toBe(true);
    }
  });
  it("are not claimed when some match may lack the excluded word", () => {
    for (const q of ["love -th*", "love -lov", "cast* -cast", "cast* -castle", 'love -"lo ve"', "love -loves*"]) {
      expect(excludesEverything(query(q)), q).toBe(false);
    }
  });
});
