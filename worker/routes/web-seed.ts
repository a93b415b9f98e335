// The edge as a web seed (BEP 19, issue 12): a publisher uploads a listed torrent's bytes (parts checked against
// the torrent's piece hashes as they arrive), and the worker serves them at /seed/<hash>/<path…> with Range.
// Layer: adapter (routes only resolve and forward: rules in worker/directory/rules/web-seed.ts, R2 in
// worker/web-seed/store.ts).
import { Hono, type Context } from "hono";
import { rangedResponse } from "../../protocol/http-range";
import { HexId } from "../../protocol/ids";
import type { WebSeedStatus } from "../../protocol/directory";
import { getTorrentFileBytes, publisherTokenHash } from "../directory/queries/torrents";
import { bearerToken, sha256Hex } from "../../protocol/secrets";
import { DEFAULT_WEB_SEED_MAX_BYTES, badPiecesOfPart, fileAt, partPlan, partSpan, readLayout, webSeedUrl } from "../directory/rules/web-seed";
import type { Env } from "../env";
import { httpError } from "../errors";
import { completeUpload, manifest, readRange, removeAll, startUpload, storePart, uploadState, uploadedParts } from "../web-seed/store";

type AppContext = Context<{ Bindings: Env }>;

export const webSeedApiRoutes = new Hono<{ Bindings: Env }>();
export const webSeedFileRoutes = new Hono<{ Bindings: Env }>();

function infoHashParam(c: AppContext): string {
  const parsed = HexId.safeParse(c.req.param("hash"));
  if (!parsed.success) throw httpError(400, "bad_info_hash", "info hash must be 40 hexadecimal characters");
  return parsed.data;
}

function maxBytes(env: Env): number {
  const n = Number(env.WEB_SEED_MAX_BYTES);
  return Number.isSafeInteger(n) && n > 0 ? n : DEFAULT_WEB_SEED_MAX_BYTES;
}

/** Only the publisher (its token from the publish reply) may store bytes for a listing. */
async function requirePublisher(c: AppContext, infoHash: string): Promise<void> {
  const token = bearerToken(c.req.header("authorization"));
  if (!token) throw httpError(401, "token_required", "send the publisher token as Authorization: Bearer <token>");
  const owner = await publisherTokenHash(c.env.DB, infoHash);
  if (owner === null) throw httpError(404, "not_found", "no torrent with this info hash in the directory");
  if (owner !== (await sha256Hex(token))) throw httpError(403, "forbidden", "this token did not publish this torrent");
}

/** The listing's .torrent: the piece hashes every part is checked against. */
async function torrentOf(c: AppContext, infoHash: string) {
  const file = await getTorrentFileBytes(c.env.DB, infoHash);
  if (!file) throw httpError(409, "no_torrent_file", "a web seed needs the listing published as a .torrent (its piece hashes check the upload)");
  return readLayout(file.data);
}

function origin(c: AppContext): string {
  return new URL(c.req.url).origin;
}

// Starts (or resumes) an upload; says which parts are stored already.
webSeedApiRoutes.post("/torrents/:hash/web-seed", async (c) => {
  const infoHash = infoHashParam(c);
  await requirePublisher(c, infoHash);
  const { layout, pieceLength } = await torrentOf(c, infoHash);
  const limit = maxBytes(c.env);
  if (layout.length > limit) throw httpError(413, "too_large", `this deployment keeps web seeds of at most ${limit} bytes; the torrent has ${layout.length}`);
  const done = await manifest(c.env.FILES, infoHash);
  const plan = partPlan(layout.length, pieceLength);
  if (done) {
    const body: WebSeedStatus = { status: "complete", part_size: plan.partSize, parts: plan.parts, uploaded: [], web_seed: webSeedUrl(origin(c), infoHash, layout) };
    return c.json(body);
  }
  const state = (await uploadState(c.env.FILES, infoHash)) ?? (await startUpload(c.env.FILES, infoHash, plan));
  const uploaded = (await uploadedParts(c.env.FILES, infoHash)).map((p) => p.partNumber);
  const body: WebSeedStatus = { status: "uploading", part_size: state.plan.partSize, parts: state.plan.parts, uploaded, web_seed: null };
  return c.json(body, 201);
});

// One part: exactly its bytes, every piece in it matching the torrent, or nothing is stored.
webSeedApiRoutes.put("/torrents/:hash/web-seed/parts/:n", async (c) => {
  const infoHash = infoHashParam(c);
  await requirePublisher(c, infoHash);
  const state = await uploadState(c.env.FILES, infoHash);
  if (!state) throw httpError(409, "no_upload", "start the upload first (POST /api/torrents/<hash>/web-seed)");
  const n = Number(c.req.param("n"));
  if (!Number.isInteger(n) || n < 1 || n > state.plan.parts) throw httpError(400, "bad_part", `part numbers go from 1 to ${state.plan.parts}`);
  const span = partSpan(state.plan, n);
  const declared = Number(c.req.header("content-length"));
  if (Number.isFinite(declared) && declared !== span.length) throw httpError(400, "bad_part_size", `part ${n} is ${span.length} bytes, not ${declared}`);
  const bytes = new Uint8Array(await c.req.arrayBuffer());
  if (bytes.length !== span.length) throw httpError(400, "bad_part_size", `part ${n} is ${span.length} bytes, not ${bytes.length}`);
  const { hashes } = await torrentOf(c, infoHash);
  const bad = await badPiecesOfPart(state.plan, n, bytes, hashes);
  if (bad.length > 0) throw httpError(422, "piece_mismatch", `part ${n} does not match the torrent: piece ${bad[0]}${bad.length > 1 ? ` and ${bad.length - 1} more` : ""}`);
  const part = await storePart(c.env.FILES, infoHash, state, n, bytes);
  return c.json({ part: n, etag: part.etag });
});

// Every part stored and the total length right: the web seed goes live.
webSeedApiRoutes.post("/torrents/:hash/web-seed/complete", async (c) => {
  const infoHash = infoHashParam(c);
  await requirePublisher(c, infoHash);
  const { layout, pieceLength } = await torrentOf(c, infoHash);
  const done = await manifest(c.env.FILES, infoHash);
  const state = await uploadState(c.env.FILES, infoHash);
  if (!done) {
    if (!state) throw httpError(409, "no_upload", "start the upload first (POST /api/torrents/<hash>/web-seed)");
    const parts = await uploadedParts(c.env.FILES, infoHash);
    const missing = [...Array(state.plan.parts).keys()].map((i) => i + 1).filter((n) => !parts.some((p) => p.partNumber === n));
    if (missing.length > 0) throw httpError(409, "parts_missing", `parts still missing: ${missing.slice(0, 10).join(", ")}${missing.length > 10 ? ", …" : ""}`);
    try {
      await completeUpload(c.env.FILES, infoHash, state, parts, layout);
    } catch (error) {
      throw httpError(409, "length_mismatch", error instanceof Error ? error.message : String(error));
    }
  }
  const plan = partPlan(layout.length, pieceLength);
  const body: WebSeedStatus = { status: "complete", part_size: plan.partSize, parts: plan.parts, uploaded: [], web_seed: webSeedUrl(origin(c), infoHash, layout) };
  return c.json(body);
});

webSeedApiRoutes.delete("/torrents/:hash/web-seed", async (c) => {
  const infoHash = infoHashParam(c);
  await requirePublisher(c, infoHash);
  await removeAll(c.env.FILES, infoHash);
  return c.body(null, 204);
});

// GET/HEAD /seed/<hash>/<path…>: a file of the torrent, with single Range requests (protocol/http-range.ts).
async function serve(c: AppContext, method: "GET" | "HEAD"): Promise<Response> {
  const infoHash = infoHashParam(c);
  const done = await manifest(c.env.FILES, infoHash);
  if (!done) throw httpError(404, "not_found", "no web seed for this torrent");
  const raw = c.req.path.slice(`/seed/${infoHash}/`.length);
  let requested: string;
  try {
    requested = decodeURIComponent(raw);
  } catch {
    throw httpError(400, "bad_path", "the file path is not valid percent-encoding");
  }
  const file = fileAt(done.layout, requested);
  if (!file) throw httpError(404, "not_found", "no such file in this torrent");
  const index = done.layout.files.indexOf(file);
  const etag = `"${done.etag}-${index}"`;
  const headers = { "content-type": "application/octet-stream", etag, "cache-control": "public, max-age=86400, immutable" };
  return rangedResponse({ method, range: c.req.header("range") }, file.length, headers, async (offset, length) => {
    const body = await readRange(c.env.FILES, infoHash, file.offset + offset, length);
    if (!body) throw httpError(404, "not_found", "the stored bytes are gone");
    return body;
  });
}

webSeedFileRoutes.get("/:hash/*", (c) => serve(c, "GET"));
webSeedFileRoutes.on("HEAD", "/:hash/*", (c) => serve(c, "HEAD"));
