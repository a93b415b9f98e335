// What the real central directory (worker + D1) costs, from measurements already made, so the search lab can
// put it beside the simulated architectures without running a benchmark. Layer: client/lab/discovery, pure.
import { magnetLink, type SearchHit, type SearchResponse } from "../../../protocol/directory";

/**
 * `npm run bench:search` at 1,000,000 entries: GET /api/search in workerd (Miniflare) on a local D1, 2 cores,
 * load average 3.0. Source: README.md "Directory search" table (commit 8097981, 2026-11-22), made by
 * test/bench/search-bench.ts at commit 5f2ce0d. `ms` is the whole request inside workerd, `dbMs` D1's own
 * time; neither includes the network between a peer and the edge.
 */
export const MEASURED_SEARCH = {
  source: "README.md \"Directory search\" (npm run bench:search, test/bench/search-bench.ts, commit 5f2ce0d, 2026-11-22)",
  entries: 1_000_000,
  queries: [
    { query: "common word `love`", p50Ms: 18.4, p99Ms: 67.7, dbP50Ms: 12, dbP99Ms: 15 },
    { query: "two common words `night 1080p`", p50Ms: 53.6, p99Ms: 79.8, dbP50Ms: 44, dbP99Ms: 67 },
    { query: "rare word", p50Ms: 4.7, p99Ms: 12.4, dbP50Ms: 1, dbP99Ms: 4 },
    { query: "phrase `\"black river\"`", p50Ms: 24.5, p99Ms: 42.5, dbP50Ms: 18, dbP99Ms: 36 },
    { query: "prefix `cast*`", p50Ms: 17.7, p99Ms: 81.5, dbP50Ms: 13, dbP99Ms: 63 },
    { query: "file-name words `ubuntu 24.04 desktop`", p50Ms: 24.6, p99Ms: 54.9, dbP50Ms: 17, dbP99Ms: 48 },
    { query: "common word, sort by seeders", p50Ms: 13.6, p99Ms: 43.1, dbP50Ms: 8, dbP99Ms: 17 },
    { query: "browse live by seeders", p50Ms: 3.8, p99Ms: 20.0, dbP50Ms: 0, dbP99Ms: 1 },
    { query: "10th page, sort=added", p50Ms: 4.2, p99Ms: 8.9, dbP50Ms: 1, dbP99Ms: 1 },
    { query: "10th page, relevance", p50Ms: 20.0, p99Ms: 27.4, dbP50Ms: 13, dbP99Ms: 16 },
  ],
  /** Same run: POST /api/torrents, share lists of 1,000 entries vs one entry per publish. */
  publishEntriesPerSecond: 3747,
  singlePublishesPerSecond: 129,
} as const;

/**
 * Bytes the directory keeps per published entry, measured once (2026-12-06) rather than estimated from the
 * schema: migrations 0001 + 0002 applied to SQLite 3.40 (Python's sqlite3; D1 is SQLite), 100,000 entries
 * from search-bench.ts's generator (5.2 files and 1.8 tags per entry) inserted with the columns and FTS5 row
 * publishTorrents writes, sizes from `dbstat`, 4 KiB pages. "asWritten" is the file straight after the
 * inserts; "compacted" after FTS5 'optimize' and VACUUM. D1's own page fill and FTS5 merge state will differ
 * somewhat: read these as approximate (our guess: within ±20 %). A .torrent published as a file adds its bytes (torrent_files, mostly
 * 20 B per piece); JSON share lists, as the bench publishes, store none. Live swarms add a swarm_stats row.
 */
export const MEASURED_ENTRY_BYTES = {
  asWritten: 1389,
  compacted: 1321,
  /** compacted, by table/index: where the bytes go */
  breakdown: { fullTextIndex: 660, files: 261, torrents: 206, torrentIndexes: 145, tags: 50 },
  rowsPerEntry: 8.0, // torrents 1 + files 5.2 + torrent_tags 1.8, plus one FTS5 row (and its index terms)
  method: "SQLite 3.40 + migrations 0001/0002, 100,000 search-bench entries, dbstat, 2026-12-06",
} as const;

/** Cloudflare D1 limit on the paid plan: 10 GB per database (developers.cloudflare.com/d1/platform/limits). */
export const D1_DATABASE_LIMIT_BYTES = 10e9;

// Names in the shapes search-bench.ts generates (film, series pack, album, distribution image, book), with
// words from its common-word list, so that no two hits repeat a name (which would flatter compression).
const WORDS = "silent river golden empire broken winter last station moon ghost shadow hidden island crystal storm dragon journey eternal ancient city".split(" ");
const KINDS = [
  { size: 4_617_839_205, files: 4, tags: ["video", "movie"], name: (w: string[], n: number) => `${w[0]}.${w[1]}.${1990 + n}.1080p.WEB-DL.x265-FLUX` },
  { size: 11_205_632_001, files: 10, tags: ["video", "tv"], name: (w: string[], n: number) => `${w[0]}.${w[1]}.S0${1 + (n % 9)}.720p.WEBRip.x264-TGx` },
  { size: 412_776_310, files: 13, tags: ["audio", "music"], name: (w: string[], n: number) => `${w[0]} ${w[1]} - ${w[2]} ${w[3]} Songs (${1990 + n}) [FLAC]` },
  { size: 6_114_656_256, files: 3, tags: ["software", "linux"], name: (_: string[], n: number) => `ubuntu-${16 + (n % 9)}.04.${n % 5}-desktop-amd64.iso` },
  { size: 2_204_113, files: 1, tags: ["book"], name: (w: string[], n: number) => `${w[0]} ${w[1]} - The ${w[2]} of the ${w[3]} (${1990 + n}) [EPUB]` },
] as const;

const capitalised = (word: string) => word[0]!.toUpperCase() + word.slice(1);

/**
 * A typical `/api/search` reply: `limit` hits (20 by default) in protocol/directory.ts's SearchResponse shape,
 * magnets pointing at a workers.dev host, relevance scores and a next-page cursor as worker/directory/cursor.ts
 * encodes it. `random` picks the info hashes and the names' words.
 */
export function representativeSearchReply(limit: number, random: () => number): SearchResponse {
  const host = "edgeswarm.example-account.workers.dev";
  const hits: SearchHit[] = Array.from({ length: limit }, (_, i) => {
    const kind = KINDS[i % KINDS.length]!;
    const infoHash = Array.from({ length: 40 }, () => "0123456789abcdef"[Math.floor(random() * 16)]).join("");
    const words = Array.from({ length: 4 }, () => capitalised(WORDS[Math.floor(random() * WORDS.length)]!));
    const name = kind.name(words, i);
    return {
      info_hash: infoHash,
      name,
      size: kind.size,
      file_count: kind.files,
      seeders: 40 - 2 * i,
      leechers: 3 + (i % 7),
      completed: 500 - 20 * i,
      added: new Date(Date.UTC(2026, 10, 1 + i, 10, 0, 0)).toISOString(),
      tags: [...kind.tags],
      magnet: magnetLink(infoHash, name, `wss://${host}/announce/${infoHash}`, kind.size),
      score: Number((14.2137 - i * 0.31).toFixed(4)),
    };
  });
  const cursorJson = JSON.stringify({ k: hits[hits.length - 1]?.score ?? null, i: 734_211, m: 1_000_000, f: "1f4a9c0e" });
  const nextCursor = btoa(cursorJson).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  return { hits, next_cursor: nextCursor };
}

/** Bytes of a reply body as the worker sends it (compact JSON, UTF-8). */
export function replyBytes(reply: SearchResponse): number {
  return new TextEncoder().encode(JSON.stringify(reply)).length;
}

/** The request line's target for a three-word search, the part of the request that carries the query. */
export const REPRESENTATIVE_REQUEST_TARGET = "/api/search?q=ubuntu+24.04+desktop";

export type MeasuredDirectorySummary = {
  source: string;
  entries: number;
  rttMs: number;
  /** Median over the bench's query types of their p50, and the worst p99 among them (server side). */
  medianP50Ms: number;
  worstP99Ms: number;
  worstP99Query: string;
  /** What a peer waits: one RTT to the edge plus the server time. */
  latencyP50Ms: number;
  latencyP99Ms: number;
  replyHits: number;
  replyBytes: number;
  replyGzipBytes: number;
  requestTargetBytes: number;
  entryBytes: typeof MEASURED_ENTRY_BYTES;
  d1LimitBytes: number;
  /** Entries one 10 GB D1 database holds at the as-written size. */
  entriesAtLimit: number;
  publishEntriesPerSecond: number;
  singlePublishesPerSecond: number;
  queries: (typeof MEASURED_SEARCH.queries)[number][];
};

/** The measured figures, with the RTT of the simulation added so they sit on the same axis. */
export function measuredDirectorySummary(rttMs: number, reply: { hits: number; bytes: number; gzipBytes: number }): MeasuredDirectorySummary {
  const p50s = MEASURED_SEARCH.queries.map((q) => q.p50Ms).sort((a, b) => a - b);
  const medianP50Ms = (p50s[(p50s.length - 1) >> 1]! + p50s[p50s.length >> 1]!) / 2;
  const worst = [...MEASURED_SEARCH.queries].sort((a, b) => b.p99Ms - a.p99Ms)[0]!;
  return {
    source: MEASURED_SEARCH.source,
    entries: MEASURED_SEARCH.entries,
    rttMs,
    medianP50Ms,
    worstP99Ms: worst.p99Ms,
    worstP99Query: worst.query,
    latencyP50Ms: rttMs + medianP50Ms,
    latencyP99Ms: rttMs + worst.p99Ms,
    replyHits: reply.hits,
    replyBytes: reply.bytes,
    replyGzipBytes: reply.gzipBytes,
    requestTargetBytes: REPRESENTATIVE_REQUEST_TARGET.length,
    entryBytes: MEASURED_ENTRY_BYTES,
    d1LimitBytes: D1_DATABASE_LIMIT_BYTES,
    entriesAtLimit: Math.floor(D1_DATABASE_LIMIT_BYTES / MEASURED_ENTRY_BYTES.asWritten),
    publishEntriesPerSecond: MEASURED_SEARCH.publishEntriesPerSecond,
    singlePublishesPerSecond: MEASURED_SEARCH.singlePublishesPerSecond,
    queries: [...MEASURED_SEARCH.queries],
  };
}
