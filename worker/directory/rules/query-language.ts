// The search query language (docs/directory.md "Query language") → a safe FTS5 MATCH expression.
// Layer: pure logic. Nothing the user typed reaches FTS5 as syntax: every term becomes a double-quoted
// string of letters and digits, so NEAR, AND/OR/NOT, ^, column filters and stray quotes are just words.
import { DIRECTORY_LIMITS } from "../../../protocol/directory";

/** One search term: the tokens of a word or "quoted phrase", matched adjacent and in order. */
export type QueryTerm = { tokens: string[]; prefix: boolean };
export type ParsedQuery = { include: QueryTerm[]; exclude: QueryTerm[] };
/** `rankMatch`: the included terms alone, what relevance scores (an excluded term scores 0 in every hit). */
export type QueryResult = { ok: true; query: ParsedQuery; match: string | null; rankMatch: string | null } | { ok: false; error: string };

// What FTS5's unicode61 tokenizer keeps (its categories 'L* N* Co M*', see migrations/0002): everything
// else separates tokens, so "24.04" is the two tokens 24 and 04 in the index and in a query alike.
// Private-use characters (Co) are left out on purpose: they mark facet tokens (facets.ts), which only
// the filters may reach.
const TOKEN = /[\p{L}\p{N}\p{M}]+/gu;
export const MIN_PREFIX_CHARS = 2;

// The combining marks `remove_diacritics 2` folds to nothing: what SQLite's unicode61 tokenizer left of
// "q<mark>z" for every Unicode mark (2,408 of them) was "qz" for exactly these. Everything else in \p{M} stays
// a token character. A token made only of these is empty in the index: as a prefix ("\u0301\u0301*") it
// matched every term of every entry (issue 10: 330 ms per request at 40k entries). The query is NFC first, so
// a letter with its accent is one (precomposed) character that the tokenizer folds to its base letter.
const DROPPED_MARKS = /[\u0300-\u0304\u0306-\u030c\u030f\u0311\u031b\u0323-\u0328\u032d\u032e\u0330\u0331]/gu;

/**
 * Cost bounds: every term is a posting list FTS5 reads whole (an AND, a phrase, a NOT alike), and a prefix is
 * the union of every term it starts; bm25 counts each of them again. Repeated terms are merged first.
 */
export const QUERY_BOUNDS = {
  /** Words and phrases, included and excluded. */
  maxTerms: DIRECTORY_LIMITS.maxQueryTerms,
  /** Of those, prefix* terms. */
  maxPrefixTerms: 3,
  /** Of those, -exclusions. */
  maxExcludedTerms: 4,
  /** Tokens of all terms together ("24.04" is two, a phrase one per word). */
  maxTokens: 10,
} as const;

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
  // One NOT per exclusion, not NOT (a OR b): the same entries, but FTS5 checks each list on its own instead
  // of merging them first (three excluded prefixes: 28 ms rather than 41 at 1M entries).
  return [positive, ...query.exclude.map(ftsString)].join(" NOT ");
}

/**
 * Whether an exclusion rules out every entry the included terms can match: `love -lo*` or `night -night`.
 * Such a query needs no database, and through FTS5 it is the costliest kind: it reads every candidate to
 * exclude each one (issue 10).
 */
export function excludesEverything(query: ParsedQuery): boolean {
  // Every match holds each included token; a prefix* term's last token only as the start of a longer one.
  const held = query.include.flatMap((term) => term.tokens.map((token, i) => ({ token, open: term.prefix && i === term.tokens.length - 1 })));
  return query.exclude.some((term) => {
    if (term.tokens.length !== 1) return false;
    const excluded = term.tokens[0]!;
    return held.some(({ token, open }) => (term.prefix ? token.startsWith(excluded) : !open && token === excluded));
  });
}

/** A word's tokens as the index holds them: lowercase, without the marks the tokenizer drops, none empty. */
function indexTokens(text: string): { tokens: string[]; onlyMarks: boolean } {
  const raw = (text.toLowerCase().match(TOKEN) ?? []) as string[];
  const tokens = raw.map((token) => token.replace(DROPPED_MARKS, "")).filter((token) => token !== "");
  return { tokens, onlyMarks: raw.length > 0 && tokens.length === 0 };
}

/**
 * Parses a search box string. Empty (or only spaces) means "no text filter" (match: null).
 * Refused with a message: too long, too many terms (QUERY_BOUNDS), nothing searchable (only symbols/emoji),
 * a term of combining marks alone, only exclusions, a prefix* shorter than two characters as indexed.
 */
export function parseSearchQuery(input: string): QueryResult {
  if (input.length > DIRECTORY_LIMITS.maxQueryChars) {
    return { ok: false, error: `query too long: at most ${DIRECTORY_LIMITS.maxQueryChars} characters` };
  }
  if (input.trim() === "") return { ok: true, query: { include: [], exclude: [] }, match: null, rankMatch: null };
  const query: ParsedQuery = { include: [], exclude: [] };
  const seen = new Set<string>();
  let prefixes = 0;
  let tokenCount = 0;
  for (const raw of lex(input.normalize("NFC"))) {
    const { tokens, onlyMarks } = indexTokens(raw.text);
    if (onlyMarks) {
      return { ok: false, error: "a search term holds only combining marks (accents without a letter), which the index ignores: type letters or digits" };
    }
    if (tokens.length === 0) continue; // punctuation, symbols, emoji: nothing the index holds
    const last = tokens[tokens.length - 1]!;
    // Counted as the index holds it: "x\u0301\u0301*" is the one-letter prefix x.
    if (raw.prefix && [...last].length < MIN_PREFIX_CHARS) {
      return { ok: false, error: `a prefix search needs at least ${MIN_PREFIX_CHARS} letters or digits before the * (accents do not count)` };
    }
    const term: QueryTerm = { tokens, prefix: raw.prefix };
    const key = `${raw.exclude ? "-" : "+"}${ftsString(term)}`;
    if (seen.has(key)) continue; // "the the the": one posting list, read once
    seen.add(key);
    (raw.exclude ? query.exclude : query.include).push(term);
    if (raw.prefix) prefixes++;
    tokenCount += tokens.length;
  }
  const count = query.include.length + query.exclude.length;
  if (count > QUERY_BOUNDS.maxTerms) {
    return { ok: false, error: `too many search terms: at most ${QUERY_BOUNDS.maxTerms}` };
  }
  if (prefixes > QUERY_BOUNDS.maxPrefixTerms) {
    return { ok: false, error: `too many prefix* terms: at most ${QUERY_BOUNDS.maxPrefixTerms}` };
  }
  if (query.exclude.length > QUERY_BOUNDS.maxExcludedTerms) {
    return { ok: false, error: `too many -exclusions: at most ${QUERY_BOUNDS.maxExcludedTerms}` };
  }
  if (tokenCount > QUERY_BOUNDS.maxTokens) {
    return { ok: false, error: `too many words: at most ${QUERY_BOUNDS.maxTokens} (counting each word of a phrase and each part of a dotted word like 24.04)` };
  }
  if (query.include.length === 0) {
    return {
      ok: false,
      error: count > 0 ? "a query needs at least one word that is not excluded" : "the query has no letters or digits to search for",
    };
  }
  return { ok: true, query, match: toFtsMatch(query), rankMatch: toFtsMatch({ include: query.include, exclude: [] }) };
}
