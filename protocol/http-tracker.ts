// The HTTP tracker protocol desktop clients speak (BEP 3 announce, BEP 23 compact peers, BEP 7 peers6,
// BEP 48 scrape): query strings parsed byte-exact into one domain shape with hex ids. Layer: protocol (imports
// only zod). Replies are built by the adapter (bencoded there); this module knows their fields.
import { z } from "zod";
import { TRACKER_LIMITS, type AnnounceEvent } from "./tracker";
import { describeIssue } from "./issues";

export const HTTP_TRACKER_LIMITS = {
  /** Longest query string accepted (a scrape of the maximum number of hashes fits easily). */
  maxQueryChars: 8 * 1024,
  /** Peers handed out per announce when the client asks for none in particular, and at most. */
  defaultNumwant: 50,
  maxNumwant: 200,
  /** A numwant beyond this is not a request but garbage: refused rather than capped. */
  absurdNumwant: 100_000,
  maxScrapeHashes: TRACKER_LIMITS.maxScrapeHashes,
} as const;

/** A query string as raw bytes per key: percent-escapes decoded to bytes, never through UTF-8. */
export type RawQuery = Map<string, Uint8Array[]>;

/** Splits `a=b&c=d` into keys and byte values (`+` is a space, as in form encoding). Null on a bad escape. */
export function parseRawQuery(query: string): RawQuery | null {
  const out: RawQuery = new Map();
  if (query.startsWith("?")) query = query.slice(1);
  for (const part of query.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const key = decodeBytes(eq < 0 ? part : part.slice(0, eq));
    const value = decodeBytes(eq < 0 ? "" : part.slice(eq + 1));
    if (!key || !value) return null;
    const name = latin1(key);
    out.set(name, [...(out.get(name) ?? []), value]);
  }
  return out;
}

function decodeBytes(text: string): Uint8Array | null {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x25 /* % */) {
      const hex = text.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) return null;
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (c === 0x2b /* + */) bytes.push(0x20);
    else if (c > 0x7e || c < 0x21) return null; // a raw byte outside printable ASCII was not escaped
    else bytes.push(c);
  }
  return Uint8Array.from(bytes);
}

const latin1 = (bytes: Uint8Array) => String.fromCharCode(...bytes);
const hex = (bytes: Uint8Array) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");

/** One value of a key: given once. */
const One = z
  .array(z.instanceof(Uint8Array))
  .max(1, "given more than once")
  .transform((values) => values[0]);
const Id = One.pipe(z.instanceof(Uint8Array, { error: "missing" }).refine((b) => b.length === 20, "must be 20 bytes (percent-encoded)")).transform(hex);
const Digits = (what: string) =>
  One.pipe(z.instanceof(Uint8Array, { error: "missing" }))
    .transform(latin1)
    .pipe(z.string().regex(/^\d{1,20}$/, `${what} must be a non-negative integer`))
    .transform(Number);
const OptionalDigits = (what: string) => One.transform((v) => (v === undefined ? undefined : latin1(v))).pipe(z.string().regex(/^\d{1,20}$/, `${what} must be a non-negative integer`).transform(Number).optional());

const AnnounceQuery = z.object({
  info_hash: Id,
  peer_id: Id,
  port: Digits("port").pipe(z.number().int().min(1, "port must be 1-65535").max(65535, "port must be 1-65535")),
  uploaded: OptionalDigits("uploaded"),
  downloaded: OptionalDigits("downloaded"),
  left: OptionalDigits("left"),
  event: One.transform((v) => (v === undefined ? "" : latin1(v))).pipe(
    z.enum(["", "started", "completed", "stopped", "paused"], { error: "unknown event" }),
  ),
  numwant: OptionalDigits("numwant").pipe(z.number().max(HTTP_TRACKER_LIMITS.absurdNumwant, "numwant is absurdly large").optional()),
  compact: One.transform((v) => (v === undefined ? "1" : latin1(v))).pipe(z.enum(["0", "1"], { error: "compact must be 0 or 1" })),
  no_peer_id: One.optional(),
  ip: One.transform((v) => (v === undefined ? undefined : latin1(v))).optional(),
});

export type HttpAnnounce = {
  infoHash: string;
  peerId: string;
  port: number;
  event: AnnounceEvent;
  /** Bytes still missing; null when the client did not say. */
  left: number | null;
  numwant: number;
  compact: boolean;
  /** The `ip` the client claims; used only where the operator trusts it. */
  claimedIp: string | undefined;
};

export type HttpParse<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Parses an announce query. Unknown keys are ignored (clients send `key`, `corrupt`, `supportcrypto`, …). */
export function parseHttpAnnounce(query: string): HttpParse<HttpAnnounce> {
  if (query.length > HTTP_TRACKER_LIMITS.maxQueryChars) return { ok: false, reason: "query string too long" };
  const raw = parseRawQuery(query);
  if (!raw) return { ok: false, reason: "malformed query string (bad percent-escape or unescaped byte)" };
  const parsed = AnnounceQuery.safeParse(Object.fromEntries(AnnounceQuery.keyof().options.map((k) => [k, raw.get(k) ?? []])));
  if (!parsed.success) return { ok: false, reason: describeIssue(parsed.error) };
  const q = parsed.data;
  const event: AnnounceEvent = q.event === "" ? "update" : q.event;
  return {
    ok: true,
    value: {
      infoHash: q.info_hash,
      peerId: q.peer_id,
      port: q.port,
      event,
      left: q.left ?? null,
      numwant: Math.min(q.numwant ?? HTTP_TRACKER_LIMITS.defaultNumwant, HTTP_TRACKER_LIMITS.maxNumwant),
      compact: q.compact === "1",
      claimedIp: q.ip,
    },
  };
}

/** A scrape's info hashes (hex, deduplicated); none means "the busiest swarms". */
export function parseHttpScrape(query: string): HttpParse<string[]> {
  if (query.length > HTTP_TRACKER_LIMITS.maxQueryChars) return { ok: false, reason: "query string too long" };
  const raw = parseRawQuery(query);
  if (!raw) return { ok: false, reason: "malformed query string (bad percent-escape or unescaped byte)" };
  const hashes = raw.get("info_hash") ?? [];
  if (hashes.length > HTTP_TRACKER_LIMITS.maxScrapeHashes) return { ok: false, reason: `too many info hashes (limit ${HTTP_TRACKER_LIMITS.maxScrapeHashes})` };
  if (hashes.some((h) => h.length !== 20)) return { ok: false, reason: "info_hash: must be 20 bytes (percent-encoded)" };
  return { ok: true, value: [...new Set(hashes.map(hex))] };
}
