// Facet tokens: live state and tags written into the full-text index's `facets` column, so a text search
// can filter on them (and walk seeders order bucket by bucket) inside FTS5 instead of row by row.
// Layer: pure logic. The SQL that writes them is the view torrent_facets (migrations/0002); these
// builders must agree with it (test/workers/directory-queries.test.ts checks both against each other).
//
// Every facet token starts with a private-use character (U+E000/U+E001). The tokenizer keeps those as
// token characters, but the query language never emits them, so no search box text can reach a facet.

const FACET = "\uE000";
const TAG = "\uE001";
/** Tag punctuation would split a token; it is mapped to private-use characters as well. */
const TAG_PUNCTUATION: Record<string, string> = { ".": "\uE010", "-": "\uE011", _: "\uE012" };

/** Seeder buckets are powers of 4: 1-3 → 1, 4-15 → 2, 16-63 → 3, … 1048576+ → 11. 0 seeders has none. */
export const SEEDER_BUCKET_BASE = 4;
export const MAX_SEEDER_BUCKET = 11;

export function seederBucket(seeders: number): number {
  let bucket = 0;
  for (let threshold = 1; bucket < MAX_SEEDER_BUCKET && seeders >= threshold; threshold *= SEEDER_BUCKET_BASE) bucket++;
  return bucket;
}

/** The lowest seeder count of a bucket (bucket 0 is "no seeders"). */
export function bucketFloor(bucket: number): number {
  return bucket === 0 ? 0 : SEEDER_BUCKET_BASE ** (bucket - 1);
}

export const facetTokens = {
  /** Has live peers (seeders + leechers > 0). */
  alive: `${FACET}l`,
  /** Seeders in bucket 1…MAX_SEEDER_BUCKET. */
  seeded: (bucket: number) => `${FACET}s${bucket}`,
  /** No seeders (bucket 0). */
  unseeded: `${FACET}n`,
  tag: (tag: string) => TAG + tag.replace(/[._-]/g, (c) => TAG_PUNCTUATION[c]!),
};

/** An FTS5 string for a facet token (facet tokens never hold a double quote). */
export function facetPhrase(token: string): string {
  return `"${token}"`;
}
