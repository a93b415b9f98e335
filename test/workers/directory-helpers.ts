// Test-side helpers for the directory API inside workerd: publish, search, hand-built .torrent files.
/// <reference path="../../protocol/bencode.d.ts" />
import bencode from "bencode";
import { SELF, env } from "cloudflare:test";
import type { PublishResponse, SearchResponse } from "../../protocol/directory";
import type { Env } from "../../worker/env";

export const BASE = "http://directory.test";
/** The worker's bindings (test/workers/env.d.ts types them for the pool; spelled out here for tsc). */
export const DB = (env as unknown as Env).DB;

export function randomHash(): string {
  return [...crypto.getRandomValues(new Uint8Array(20))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** A word no other test uses, so searches see only their own entries. */
export function uniqueWord(prefix = "w"): string {
  return `${prefix}${crypto.randomUUID().replace(/-/g, "").slice(0, 12)}`;
}

export async function publish(body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return SELF.fetch(`${BASE}/api/torrents`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

export async function publishOk(body: unknown): Promise<PublishResponse> {
  const res = await publish(body);
  if (res.status !== 201 && res.status !== 200) throw new Error(`publish answered ${res.status}: ${await res.text()}`);
  return (await res.json()) as PublishResponse;
}

export async function search(params: Record<string, string | number> | string): Promise<{ status: number; body: SearchResponse & { error?: { code: string; message: string } } }> {
  const query = typeof params === "string" ? params : new URLSearchParams(Object.entries(params).map(([k, v]): [string, string] => [k, String(v)])).toString();
  const res = await SELF.fetch(`${BASE}/api/search?${query}`);
  return { status: res.status, body: (await res.json()) as SearchResponse & { error?: { code: string; message: string } } };
}

export async function searchOk(params: Record<string, string | number> | string): Promise<SearchResponse> {
  const { status, body } = await search(params);
  if (status !== 200) throw new Error(`search answered ${status}: ${JSON.stringify(body)}`);
  return body;
}

/** Live counts as the swarm Durable Objects push them (durable-objects/swarm-stats.ts). */
export { upsertSwarmStats } from "../../durable-objects/swarm-stats";

const text = (s: string) => new TextEncoder().encode(s);

/** A canonical single- or multi-file .torrent built by hand (create-torrent needs Node streams). */
export function makeTorrent(name: string, files: { path: string[]; length: number }[] | number, extra: Record<string, unknown> = {}): Uint8Array {
  const info: Record<string, unknown> = { name: text(name), "piece length": 16384, pieces: new Uint8Array(20).fill(1) };
  if (typeof files === "number") info.length = files;
  else info.files = files.map((f) => ({ length: f.length, path: f.path.map(text) }));
  return bencode.encode({ announce: text("ws://127.0.0.1:8787/announce"), info, ...extra });
}

/** SHA-1 of the bencoded info dict, computed here independently of the worker. */
export async function infoHashOf(torrent: Uint8Array): Promise<string> {
  const decoded = bencode.decode(torrent) as { info: unknown };
  const digest = await crypto.subtle.digest("SHA-1", bencode.encode(decoded.info));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export async function rowCounts(): Promise<Record<string, number>> {
  const row = await DB.prepare(
    `SELECT (SELECT count(*) FROM torrents) AS torrents, (SELECT count(*) FROM files) AS files,
       (SELECT count(*) FROM torrent_tags) AS tags, (SELECT count(*) FROM torrents_fts) AS fts,
       (SELECT count(*) FROM torrent_files) AS torrent_files`,
  ).first<Record<string, number>>();
  return row!;
}

/**
 * How many segments FTS5 has ever written to an index: its structure record (rowid 10 of `<table>_data`)
 * holds a 4-byte cookie, an optional "\xff\0\0\x01" version marker, then varints nLevel, nSegment and
 * nWriteCounter (sqlite fts5_index.c). Every transaction that changes the index flushes at least one segment.
 */
export async function ftsSegmentsWritten(db: D1Database, table: string): Promise<number> {
  const row = await db.prepare(`SELECT block FROM ${table}_data WHERE id = 10`).first<{ block: ArrayBuffer }>();
  const bytes = new Uint8Array(row!.block);
  let at = bytes[4] === 0xff && bytes[5] === 0 && bytes[6] === 0 && bytes[7] === 1 ? 8 : 4;
  const varint = (): number => {
    let value = 0;
    for (let i = 0; i < 9; i++) {
      const byte = bytes[at++]!;
      if (i === 8) return value * 256 + byte;
      value = value * 128 + (byte & 0x7f);
      if (!(byte & 0x80)) return value;
    }
    return value;
  };
  varint(); // levels
  varint(); // segments
  return varint();
}
