// A private tracker's per-user keys (`/announce/k/<key>`): issued, listed and revoked by the operator, and
// checked on every connection and HTTP announce — against D1 once a minute per key and isolate, so a revoked
// key stops working within a minute. Only a key's SHA-256 is stored. Layer: adapter (D1).
import { newSecretToken, sha256Hex } from "../protocol/secrets";

const CHECK_CACHE_MS = 60_000;
const CACHE_ENTRIES = 10_000;
const checked = new Map<string, { valid: boolean; until: number }>();

export type TrackerKey = { id: string; label: string; created: string; revoked: string | null };

type Row = { id: string; label: string; created_at: number; revoked_at: number | null };
const toKey = (r: Row): TrackerKey => ({
  id: r.id,
  label: r.label,
  created: new Date(r.created_at).toISOString(),
  revoked: r.revoked_at === null ? null : new Date(r.revoked_at).toISOString(),
});

/** Issues a key; the key itself is returned once and never stored. */
export async function issueTrackerKey(db: D1Database, label: string, now: number): Promise<TrackerKey & { key: string }> {
  const key = newSecretToken();
  const id = (await sha256Hex(`id:${key}`)).slice(0, 16);
  await db.prepare(`INSERT INTO tracker_keys (id, key_hash, label, created_at) VALUES (?1, ?2, ?3, ?4)`).bind(id, await sha256Hex(key), label, now).run();
  return { id, label, created: new Date(now).toISOString(), revoked: null, key };
}

export async function listTrackerKeys(db: D1Database): Promise<TrackerKey[]> {
  const { results } = await db.prepare(`SELECT id, label, created_at, revoked_at FROM tracker_keys ORDER BY created_at`).all<Row>();
  return results.map(toKey);
}

/** Revokes a key; false when there is no such key. */
export async function revokeTrackerKey(db: D1Database, id: string, now: number): Promise<boolean> {
  const result = await db.prepare(`UPDATE tracker_keys SET revoked_at = coalesce(revoked_at, ?2) WHERE id = ?1`).bind(id, now).run();
  // This isolate forgets at once; others within their minute of caching.
  checked.clear();
  return result.meta.changes > 0;
}

/** Whether a presented key is issued and not revoked (cached per isolate for a minute). */
export async function trackerKeyValid(db: D1Database, key: string, now: number): Promise<boolean> {
  if (!/^[A-Za-z0-9_-]{16,128}$/.test(key)) return false;
  const hash = await sha256Hex(key);
  const cached = checked.get(hash);
  if (cached && now < cached.until) return cached.valid;
  const row = await db.prepare(`SELECT revoked_at FROM tracker_keys WHERE key_hash = ?1`).bind(hash).first<{ revoked_at: number | null }>();
  const valid = row !== null && row.revoked_at === null;
  if (checked.size >= CACHE_ENTRIES) checked.clear();
  checked.set(hash, { valid, until: now + CHECK_CACHE_MS });
  return valid;
}
