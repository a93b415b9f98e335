// /lab/files/:key — the central server's copy of a lab file in R2 (FILES): GET/HEAD with Range (HTTP
// downloads in the lab's cs mode, BEP 19 web seed in its hybrid mode) and PUT for the lab runner.
// Layer: adapter (routes only resolve and forward to the bucket).
import { Hono, type Context } from "hono";
import { rangedResponse } from "../../protocol/http-range";
import { keysMatch } from "../../protocol/secrets";
import type { Env } from "../env";
import { httpError } from "../errors";

export const labFileRoutes = new Hono<{ Bindings: Env }>();

const KEY = /^[A-Za-z0-9._-]{1,128}$/;
const objectKey = (key: string) => `lab/${key}`;

function checkedKey(key: string): string {
  if (!KEY.test(key)) throw httpError(400, "bad_key", "file keys are 1-128 of A-Z a-z 0-9 . _ -");
  return key;
}

/** Largest lab file (the lab's files are a few MiB; Cloudflare's smallest plan takes 100 MB request bodies). */
export const MAX_LAB_FILE_BYTES = 100 * 1024 * 1024;

// Uploads are off unless LAB_KEY is set, and then need it as a bearer token: a deployment never takes
// writes from strangers (the runner starts its local worker with a random LAB_KEY). The key is compared in
// constant time (digests, then every byte) and the body streams to R2 at its declared length, never
// buffered and never longer than MAX_LAB_FILE_BYTES.
labFileRoutes.put("/files/:key", async (c) => {
  const key = checkedKey(c.req.param("key"));
  const expected = c.env.LAB_KEY;
  if (!expected) throw httpError(403, "lab_uploads_disabled", "set LAB_KEY to allow lab uploads");
  const presented = /^Bearer (.+)$/.exec(c.req.header("authorization") ?? "")?.[1];
  if (!presented || !(await keysMatch(presented, expected))) throw httpError(401, "bad_lab_key", "wrong or missing lab key");
  const declared = c.req.header("content-length");
  if (declared === undefined || !/^\d{1,16}$/.test(declared)) throw httpError(411, "length_required", "send the file with a Content-Length");
  const length = Number(declared);
  if (length > MAX_LAB_FILE_BYTES) throw httpError(413, "payload_too_large", `lab files are at most ${MAX_LAB_FILE_BYTES} bytes`);
  // FixedLengthStream fails the upload if the body does not match the declared length.
  const body = (c.req.raw.body ?? new Blob([]).stream()).pipeThrough(new FixedLengthStream(length));
  const object = await c.env.FILES.put(objectKey(key), body, { httpMetadata: { contentType: "application/octet-stream" } });
  return c.json({ key, size: object?.size ?? length, etag: object?.httpEtag ?? null }, 201);
});

// GET/HEAD with single Range requests (protocol/http-range.ts); R2 reads only the bytes answered.
async function serve(c: Context<{ Bindings: Env }>, method: "GET" | "HEAD"): Promise<Response> {
  const key = checkedKey(c.req.param("key") ?? "");
  const head = await c.env.FILES.head(objectKey(key));
  if (!head) throw httpError(404, "not_found", `no lab file ${key}`);
  const headers = { "content-type": "application/octet-stream", etag: head.httpEtag };
  return rangedResponse({ method, range: c.req.header("range") }, head.size, headers, async (offset, length) => {
    const object = await c.env.FILES.get(objectKey(key), length === head.size ? undefined : { range: { offset, length } });
    if (!object) throw httpError(404, "not_found", `no lab file ${key}`);
    return object.body;
  });
}

labFileRoutes.get("/files/:key", (c) => serve(c, "GET"));
labFileRoutes.on("HEAD", "/files/:key", (c) => serve(c, "HEAD"));
