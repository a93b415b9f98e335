// HTTP announce and scrape for desktop clients (BEP 3, 7, 23, 48, and BEP 31's "retry in"): the query parsed
// byte-exact (protocol/http-tracker.ts), the swarm asked through the host's `announce` (on Cloudflare an RPC to
// its object, in-process a call), the reply bencoded. HTTP peers live in the same swarms as WebRTC ones.
// Layer: adapter (runs in the worker, or in the in-process host's server).
/// <reference path="../protocol/bencode.d.ts" />
import bencode from "bencode";
import { parseHttpAnnounce, parseHttpScrape, type HttpAnnounce } from "../protocol/http-tracker";
import { TRACKER_LIMITS, type SwarmCounts } from "../protocol/tracker";
import type { HttpAnnounceResult } from "./swarm-core";
import { liveSwarmStats, swarmStatsOf } from "./swarm-stats";

/** Bencoded replies are plain bytes; `text/plain` is what clients and other trackers send. */
const BENCODE_HEADERS = { "content-type": "text/plain; charset=iso-8859-1", "cache-control": "no-store" };

export function bencodedFailure(reason: string, retryInMinutes?: number): Response {
  const body: Record<string, unknown> = { "failure reason": reason };
  if (retryInMinutes !== undefined) body["retry in"] = retryInMinutes; // BEP 31
  return new Response(bencode.encode(body), { headers: BENCODE_HEADERS });
}

/** Announces into the swarm of `request.infoHash`, wherever the host keeps it. */
export type AnnounceIntoSwarm = (request: HttpAnnounce & { addr: string }) => Promise<HttpAnnounceResult>;

export type HttpAnnounceContext = {
  announce: AnnounceIntoSwarm;
  /** The raw query string (percent-escapes intact). */
  query: string;
  /** The connecting address (CF-Connecting-IP on Cloudflare). */
  addr: string;
  /** A `/announce/<hash>` URL names its swarm; the query must agree. */
  pathInfoHash?: string;
  /** Whether the client's `ip=` may replace its connecting address (operators behind a trusted proxy). */
  trustIpParam: boolean;
};

export async function httpAnnounce(context: HttpAnnounceContext): Promise<Response> {
  const parsed = parseHttpAnnounce(context.query);
  if (!parsed.ok) return bencodedFailure(parsed.reason);
  const request = parsed.value;
  if (context.pathInfoHash && context.pathInfoHash !== request.infoHash) {
    return bencodedFailure("info_hash does not match the torrent in the announce URL");
  }
  const claimed = context.trustIpParam && request.claimedIp && parseIp(request.claimedIp) ? request.claimedIp : null;
  const addr = claimed ?? context.addr;
  const result = await context.announce({ ...request, addr });
  if (!result.ok) return bencodedFailure(result.reason);

  const body: Record<string, unknown> = {
    interval: result.interval,
    "min interval": Math.max(1, Math.floor(result.interval / 2)),
    complete: result.complete,
    incomplete: result.incomplete,
  };
  if (request.compact) {
    // BEP 23 (IPv4, 6 bytes a peer) and BEP 7 (IPv6, 18 bytes a peer).
    const v4: number[] = [];
    const v6: number[] = [];
    for (const peer of result.peers) {
      const ip = parseIp(peer.ip);
      if (!ip) continue;
      (ip.length === 4 ? v4 : v6).push(...ip, peer.port >> 8, peer.port & 0xff);
    }
    body.peers = Uint8Array.from(v4);
    if (v6.length > 0) body.peers6 = Uint8Array.from(v6);
  } else {
    body.peers = result.peers.map((p) => ({ ip: p.ip, port: p.port, "peer id": hexBytes(p.peerId) }));
  }
  return new Response(bencode.encode(body), { headers: BENCODE_HEADERS });
}

export async function httpScrape(db: D1Database, query: string, pathInfoHash?: string): Promise<Response> {
  const parsed = parseHttpScrape(query);
  if (!parsed.ok) return bencodedFailure(parsed.reason);
  const hashes = pathInfoHash ? [...new Set([pathInfoHash, ...parsed.value])] : parsed.value;
  const counts = hashes.length === 0 ? await liveSwarmStats(db, TRACKER_LIMITS.maxScrapeHashes) : await swarmStatsOf(db, hashes);
  const files = new Map<string, SwarmCounts>();
  for (const hash of hashes.length === 0 ? Object.keys(counts) : hashes) files.set(hash, counts[hash] ?? { complete: 0, incomplete: 0, downloaded: 0 });
  return new Response(scrapeReply(files), { headers: BENCODE_HEADERS });
}

/**
 * `d5:filesd<20-byte hash>d…e…ee`. Built by hand around the library's encoding of each entry: the library
 * sorts binary dictionary keys by their decimal text, while bencode wants raw byte order (BEP 3).
 */
function scrapeReply(files: Map<string, SwarmCounts>): Uint8Array {
  const enc = new TextEncoder();
  const parts: Uint8Array[] = [enc.encode("d5:filesd")];
  for (const hash of [...files.keys()].sort()) {
    const c = files.get(hash)!;
    parts.push(enc.encode("20:"), hexBytes(hash), bencode.encode({ complete: c.complete, downloaded: c.downloaded, incomplete: c.incomplete }));
  }
  parts.push(enc.encode("ee"));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function hexBytes(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}

/** An IPv4 or IPv6 address as its 4 or 16 bytes; null for anything else (hostnames included). */
export function parseIp(text: string): Uint8Array | null {
  const v4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (v4) {
    const bytes = v4.slice(1).map(Number);
    return bytes.every((b) => b <= 255) ? Uint8Array.from(bytes) : null;
  }
  if (!text.includes(":") || !/^[0-9a-fA-F:.]+$/.test(text)) return null;
  // An IPv4-mapped IPv6 address is an IPv4 peer.
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(text);
  if (mapped) return parseIp(mapped[1]!);
  const halves = text.split("::");
  if (halves.length > 2) return null;
  const groups = (part: string) => (part === "" ? [] : part.split(":"));
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 1 && missing !== 0) || missing < 0) return null;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  if (all.length !== 8 || !all.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return null;
  const bytes = new Uint8Array(16);
  all.forEach((g, i) => {
    const n = parseInt(g, 16);
    bytes[2 * i] = n >> 8;
    bytes[2 * i + 1] = n & 0xff;
  });
  return bytes;
}
