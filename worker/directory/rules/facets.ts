// Facet tokens: a torrent's exact tags written into the full-text index's `facets` column, so a text search
// filters on tags inside FTS5 instead of row by row. Live state (live peers, seeders) is not a facet any more:
// it changes with every count push and lives on the torrents row (migrations/0003).
// Layer: pure logic. The SQL that writes them is the view torrent_facets (migrations/0003); these builders
// must agree with it (test/workers/directory-queries.test.ts checks both against each other).
//
// Every facet token starts with a private-use character (U+E001). The tokenizer keeps those as token
// characters, but the query language never emits them, so no search box text can reach a facet.

const TAG = "\uE001";
/** Tag punctuation would split a token; it is mapped to private-use characters as well. */
const TAG_PUNCTUATION: Record<string, string> = { ".": "\uE010", "-": "\uE011", _: "\uE012" };

export const facetTokens = {
  tag: (tag: string) => TAG + tag.replace(/[._-]/g, (c) => TAG_PUNCTUATION[c]!),
};

/** An FTS5 string for a facet token (facet tokens never hold a double quote). */
export function facetPhrase(token: string): string {
  return `"${token}"`;
}
