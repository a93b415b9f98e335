// Directory endpoints: publish, search, details, .torrent download, delete, patch, stats.
// Layer: adapter (routes only resolve and forward): parses requests once (protocol/directory.ts), applies the
// directory's rules (worker/directory/rules) and calls its queries (worker/directory/queries), which return
// the API's objects.
import { Hono, type Context } from "hono";
import type { z } from "zod";
import {
  DIRECTORY_LIMITS,
  PatchBody,
  PublishBody,
  SearchParams,
  Tags,
  cleanText,
  entryFromWire,
  type PublishEntry,
  type PublishResponse,
  type SearchResponse,
  type StatsResponse,
  type TorrentDetails,
} from "../../protocol/directory";
import { HexId } from "../../protocol/ids";
import { describeIssue } from "../../protocol/issues";
import { linksFor } from "../directory/queries/rows";
import { SearchRefusedError, estimateSearchCost, searchTorrents, type SearchPage } from "../directory/queries/search";
import {
  deleteTorrent,
  directoryStats,
  ftsPaths,
  getTorrentFileBytes,
  patchTorrent,
  publishTorrents,
  publisherTokenHash,
  torrentDetails,
  torrentSummary,
} from "../directory/queries/torrents";
import { decodeCursor, encodeCursor, fingerprint } from "../directory/rules/cursor";
import { facetPhrase, facetTokens } from "../directory/rules/facets";
import { excludesEverything, parseSearchQuery } from "../directory/rules/query-language";
import { ProbeCache } from "../directory/rules/probe-cache";
import { boundedBy, costProbes, narrowedBy, planSearch, rankMatchFor, readsForwards, type PagePlan } from "../directory/rules/search-cost";
import { bearerToken, keysMatch, newSecretToken, sha256Hex } from "../../protocol/secrets";
import { TorrentFileError, parseTorrentFile } from "../directory/rules/torrent-file";
import { webSeedUrl, withUrlList } from "../directory/rules/web-seed";
import type { Env } from "../env";
import { manifest } from "../web-seed/store";
import { httpError } from "../errors";
import { guardWrites } from "../guards";

type AppContext = Context<{ Bindings: Env }>;

export const directoryRoutes = new Hono<{ Bindings: Env }>();
// Every publish, patch and delete: same-site or non-browser clients only, rate-limited per address.
directoryRoutes.use("*", guardWrites);

const DEFAULT_ORDER = { relevance: "desc", seeders: "desc", size: "desc", added: "desc", name: "asc" } as const;
const MAX_PATCH_BYTES = 64 * 1024;

// --- request helpers ---

function parseOr400<T extends z.ZodType>(schema: T, value: unknown, code = "bad_request"): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw httpError(400, code, describeIssue(parsed.error, "invalid request"));
  return parsed.data;
}

function infoHashParam(c: AppContext): string {
  const parsed = HexId.safeParse(c.req.param("hash"));
  if (!parsed.success) throw httpError(400, "bad_info_hash", "info hash must be 40 hexadecimal characters");
  return parsed.data;
}

/** Reads the body, refusing it (413) as soon as it passes `max` bytes, whatever Content-Length claimed. */
async function readBody(request: Request, max: number): Promise<Uint8Array> {
  const tooLarge = () => httpError(413, "payload_too_large", `request body larger than ${max} bytes`);
  const declared = Number(request.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > max) throw tooLarge();
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > max) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
  }
  const body = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

function parseJson(bytes: Uint8Array): unknown {
  try {
    return JSON.parse(new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(bytes));
  } catch {
    throw httpError(400, "bad_json", "body is not valid UTF-8 JSON");
  }
}

/** Tags given as a form field or query parameter: comma- or space-separated, possibly repeated. */
function tagsFromText(values: string[]): string[] {
  return parseOr400(Tags, values.flatMap((v) => v.split(/[\s,]+/)).filter((v) => v !== ""));
}

function descriptionFromText(value: string | undefined): string | null {
  if (value === undefined) return null;
  const description = cleanText(value);
  if (description.length > DIRECTORY_LIMITS.maxDescriptionChars) {
    throw httpError(400, "bad_request", `description longer than ${DIRECTORY_LIMITS.maxDescriptionChars} characters`);
  }
  return description || null;
}

async function entryFromTorrentFile(bytes: Uint8Array, tags: string[], description: string | null, label: string): Promise<PublishEntry> {
  try {
    const info = await parseTorrentFile(bytes);
    return { ...info, tags, description, torrentFile: bytes };
  } catch (error) {
    if (error instanceof TorrentFileError) throw httpError(400, "bad_torrent", `${label}: ${error.message}`);
    throw error;
  }
}

/** The publish body, whichever of the three forms it came in, as entries to store. */
async function publishEntries(c: AppContext): Promise<PublishEntry[]> {
  const contentType = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  const bytes = await readBody(c.req.raw, DIRECTORY_LIMITS.maxPublishBytes);
  if (contentType === "application/json") {
    const body = parseOr400(PublishBody, parseJson(bytes));
    const wires = Array.isArray(body) ? body : [body];
    return wires.map((wire, i) => {
      const result = entryFromWire(wire);
      if ("error" in result) throw httpError(400, "bad_request", Array.isArray(body) ? `[${i}]: ${result.error}` : result.error);
      return result.entry;
    });
  }
  if (contentType === "application/x-bittorrent") {
    const url = new URL(c.req.url);
    const tags = tagsFromText(url.searchParams.getAll("tags"));
    const description = descriptionFromText(url.searchParams.get("description") ?? undefined);
    return [await entryFromTorrentFile(bytes, tags, description, ".torrent")];
  }
  if (contentType === "multipart/form-data") {
    let form: FormData;
    try {
      form = await new Request("http://directory.invalid/", {
        method: "POST",
        headers: { "content-type": c.req.header("content-type")! },
        body: bytes,
      }).formData();
    } catch {
      throw httpError(400, "bad_multipart", "body is not valid multipart/form-data");
    }
    const tags = tagsFromText(form.getAll("tags").filter((v): v is string => typeof v === "string"));
    const rawDescription = form.get("description");
    const description = descriptionFromText(typeof rawDescription === "string" ? rawDescription : undefined);
    const files = [...form.values()].filter((v): v is File => typeof v !== "string");
    if (files.length === 0) throw httpError(400, "bad_request", "multipart publish holds no .torrent file");
    if (files.length > DIRECTORY_LIMITS.maxTorrentFilesPerPublish) {
      throw httpError(413, "too_many_entries", `at most ${DIRECTORY_LIMITS.maxTorrentFilesPerPublish} .torrent files per publish`);
    }
    const entries: PublishEntry[] = [];
    for (const file of files) {
      entries.push(await entryFromTorrentFile(new Uint8Array(await file.arrayBuffer()), tags, description, file.name || ".torrent"));
    }
    return entries;
  }
  throw httpError(415, "unsupported_media_type", "publish as application/json, application/x-bittorrent or multipart/form-data");
}

const utf8 = new TextEncoder();

/**
 * D1 refuses a row or bound value over 2,000,000 bytes, and one torrent's paths are one row of the full-text
 * index (and travel JSON-escaped in the batch): over the limit is a 413 with the reason, never a 500.
 */
function checkPathBytes(entries: PublishEntry[]): void {
  const max = DIRECTORY_LIMITS.maxPathBytesPerTorrent;
  for (const entry of entries) {
    const bytes = utf8.encode(JSON.stringify(ftsPaths(entry.files))).length;
    if (bytes > max) {
      throw httpError(413, "paths_too_large", `${entry.infoHash}: its file paths take ${bytes} bytes; at most ${max} per torrent`);
    }
  }
}

async function requirePublishKey(c: AppContext): Promise<void> {
  const expected = c.env.PUBLISH_KEY;
  if (!expected) return;
  const presented = c.req.header("x-publish-key");
  if (!presented) throw httpError(401, "publish_key_required", "this directory requires a publish key (X-Publish-Key header)");
  if (!(await keysMatch(presented, expected))) throw httpError(403, "bad_publish_key", "wrong publish key");
}

async function requireToken(c: AppContext): Promise<string> {
  const token = bearerToken(c.req.header("authorization"));
  if (!token) throw httpError(401, "token_required", "send the publisher token as Authorization: Bearer <token>");
  return sha256Hex(token);
}

/** Delete and patch are the publisher's alone: 404 when nothing is listed, 403 for another token. */
async function requireOwner(c: AppContext, infoHash: string, tokenHash: string): Promise<void> {
  const owner = await publisherTokenHash(c.env.DB, infoHash);
  if (owner === null) throw httpError(404, "not_found", "no torrent with this info hash in the directory");
  if (owner !== tokenHash) throw httpError(403, "forbidden", "this token did not publish this torrent");
}

// --- routes ---

const NOT_LISTED = "no torrent with this info hash in the directory";

/** Words' cost probes of the last minute, per isolate (each isolate keeps its own; a miss only costs a probe). */
const recentProbes = new ProbeCache();

directoryRoutes.post("/torrents", async (c) => {
  await requirePublishKey(c);
  const entries = await publishEntries(c);
  // The first of repeated info hashes wins; the rest are the same entry as far as the directory goes.
  const seen = new Set<string>();
  const unique = entries.filter((e) => !seen.has(e.infoHash) && seen.add(e.infoHash));
  const fileCount = unique.reduce((sum, e) => sum + e.files.length, 0);
  if (fileCount > DIRECTORY_LIMITS.maxFilesPerPublish) {
    throw httpError(413, "too_many_files", `at most ${DIRECTORY_LIMITS.maxFilesPerPublish} files per publish`);
  }
  checkPathBytes(unique);
  const token = newSecretToken();
  const published = await publishTorrents(c.env.DB, unique, await sha256Hex(token), Date.now(), linksFor(c.req.url));
  const created = published.entries.some((entry) => entry.created);
  const body: PublishResponse = { token: created ? token : null, entries: published.entries };
  return c.json(body, created ? 201 : 200, { "server-timing": `db;dur=${published.dbMs}` });
});

directoryRoutes.get("/search", async (c) => {
  const url = new URL(c.req.url);
  const raw: Record<string, string | string[]> = {};
  for (const name of new Set(url.searchParams.keys())) {
    const values = url.searchParams.getAll(name);
    if (name === "tag") raw.tag = values;
    else if (values.length > 1) throw httpError(400, "bad_request", `${name} given more than once`);
    else raw[name] = values[0]!;
  }
  const params = parseOr400(SearchParams, raw);
  const query = parseSearchQuery(params.q);
  if (!query.ok) throw httpError(400, "bad_query", query.error);
  if (excludesEverything(query.query)) {
    // Nothing can match (`love -lo*`): answered here, as FTS5 would read every candidate to exclude each one.
    const empty: SearchResponse = { hits: [], next_cursor: null, narrowed: null };
    return c.json(empty, 200, { "server-timing": "db;dur=0" });
  }
  const order = params.order ?? DEFAULT_ORDER[params.sort];
  const tags = [...new Set(params.tag)].sort();
  const print = fingerprint([query.match, params.sort, order, params.min_size, params.max_size, tags, params.alive]);
  let after: { key: number | string | null; id: number } | null = null;
  let maxId: number | null = null;
  let plan: PagePlan | null = null;
  const probes = costProbes(query.query, tags.map((tag) => facetPhrase(facetTokens.tag(tag))));
  if (params.cursor !== undefined) {
    const decoded = decodeCursor(params.cursor, print);
    if ("error" in decoded) throw httpError(400, "bad_cursor", decoded.error);
    after = { key: decoded.cursor.key, id: decoded.cursor.id };
    maxId = decoded.cursor.maxId;
    plan = decoded.cursor.plan ?? null;
    if (plan && rankMatchFor(probes, plan.rankTokens) === null) throw httpError(400, "bad_cursor", "cursor is not valid: pass next_cursor back unchanged");
  }
  let page: SearchPage;
  let estimateMs = 0;
  try {
    if (query.match !== null) {
      // Priced before it runs (rules/search-cost.ts): probes of the newest entries, then a plan within budget.
      // Later pages are priced too (their words' probes are kept): a cursor is the client's to alter, so its
      // plan is kept only as far as it costs no more than this one.
      const estimate = await estimateSearchCost(c.env.DB, probes, { match: query.match, tags, minSize: params.min_size, maxSize: params.max_size, alive: params.alive }, maxId, { cache: recentProbes });
      estimateMs = estimate.dbMs;
      maxId = estimate.maxId;
      const sort = params.sort === "relevance" || params.sort === "added" ? params.sort : "field";
      const filters = { rows: params.alive || params.min_size !== undefined || params.max_size !== undefined, tags: tags.length };
      const fresh = planSearch({ ...estimate, probes, sort, limit: params.limit, filters });
      plan = plan ? boundedBy(plan, fresh) : fresh;
    }
    const rankMatch = (plan && rankMatchFor(probes, plan.rankTokens)) ?? query.rankMatch;
    const spec = { match: query.match, rankMatch, fromId: plan?.fromId ?? null, sortAll: plan?.sortAll ?? false, readForwards: readsForwards(query.query), sort: params.sort, order, minSize: params.min_size, maxSize: params.max_size, tags, alive: params.alive, limit: params.limit, after, maxId };
    page = await searchTorrents(c.env.DB, spec, linksFor(c.req.url));
  } catch (error) {
    if (!(error instanceof SearchRefusedError)) throw error;
    console.warn("directory: search refused by FTS5", { q: params.q, error: String(error.cause) });
    throw httpError(400, "bad_query", error.message);
  }
  const body: SearchResponse = {
    hits: page.hits,
    next_cursor: page.next ? encodeCursor({ ...page.next, maxId: page.maxId ?? page.next.id, fingerprint: print, ...(plan ? { plan } : {}) }) : null,
    narrowed: narrowedBy(probes, plan, page.maxId ?? 0, params.sort === "relevance"),
  };
  // Server-Timing: how much of the answer was the database, the cost probes included (the search benchmark reads it).
  return c.json(body, 200, { "server-timing": `db;dur=${estimateMs + page.dbMs}` });
});

directoryRoutes.get("/torrents/:hash", async (c) => {
  const infoHash = infoHashParam(c);
  const [details, seed] = await Promise.all([torrentDetails(c.env.DB, infoHash, linksFor(c.req.url)), manifest(c.env.FILES, infoHash)]);
  if (!details) throw httpError(404, "not_found", NOT_LISTED);
  // The edge's copy of the bytes, when the publisher uploaded them (BEP 19): in the details and the magnet.
  const webSeed = seed ? webSeedUrl(new URL(c.req.url).origin, infoHash, seed.layout) : null;
  const body: TorrentDetails = { ...details, web_seed: webSeed, magnet: webSeed ? `${details.magnet}&ws=${encodeURIComponent(webSeed)}` : details.magnet };
  return c.json(body);
});

directoryRoutes.get("/torrents/:hash/torrent", async (c) => {
  const infoHash = infoHashParam(c);
  const [file, seed] = await Promise.all([getTorrentFileBytes(c.env.DB, infoHash), manifest(c.env.FILES, infoHash)]);
  if (!file) throw httpError(404, "not_found", "no .torrent published for this info hash");
  if (seed) file.data = withUrlList(file.data, webSeedUrl(new URL(c.req.url).origin, infoHash, seed.layout));
  const ascii = file.name.replace(/[^\x20-\x7e]|["\\]/g, "_").slice(0, 200) || infoHash;
  return new Response(file.data, {
    headers: {
      "content-type": "application/x-bittorrent",
      "content-disposition": `attachment; filename="${ascii}.torrent"; filename*=UTF-8''${encodeURIComponent(file.name)}.torrent`,
    },
  });
});

directoryRoutes.delete("/torrents/:hash", async (c) => {
  const infoHash = infoHashParam(c);
  const tokenHash = await requireToken(c);
  await requireOwner(c, infoHash, tokenHash);
  if (!(await deleteTorrent(c.env.DB, infoHash, tokenHash))) throw httpError(404, "not_found", NOT_LISTED);
  return c.body(null, 204);
});

directoryRoutes.patch("/torrents/:hash", async (c) => {
  const infoHash = infoHashParam(c);
  const tokenHash = await requireToken(c);
  const contentType = (c.req.header("content-type") ?? "").split(";")[0]!.trim().toLowerCase();
  if (contentType !== "application/json") throw httpError(415, "unsupported_media_type", "send the changes as application/json");
  const patch = parseOr400(PatchBody, parseJson(await readBody(c.req.raw, MAX_PATCH_BYTES)));
  await requireOwner(c, infoHash, tokenHash);
  if (!(await patchTorrent(c.env.DB, infoHash, tokenHash, patch))) throw httpError(404, "not_found", NOT_LISTED);
  const updated = await torrentSummary(c.env.DB, infoHash, linksFor(c.req.url));
  if (!updated) throw httpError(404, "not_found", NOT_LISTED);
  return c.json(updated);
});

directoryRoutes.get("/stats", async (c) => {
  const body: StatsResponse = await directoryStats(c.env.DB);
  return c.json(body);
});
