// HTTP announce and scrape (desktop clients: BEP 3, 7, 23, 48) through workerd: byte-exact ids, compact
// peers of both address families, the same swarms and counts as WebSocket peers, and bencoded failure reasons
// for bad input — each followed by a healthy announce.
/// <reference path="../../protocol/bencode.d.ts" />
import bencode from "bencode";
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { TrackerSocket, bin, hexOf, randomInfoHash } from "./tracker-client";

type Reply = Record<string, unknown>;

/** Every byte percent-encoded, as libtorrent does for ids. */
const escape = (binary: string) => [...binary].map((ch) => `%${ch.charCodeAt(0).toString(16).padStart(2, "0")}`).join("");

async function get(path: string, headers: Record<string, string> = {}): Promise<Reply> {
  const res = await SELF.fetch(`http://tracker.test${path}`, { headers });
  expect(res.status).toBe(200);
  return latin1(bencode.decode(new Uint8Array(await res.arrayBuffer()))) as Reply;
}

/**
 * A scrape's `files` keyed by hex info hash. The bencode library gives a binary key as text when it happens to
 * be valid UTF-8 and as hex otherwise; either way it names the same 20 bytes.
 */
function filesByHex(reply: Reply): Record<string, unknown> {
  const files = reply.files as Record<string, unknown>;
  const toHex = (key: string) =>
    /^[0-9a-f]{40}$/.test(key) ? key : [...new TextEncoder().encode(key)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return Object.fromEntries(Object.entries(files).map(([k, v]) => [toHex(k), v]));
}

/** Decoded bencode with byte strings as latin-1 strings (one char per byte), dictionary keys included. */
function latin1(value: unknown): unknown {
  if (value instanceof Uint8Array) return String.fromCharCode(...value);
  if (Array.isArray(value)) return value.map(latin1);
  if (value && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, latin1(v)]));
  return value;
}

function announceQuery(hash: string, peerId: string, fields: Record<string, string | number> = {}): string {
  const rest = Object.entries({ port: 6881, uploaded: 0, downloaded: 0, left: 100, compact: 1, ...fields })
    .map(([k, v]) => `${k}=${v}`)
    .join("&");
  return `info_hash=${escape(hash)}&peer_id=${escape(peerId)}&${rest}`;
}

/** Compact peers as "ip:port" strings (BEP 23 for 6-byte entries, BEP 7 for 18-byte ones). */
function compactPeers(bytes: string | undefined, size: 6 | 18): string[] {
  const out: string[] = [];
  for (let i = 0; bytes && i < bytes.length; i += size) {
    const b = [...bytes.slice(i, i + size)].map((c) => c.charCodeAt(0));
    const port = (b[size - 2]! << 8) | b[size - 1]!;
    const ip = size === 6 ? b.slice(0, 4).join(".") : Array.from({ length: 8 }, (_, g) => ((b[2 * g]! << 8) | b[2 * g + 1]!).toString(16)).join(":");
    out.push(`${ip}:${port}`);
  }
  return out;
}

let nextAddress = 1;
const v4 = () => ({ "cf-connecting-ip": `203.0.113.${nextAddress++}` });

describe("an HTTP announce", () => {
  it("lists the other HTTP peers compactly, shares counts with WebSocket peers, and leaves them out of the list", async () => {
    const hash = randomInfoHash();
    const seederAddr = v4();
    expect(await get(`/announce?${announceQuery(hash, bin("S"), { left: 0, event: "started", port: 51413 })}`, seederAddr)).toMatchObject({
      interval: 2,
      complete: 1,
      incomplete: 0,
    });
    const webrtc = await TrackerSocket.open(`/announce/${hexOf(hash)}`);
    expect(await webrtc.announce({ info_hash: hash, peer_id: bin("W"), left: 10 })).toMatchObject({ complete: 1, incomplete: 1 });
    const reply = await get(`/announce?${announceQuery(hash, bin("L"), { event: "started", port: 6889 })}`, v4());
    expect(reply).toMatchObject({ complete: 1, incomplete: 2, "min interval": 1 });
    expect(compactPeers(reply.peers as string, 6)).toEqual([`${seederAddr["cf-connecting-ip"]}:51413`]);
    expect(reply.peers6).toBeUndefined();
    expect(webrtc.frames.filter((f) => f.offer !== undefined)).toEqual([]);
  });

  it("gives IPv6 peers in peers6 and non-compact clients a list of dictionaries with peer ids", async () => {
    const hash = randomInfoHash();
    await get(`/announce?${announceQuery(hash, bin("6"), { port: 7000 })}`, { "cf-connecting-ip": "2001:db8::7" });
    const compact = await get(`/announce?${announceQuery(hash, bin("4"))}`, v4());
    expect(compactPeers(compact.peers6 as string, 18)).toEqual(["2001:db8:0:0:0:0:0:7:7000"]);
    const full = await get(`/announce?${announceQuery(hash, bin("d"), { compact: 0 })}`, v4());
    expect(full.peers).toEqual(expect.arrayContaining([{ ip: "2001:db8::7", port: 7000, "peer id": bin("6") }]));
  });

  it("keeps binary ids byte for byte, also on /announce/<hash>, and refuses a path that disagrees with the query", async () => {
    const hash = String.fromCharCode(...Array.from({ length: 20 }, (_, i) => [0, 0x25, 0x26, 0x2b, 0x3d, 0xff, 0x80, 0x20][i % 8]!));
    const peer = String.fromCharCode(...Array.from({ length: 20 }, (_, i) => 255 - i));
    expect(await get(`/announce/${hexOf(hash)}?${announceQuery(hash, peer, { left: 0 })}`, v4())).toMatchObject({ complete: 1 });
    const scrape = await get(`/scrape?info_hash=${escape(hash)}`);
    expect(filesByHex(scrape)).toEqual({ [hexOf(hash)]: { complete: 1, downloaded: 0, incomplete: 0 } });
    expect(await get(`/announce/${hexOf(randomInfoHash())}?${announceQuery(hash, peer)}`, v4())).toEqual({
      "failure reason": "info_hash does not match the torrent in the announce URL",
    });
  });

  it("leaves the swarm on stopped", async () => {
    const hash = randomInfoHash();
    const addr = v4();
    await get(`/announce?${announceQuery(hash, bin("x"), { event: "started" })}`, addr);
    expect(await get(`/announce?${announceQuery(hash, bin("x"), { event: "stopped" })}`, addr)).toMatchObject({ complete: 0, incomplete: 0 });
  });
});

describe("an HTTP scrape", () => {
  it("reports many hashes at once, zeros for unknown ones", async () => {
    const [a, b] = [randomInfoHash(), randomInfoHash()];
    await get(`/announce?${announceQuery(a, bin("p"), { left: 0 })}`, v4());
    await expect
      .poll(async () => filesByHex(await get(`/scrape?info_hash=${escape(a)}&info_hash=${escape(b)}`)), { timeout: 5000 })
      .toEqual({ [hexOf(a)]: { complete: 1, downloaded: 0, incomplete: 0 }, [hexOf(b)]: { complete: 0, downloaded: 0, incomplete: 0 } });
  });
});

describe("bad HTTP input", () => {
  const hash = randomInfoHash();
  it.each([
    ["no info_hash", (q: string) => q.replace(/info_hash=[^&]*&/, ""), /info_hash: missing/],
    ["a short info_hash", (q: string) => q.replace(/info_hash=[^&]*/, "info_hash=abc"), /info_hash: must be 20 bytes/],
    ["a bad port", (q: string) => q.replace("port=6881", "port=70000"), /port must be 1-65535/],
    ["a non-numeric left", (q: string) => q.replace("left=100", "left=lots"), /left must be a non-negative integer/],
    ["a huge numwant", (q: string) => `${q}&numwant=${10 ** 12}`, /numwant is absurdly large/],
    ["a repeated key", (q: string) => `${q}&port=1`, /port: given more than once/],
    ["an unknown event", (q: string) => `${q}&event=exploded`, /unknown event/],
    ["a broken escape", (q: string) => `${q}&x=%zz`, /malformed query string/],
    ["an oversized query", (q: string) => `${q}&pad=${"a".repeat(9000)}`, /query string too long/],
  ])("%s gets a bencoded failure reason, and the next announce is served", async (_name, spoil, reason) => {
    const addr = v4();
    // Each case its own peer: an HTTP peer id belongs to the address that announced it.
    const good = announceQuery(hash, randomInfoHash());
    const query = spoil(good);
    const reply = await get(`/announce?${query}`, addr);
    expect(Object.keys(reply)).toEqual(["failure reason"]);
    expect(String(reply["failure reason"])).toMatch(reason);
    expect(await get(`/announce?${good}`, addr)).toHaveProperty("interval");
  });

  it("a scrape of too many hashes is refused", async () => {
    const many = Array.from({ length: 101 }, () => `info_hash=${escape(randomInfoHash())}`).join("&");
    expect(String((await get(`/scrape?${many}`))["failure reason"])).toMatch(/too many info hashes/);
  });
});

describe("HTTP announces from one address", () => {
  it("are rate limited with a failure reason and BEP 31's retry in", async () => {
    const addr = { "cf-connecting-ip": "198.18.0.9" };
    const hash = randomInfoHash();
    let refused: Reply | undefined;
    for (let i = 0; i < 130 && !refused; i++) {
      const reply = await get(`/announce?${announceQuery(hash, bin("r"))}`, addr);
      if (reply["failure reason"]) refused = reply;
    }
    expect(refused).toEqual({ "failure reason": "rate limit exceeded: announce less often", "retry in": 1 });
  });
});
