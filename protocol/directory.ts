// The directory API's wire shapes (issue 3): publish bodies, search parameters, hits, details, stats.
// Layer: protocol (imports only zod). Wire fields are snake_case; parsed values feed the domain as-is.
import { z } from "zod";
import { parseMagnet } from "./magnet";
import { HexId } from "./ids";
import { describeNameProblem, describePathProblem, nameProblem, pathProblem, splitPath } from "./name-rules";

/** Documented limits (docs/directory.md "Limits"). A publish over any of them is refused whole. */
export const DIRECTORY_LIMITS = {
  /** Largest request body of a publish, any content type. */
  maxPublishBytes: 8 * 1024 * 1024,
  /** Largest single .torrent file (D1 keeps a row under 2 MB). */
  maxTorrentFileBytes: 1024 * 1024,
  /** Entries in one publish (a share list); .torrent files in one multipart publish. */
  maxEntriesPerPublish: 1000,
  maxTorrentFilesPerPublish: 100,
  /** Files listed for one torrent, and in one publish altogether. */
  maxFilesPerTorrent: 10_000,
  maxFilesPerPublish: 50_000,
  maxNameChars: 512,
  maxPathChars: 1024,
  /**
   * All file paths of one torrent together, as the full-text index stores them (UTF-8, one per line, JSON-escaped
   * where the batch carries them): D1 refuses a row or bound value over 2,000,000 bytes.
   */
  maxPathBytesPerTorrent: 1024 * 1024,
  maxTagsPerTorrent: 16,
  maxTagChars: 32,
  maxDescriptionChars: 2000,
  /** Search: query length, words in a query, tag filters, hits per page. */
  maxQueryChars: 256,
  maxQueryTerms: 8,
  maxTagFilters: 5,
  maxLimit: 100,
  defaultLimit: 20,
  maxCursorChars: 512,
} as const;

// Control characters never reach the index or a page; they become spaces.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;
export function cleanText(value: string): string {
  return value.replace(CONTROL, " ").trim();
}

const Count = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

/** A tag: lowercase letters, digits, `.`, `_`, `-`; starts with a letter or digit. */
export const Tag = z
  .string()
  .transform((s) => s.trim().toLowerCase())
  .pipe(
    z
      .string()
      .min(1, "tag must not be empty")
      .max(DIRECTORY_LIMITS.maxTagChars, `tag longer than ${DIRECTORY_LIMITS.maxTagChars} characters`)
      .regex(/^[\p{L}\p{N}][\p{L}\p{N}._-]*$/u, "tag may hold only letters, digits, '.', '_' and '-'"),
  );
export const Tags = z
  .array(Tag)
  .max(DIRECTORY_LIMITS.maxTagsPerTorrent, `at most ${DIRECTORY_LIMITS.maxTagsPerTorrent} tags`)
  .transform((tags) => [...new Set(tags)]);

// Names and paths follow protocol/name-rules.ts as they were sent (before trimming): the directory lists what
// clients will write to disk, so it refuses what no client may write. Dotfiles are listed (clients ask first).
const Name = z
  .string()
  .superRefine((name, ctx) => {
    const problem = nameProblem(name, { allowDotfiles: true });
    if (problem) ctx.addIssue({ code: "custom", message: `name ${describeNameProblem(problem)}` });
  })
  .transform(cleanText)
  .pipe(z.string().min(1, "name must not be empty").max(DIRECTORY_LIMITS.maxNameChars, `name longer than ${DIRECTORY_LIMITS.maxNameChars} characters`));

const Description = z
  .string()
  .transform(cleanText)
  .pipe(z.string().max(DIRECTORY_LIMITS.maxDescriptionChars, `description longer than ${DIRECTORY_LIMITS.maxDescriptionChars} characters`));

export const PublishFile = z.object({
  path: z
    .string()
    .superRefine((path, ctx) => {
      const elements = splitPath(path);
      const found = pathProblem(elements, { allowDotfiles: true });
      if (found) ctx.addIssue({ code: "custom", message: `file path ${describePathProblem(found, elements)}` });
    })
    .transform(cleanText)
    .pipe(z.string().min(1, "file path must not be empty").max(DIRECTORY_LIMITS.maxPathChars, `file path longer than ${DIRECTORY_LIMITS.maxPathChars} characters`)),
  length: Count,
});
export type PublishFile = z.infer<typeof PublishFile>;

/** One share-list entry published as JSON metadata (unverified: the publisher vouches for it). */
export const PublishEntryWire = z.object({
  info_hash: HexId.optional(),
  magnet: z.string().max(4096, "magnet link too long").optional(),
  name: Name.optional(),
  size: Count.optional(),
  piece_length: z.number().int().positive().max(2 ** 31).optional(),
  files: z
    .array(PublishFile)
    .min(1, "files must not be empty")
    .max(DIRECTORY_LIMITS.maxFilesPerTorrent, `at most ${DIRECTORY_LIMITS.maxFilesPerTorrent} files per torrent`)
    .optional(),
  tags: Tags.optional(),
  description: Description.optional(),
});
export type PublishEntryWire = z.infer<typeof PublishEntryWire>;

/** The JSON publish body: one entry or a share list. */
export const PublishBody = z.union([
  PublishEntryWire,
  z
    .array(PublishEntryWire)
    .min(1, "share list must not be empty")
    .max(DIRECTORY_LIMITS.maxEntriesPerPublish, `at most ${DIRECTORY_LIMITS.maxEntriesPerPublish} entries per publish`),
]);

/** What a publish stores, whichever way it arrived. */
export type PublishEntry = {
  infoHash: string;
  name: string;
  size: number;
  pieceLength: number | null;
  files: PublishFile[];
  tags: string[];
  description: string | null;
  /** The verified .torrent bytes, when published as one. */
  torrentFile: Uint8Array | null;
};

/** Turns one wire entry into the stored shape, or says what is wrong with it. */
export function entryFromWire(wire: PublishEntryWire): { entry: PublishEntry } | { error: string } {
  let infoHash = wire.info_hash;
  let name = wire.name;
  if (wire.magnet !== undefined) {
    const magnet = parseMagnet(wire.magnet);
    if (!magnet) return { error: "magnet must be a magnet:?xt=urn:btih:<info hash> link" };
    if (infoHash && infoHash !== magnet.infoHash) return { error: "info_hash and magnet name different torrents" };
    infoHash = magnet.infoHash;
    if (name === undefined && magnet.name !== null) {
      const parsed = Name.safeParse(magnet.name);
      if (!parsed.success) return { error: `magnet dn: ${parsed.error.issues[0]?.message ?? "not a usable name"}` };
      name = parsed.data;
    }
  }
  if (!infoHash) return { error: "info_hash or magnet is required" };
  let files = wire.files;
  if (name === undefined) return { error: "name is required (or a magnet with dn=)" };
  if (!files) {
    if (wire.size === undefined) return { error: "files or size is required" };
    files = [{ path: name, length: wire.size }];
  }
  const size = files.reduce((sum, file) => sum + file.length, 0);
  if (!Number.isSafeInteger(size)) return { error: "total size too large" };
  if (wire.size !== undefined && wire.size !== size) return { error: "size does not equal the sum of the file lengths" };
  return {
    entry: {
      infoHash,
      name,
      size,
      pieceLength: wire.piece_length ?? null,
      files,
      tags: wire.tags ?? [],
      description: wire.description || null,
      torrentFile: null,
    },
  };
}

/** PATCH /api/torrents/:hash — what the publisher may change. */
export const PatchBody = z
  .object({ tags: Tags.optional(), description: Description.nullable().optional() })
  .refine((body) => body.tags !== undefined || body.description !== undefined, "nothing to change: send tags or description");
export type PatchBody = z.infer<typeof PatchBody>;

export const SEARCH_SORTS = ["relevance", "seeders", "size", "added", "name"] as const;
export type SearchSort = (typeof SEARCH_SORTS)[number];

const NonNegativeIntParam = z
  .string()
  .regex(/^\d{1,16}$/, "must be a whole number of bytes")
  .transform(Number)
  .pipe(z.number().max(Number.MAX_SAFE_INTEGER, "too large"));

/** GET /api/search query parameters (each given at most once, except tag). */
export const SearchParams = z.object({
  q: z
    .string()
    .max(DIRECTORY_LIMITS.maxQueryChars, `query too long: at most ${DIRECTORY_LIMITS.maxQueryChars} characters`)
    .default(""),
  sort: z.enum(SEARCH_SORTS, { error: `sort must be one of ${SEARCH_SORTS.join(", ")}` }).default("relevance"),
  order: z.enum(["asc", "desc"], { error: "order must be asc or desc" }).optional(),
  min_size: NonNegativeIntParam.optional(),
  max_size: NonNegativeIntParam.optional(),
  tag: z
    .array(Tag)
    .max(DIRECTORY_LIMITS.maxTagFilters, `at most ${DIRECTORY_LIMITS.maxTagFilters} tag filters`)
    .default([]),
  alive: z
    .enum(["1", "0", "true", "false"], { error: "alive must be 1 or 0" })
    .transform((v) => v === "1" || v === "true")
    .default(false),
  limit: z
    .string()
    .regex(/^\d{1,4}$/, "limit must be a whole number")
    .transform(Number)
    .pipe(z.number().min(1, "limit must be at least 1").max(DIRECTORY_LIMITS.maxLimit, `limit must be at most ${DIRECTORY_LIMITS.maxLimit}`))
    .default(DIRECTORY_LIMITS.defaultLimit),
  cursor: z.string().max(DIRECTORY_LIMITS.maxCursorChars, "cursor too long").optional(),
});
export type SearchParams = z.infer<typeof SearchParams>;

/** One search hit. `score` is the relevance score under sort=relevance, null under the other sorts (docs/directory.md "Ranking"). */
export const SearchHit = z.object({
  info_hash: z.string(),
  name: z.string(),
  size: z.number(),
  file_count: z.number(),
  seeders: z.number(),
  leechers: z.number(),
  completed: z.number(),
  added: z.string(),
  tags: z.array(z.string()),
  magnet: z.string(),
  score: z.number().nullable(),
});
export type SearchHit = z.infer<typeof SearchHit>;

/**
 * Set when the query's words are so common that searching every entry would cost more than a search may
 * (issue 10): the hits are the best among the newest `newest_entries` entries, and relevance scored only the
 * rarer words. A rarer word in the query searches everything. Absent from servers before it existed.
 */
export const SearchNarrowed = z.object({
  newest_entries: z.number().int().nonnegative(),
  of_entries: z.number().int().nonnegative(),
  /** sort=relevance: the words it scored (every included word unless the rarer alone were scored); else empty. */
  ranked_by: z.array(z.string()),
});
export type SearchNarrowed = z.infer<typeof SearchNarrowed>;

export const SearchResponse = z.object({ hits: z.array(SearchHit), next_cursor: z.string().nullable(), narrowed: SearchNarrowed.nullable().optional() });
export type SearchResponse = z.infer<typeof SearchResponse>;

export const TorrentSummary = SearchHit.omit({ score: true }).extend({
  piece_length: z.number().nullable(),
  description: z.string().nullable(),
  /** Where the .torrent can be fetched, when it was published as one. */
  torrent_url: z.string().nullable(),
});
export type TorrentSummary = z.infer<typeof TorrentSummary>;

/** A file as replies list it (what was published; the publish rules are not re-applied to replies). */
export const ListedFile = z.object({ path: z.string(), length: z.number() });

export const TorrentDetails = TorrentSummary.extend({
  files: z.array(ListedFile),
  /** The edge's copy of the bytes (BEP 19 web seed URL), when the publisher uploaded them; the magnet then has ws=. */
  web_seed: z.string().nullable().optional(),
});
export type TorrentDetails = z.infer<typeof TorrentDetails>;

export const PublishResponse = z.object({
  /** Bearer token for DELETE/PATCH of the entries this publish created; null when it created none. */
  token: z.string().nullable(),
  entries: z.array(TorrentSummary.extend({ created: z.boolean() })),
});
export type PublishResponse = z.infer<typeof PublishResponse>;

/** The state of a web seed upload (POST /api/torrents/:hash/web-seed and …/complete). */
export const WebSeedStatus = z.object({
  status: z.enum(["uploading", "complete"]),
  /** Bytes per part (every part but the last), a whole number of pieces. */
  part_size: z.number(),
  parts: z.number(),
  /** Part numbers (1-based) stored and verified already. */
  uploaded: z.array(z.number()),
  /** The web seed URL once complete. */
  web_seed: z.string().nullable(),
});
export type WebSeedStatus = z.infer<typeof WebSeedStatus>;

export const StatsResponse = z.object({
  torrents: z.number(),
  live_swarms: z.number(),
  peers: z.number(),
  seeders: z.number(),
  leechers: z.number(),
});
export type StatsResponse = z.infer<typeof StatsResponse>;

export const ErrorBody = z.object({ error: z.object({ code: z.string(), message: z.string() }) });
export type ErrorBody = z.infer<typeof ErrorBody>;

// --- Magnet links (BEP 9) ---

// The parser lives in ./magnet (no zod there, so browser bundles stay small).
export { parseMagnet };

/** A magnet link whose tracker is this deployment's swarm socket for the torrent. */
export function magnetLink(infoHash: string, name: string, trackerUrl: string, size?: number): string {
  const parts = [`xt=urn:btih:${infoHash}`, `dn=${encodeURIComponent(name)}`];
  if (size !== undefined) parts.push(`xl=${size}`);
  parts.push(`tr=${encodeURIComponent(trackerUrl)}`);
  return `magnet:?${parts.join("&")}`;
}
