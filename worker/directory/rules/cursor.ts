// Keyset pagination cursors for search (docs/directory.md "Pagination"). Layer: pure logic.
// A cursor is the last hit's sort key and id, plus the newest torrent id when the search began (later
// pages leave out entries published since, so nothing shifts under the reader), plus a fingerprint of
// the query it belongs to. Opaque to clients: base64url JSON, checked on the way back in.
import { z } from "zod";
import type { PagePlan } from "./search-cost";

export type Cursor = {
  /** The last hit's sort key (score, seeders, size or name); null for sort=added, where the id is the key. */
  key: number | string | null;
  /** The last hit's torrent id: the tie-breaker, and the key of sort=added. */
  id: number;
  /** The newest torrent id when the first page was served. */
  maxId: number;
  /** Fingerprint of the query, sort and filters the cursor was made for. */
  fingerprint: string;
  /** The first page's cost plan (rules/search-cost.ts), kept so later pages search and score the same way. */
  plan?: PagePlan;
};

const CursorWire = z.object({
  k: z.union([z.number().finite(), z.string().max(1024), z.null()]),
  i: z.number().int().nonnegative(),
  m: z.number().int().nonnegative(),
  f: z.string().max(16),
  // The plan: the lowest id searched (null: all), the words bm25 scores and whether field sorts sort all. Absent in cursors from
  // before plans existed; such a page is planned again.
  w: z.number().int().nonnegative().nullable().optional(),
  r: z.array(z.number().int().nonnegative().max(64)).max(64).optional(),
  s: z.boolean().optional(),
});

function toBase64Url(text: string): string {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(value: string): string | null {
  if (!/^[A-Za-z0-9_-]*$/.test(value)) return null;
  try {
    const binary = atob(value.replace(/-/g, "+").replace(/_/g, "/"));
    return new TextDecoder("utf-8", { fatal: true, ignoreBOM: false }).decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
  } catch {
    return null;
  }
}

export function encodeCursor(cursor: Cursor): string {
  const plan = cursor.plan ? { w: cursor.plan.fromId, r: cursor.plan.rankTokens, s: cursor.plan.sortAll } : {};
  return toBase64Url(JSON.stringify({ k: cursor.key, i: cursor.id, m: cursor.maxId, f: cursor.fingerprint, ...plan }));
}

/** The cursor, or an error message for one that is malformed or belongs to another query. */
export function decodeCursor(value: string, fingerprint: string): { cursor: Cursor } | { error: string } {
  const text = fromBase64Url(value);
  let json: unknown;
  try {
    json = text === null ? undefined : JSON.parse(text);
  } catch {
    json = undefined;
  }
  const parsed = CursorWire.safeParse(json);
  if (!parsed.success) return { error: "cursor is not valid: pass next_cursor back unchanged" };
  if (parsed.data.f !== fingerprint) return { error: "cursor belongs to a different query, sort or filter" };
  const { k, i, m, f, w, r, s } = parsed.data;
  const plan = w !== undefined && r !== undefined ? { plan: { fromId: w, rankTokens: r, sortAll: s ?? false } } : {};
  return { cursor: { key: k, id: i, maxId: m, fingerprint: f, ...plan } };
}

/** FNV-1a (32-bit) of the parts: cheap, stable, and enough to catch a cursor reused with other parameters. */
export function fingerprint(parts: unknown[]): string {
  const text = JSON.stringify(parts);
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(36);
}
