// The search query language (docs/directory.md "Query language") → a safe FTS5 MATCH expression.
// Layer: pure logic. Nothing the user typed reaches FTS5 as syntax: every term becomes a double-quoted
// string of letters and digits, so NEAR, AND/OR/NOT, ^, column filters and stray quotes are just words.
import { DIRECTORY_LIMITS } from "../../../protocol/directory";

/** One search term: the tokens of a word or "quoted phrase", matched adjacent and in order. */
export type QueryTerm = { tokens: string[]; prefix: boolean };
export type ParsedQuery = { include: QueryTerm[]; exclude: QueryTerm[] };
export type QueryResult = { ok: true; query: ParsedQuery; match: string | null } | { ok: false; error: string };

// What FTS5's unicode61 tokenizer keeps (its categories 'L* N* Co M*', see migrations/0002): everything
// else separates tokens, so "24.04" is the two tokens 24 and 04 in the index and in a query alike.
// Private-use characters (Co) are left out on purpose: they mark facet tokens (facets.ts), which only
// the filters may reach.
const TOKEN = /[\p{L}\p{N}\p{M}]+/gu;
export const MIN_PREFIX_CHARS = 2;

type RawTerm = { text: string; exclude: boolean; prefix: boolean; quoted: boolean };

/** Splits the user's text into terms: words, "quoted phrases" (a lone quote runs to the end), -exclusions, prefix*. */
function lex(input: string): RawTerm[] {
  const terms: RawTerm[] = [];
  let i = 0;
  while (i < input.length) {
    while (i < input.length && /\s/u.test(input[i]!)) i++;
    if (i >= input.length) break;
    let exclude = false;
    if (input[i] === "-" && i + 1 < input.length && !/\s/u.test(input[i + 1]!)) {
      exclude = true;
      i++;
    }
    let text: string;
    let quoted = false;
    if (input[i] === '"') {
      quoted = true;
      const close = input.indexOf('"', i + 1);
      const end = close < 0 ? input.length : close;
      text = input.slice(i + 1, end);
      i = close < 0 ? input.length : close + 1;
    } else {
      const start = i;
      while (i < input.length && !/\s/u.test(input[i]!) && input[i] !== '"') i++;
      text = input.slice(start, i);
    }
    let prefix = false;
    if (input[i] === "*") {
      // "phrase"* — the star right after a closing quote
      prefix = true;
      i++;
    } else if (!quoted && text.endsWith("*")) {
      prefix = true;
    }
    if (!quoted) text = text.replace(/\*+$/, "");
    terms.push({ text, exclude, prefix, quoted });
  }
  return terms;
}

/** FTS5 string literal: tokens joined by spaces inside double quotes (tokens never hold a quote). */
function ftsString(term: QueryTerm): string {
  return `"${term.tokens.join(" ")}"${term.prefix ? "*" : ""}`;
}

export function toFtsMatch(query: ParsedQuery): string {
  const include = query.include.map(ftsString);
  const positive = include.length === 1 ? include[0]! : `(${include.join(" AND ")})`;
  if (query.exclude.length === 0) return positive;
  return `${positive} NOT (${query.exclude.map(ftsString).join(" OR ")})`;
}

/**
 * Parses a search box string. Empty (or only spaces) means "no text filter" (match: null).
 * Refused with a message: too long, too many terms, nothing searchable (only symbols/emoji),
 * only exclusions, a prefix* shorter than two characters.
 */
export function parseSearchQuery(input: string): QueryResult {
  if (input.length > DIRECTORY_LIMITS.maxQueryChars) {
    return { ok: false, error: `query too long: at most ${DIRECTORY_LIMITS.maxQueryChars} characters` };
  }
  if (input.trim() === "") return { ok: true, query: { include: [], exclude: [] }, match: null };
  const query: ParsedQuery = { include: [], exclude: [] };
  for (const raw of lex(input.normalize("NFC"))) {
    const tokens = (raw.text.toLowerCase().match(TOKEN) ?? []) as string[];
    if (tokens.length === 0) continue; // punctuation, symbols, emoji: nothing the index holds
    const last = tokens[tokens.length - 1]!;
    if (raw.prefix && [...last].length < MIN_PREFIX_CHARS) {
      return { ok: false, error: `a prefix search needs at least ${MIN_PREFIX_CHARS} letters or digits before the *` };
    }
    (raw.exclude ? query.exclude : query.include).push({ tokens, prefix: raw.prefix });
  }
  const count = query.include.length + query.exclude.length;
  if (count > DIRECTORY_LIMITS.maxQueryTerms) {
    return { ok: false, error: `too many search terms: at most ${DIRECTORY_LIMITS.maxQueryTerms}` };
  }
  if (query.include.length === 0) {
    return {
      ok: false,
      error: count > 0 ? "a query needs at least one word that is not excluded" : "the query has no letters or digits to search for",
    };
  }
  return { ok: true, query, match: toFtsMatch(query) };
}
