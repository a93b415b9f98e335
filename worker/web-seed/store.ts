// The edge's copy of a listed torrent's bytes in R2 (FILES), for the web seed (BEP 19): one multipart object
// with the torrent's bytes in order, a record per verified part (so an upload resumes and concurrent parts
// never overwrite one another's bookkeeping), and a manifest written last that makes the web seed live.
// Layer: adapter (R2 I/O only; the rules are worker/directory/rules/web-seed.ts).
import type { PartPlan, SeedLayout } from "../directory/rules/web-seed";

const prefix = (infoHash: string) => `webseed/${infoHash}`;
const dataKey = (infoHash: string) => `${prefix(infoHash)}/data`;
const uploadKey = (infoHash: string) => `${prefix(infoHash)}/upload.json`;
const partKey = (infoHash: string, n: number) => `${prefix(infoHash)}/parts/${String(n).padStart(6, "0")}`;
const manifestKey = (infoHash: string) => `${prefix(infoHash)}/manifest.json`;

export type Manifest = { layout: SeedLayout; etag: string; completedAt: number };
export type UploadState = { uploadId: string; plan: PartPlan };

async function readJson<T>(bucket: R2Bucket, key: string): Promise<T | null> {
  const object = await bucket.get(key);
  return object ? ((await object.json()) as T) : null;
}

export function manifest(bucket: R2Bucket, infoHash: string): Promise<Manifest | null> {
  return readJson<Manifest>(bucket, manifestKey(infoHash));
}

export function uploadState(bucket: R2Bucket, infoHash: string): Promise<UploadState | null> {
  return readJson<UploadState>(bucket, uploadKey(infoHash));
}

export async function startUpload(bucket: R2Bucket, infoHash: string, plan: PartPlan): Promise<UploadState> {
  const upload = await bucket.createMultipartUpload(dataKey(infoHash), { httpMetadata: { contentType: "application/octet-stream" } });
  const state = { uploadId: upload.uploadId, plan };
  await bucket.put(uploadKey(infoHash), JSON.stringify(state));
  return state;
}

/** Part numbers already stored (and verified). */
export async function uploadedParts(bucket: R2Bucket, infoHash: string): Promise<R2UploadedPart[]> {
  const parts: R2UploadedPart[] = [];
  let cursor: string | undefined;
  do {
    // `include` is in R2's list API but not in this workers-types version's R2ListOptions.
    const page = await bucket.list({ prefix: `${prefix(infoHash)}/parts/`, cursor, include: ["customMetadata"] } as R2ListOptions);
    for (const object of page.objects) {
      const n = Number(object.key.slice(object.key.lastIndexOf("/") + 1));
      const etag = object.customMetadata?.etag;
      if (etag) parts.push({ partNumber: n, etag });
    }
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return parts.sort((a, b) => a.partNumber - b.partNumber);
}

export async function storePart(bucket: R2Bucket, infoHash: string, state: UploadState, n: number, bytes: Uint8Array): Promise<R2UploadedPart> {
  const upload = bucket.resumeMultipartUpload(dataKey(infoHash), state.uploadId);
  const part = await upload.uploadPart(n, bytes);
  await bucket.put(partKey(infoHash, n), "", { customMetadata: { etag: part.etag } });
  return part;
}

/** Completes the object; returns its size and ETag, then makes the web seed live with the manifest. */
export async function completeUpload(bucket: R2Bucket, infoHash: string, state: UploadState, parts: R2UploadedPart[], layout: SeedLayout): Promise<Manifest> {
  const upload = bucket.resumeMultipartUpload(dataKey(infoHash), state.uploadId);
  const object = await upload.complete(parts);
  if (object.size !== layout.length) {
    await bucket.delete(dataKey(infoHash));
    throw new Error(`stored ${object.size} bytes, the torrent has ${layout.length}`);
  }
  const done: Manifest = { layout, etag: object.etag, completedAt: Date.now() };
  await bucket.put(manifestKey(infoHash), JSON.stringify(done));
  await bucket.delete([uploadKey(infoHash), ...parts.map((p) => partKey(infoHash, p.partNumber))]);
  return done;
}

/** Removes everything stored for a torrent (an upload under way is aborted). */
export async function removeAll(bucket: R2Bucket, infoHash: string): Promise<void> {
  const state = await uploadState(bucket, infoHash);
  if (state) await bucket.resumeMultipartUpload(dataKey(infoHash), state.uploadId).abort().catch(() => undefined);
  let cursor: string | undefined;
  do {
    const page = await bucket.list({ prefix: `${prefix(infoHash)}/`, cursor });
    if (page.objects.length > 0) await bucket.delete(page.objects.map((o) => o.key));
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
}

/** A byte range of the stored bytes. */
export async function readRange(bucket: R2Bucket, infoHash: string, offset: number, length: number): Promise<ReadableStream | null> {
  if (length === 0) return new Response(new Uint8Array()).body;
  const object = await bucket.get(dataKey(infoHash), { range: { offset, length } });
  return object?.body ?? null;
}
