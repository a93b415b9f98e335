// The edge as a web seed (issue 12): a publisher stores a listed torrent's bytes part by part (each part checked
// against the torrent's piece hashes), the web seed goes live only when every part is in and the length is
// right, and /seed/<hash>/<path> serves the files with Range, ETag and HEAD; the listing then names it.
import { SELF } from "cloudflare:test";
import bencode from "bencode";
import { describe, expect, it } from "vitest";
import type { TorrentDetails, WebSeedStatus } from "../../protocol/directory";
import { BASE } from "./directory-helpers";

const KiB = 1024;
const MiB = 1024 * KiB;
const PIECE = 16 * KiB;
const text = (s: string) => new TextEncoder().encode(s);

async function sha256(bytes: Uint8Array): Promise<string> {
  return [...new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function randomBytes(n: number): Uint8Array {
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, Math.min(n, i + 65536)));
  return out;
}

/** A real .torrent of `bytes` (single file, or `files` splitting them), with correct piece hashes. */
async function torrentOf(name: string, bytes: Uint8Array, files?: { path: string[]; length: number }[]): Promise<Uint8Array> {
  const hashes = new Uint8Array(Math.ceil(bytes.length / PIECE) * 20);
  for (let i = 0, p = 0; i < bytes.length; i += PIECE, p++) hashes.set(new Uint8Array(await crypto.subtle.digest("SHA-1", bytes.subarray(i, i + PIECE))), p * 20);
  const info: Record<string, unknown> = { name: text(name), "piece length": PIECE, pieces: hashes };
  if (files) info.files = files.map((f) => ({ length: f.length, path: f.path.map(text) }));
  else info.length = bytes.length;
  return bencode.encode({ announce: text("ws://127.0.0.1:8787/announce"), info });
}

async function publish(torrent: Uint8Array): Promise<{ infoHash: string; token: string }> {
  const response = await SELF.fetch(`${BASE}/api/torrents`, { method: "POST", headers: { "content-type": "application/x-bittorrent" }, body: torrent });
  expect(response.status).toBe(201);
  const body = (await response.json()) as { token: string; entries: { info_hash: string }[] };
  return { infoHash: body.entries[0]!.info_hash, token: body.token };
}

const auth = (token: string) => ({ authorization: `Bearer ${token}` });

async function start(infoHash: string, token: string): Promise<Response> {
  return SELF.fetch(`${BASE}/api/torrents/${infoHash}/web-seed`, { method: "POST", headers: auth(token) });
}

function putPart(infoHash: string, token: string, n: number, bytes: Uint8Array): Promise<Response> {
  return SELF.fetch(`${BASE}/api/torrents/${infoHash}/web-seed/parts/${n}`, { method: "PUT", headers: { ...auth(token), "content-type": "application/octet-stream" }, body: bytes });
}

function complete(infoHash: string, token: string): Promise<Response> {
  return SELF.fetch(`${BASE}/api/torrents/${infoHash}/web-seed/complete`, { method: "POST", headers: auth(token) });
}

describe("storing a web seed", () => {
  it("takes verified parts, resumes, and goes live only when every part is in", async () => {
    const bytes = randomBytes(6 * MiB + 123);
    const { infoHash, token } = await publish(await torrentOf("edge-copy.bin", bytes));

    const first = await start(infoHash, token);
    expect(first.status).toBe(201);
    const status = (await first.json()) as WebSeedStatus;
    expect(status).toEqual({ status: "uploading", part_size: 5 * MiB, parts: 2, uploaded: [], web_seed: null });
    // Not live yet: nothing is served and the listing names no web seed.
    expect((await SELF.fetch(`${BASE}/seed/${infoHash}/edge-copy.bin`)).status).toBe(404);

    // A part whose bytes do not match the torrent's pieces is refused, and nothing is stored.
    const wrong = bytes.slice(0, 5 * MiB);
    wrong[3 * PIECE + 7]! ^= 0xff;
    const refused = await putPart(infoHash, token, 1, wrong);
    expect(refused.status).toBe(422);
    expect(await refused.json()).toEqual({ error: { code: "piece_mismatch", message: "part 1 does not match the torrent: piece 3" } });
    expect((await putPart(infoHash, token, 1, bytes.slice(0, 100))).status).toBe(400); // wrong size
    expect((await putPart(infoHash, token, 3, bytes.slice(0, 100))).status).toBe(400); // no such part

    expect((await putPart(infoHash, token, 1, bytes.slice(0, 5 * MiB))).status).toBe(200);
    // Completing early says what is missing; starting again (a resumed upload) says what is stored.
    const early = await complete(infoHash, token);
    expect(early.status).toBe(409);
    expect(((await early.json()) as { error: { message: string } }).error.message).toBe("parts still missing: 2");
    expect(((await (await start(infoHash, token)).json()) as WebSeedStatus).uploaded).toEqual([1]);

    expect((await putPart(infoHash, token, 2, bytes.slice(5 * MiB))).status).toBe(200);
    const done = await complete(infoHash, token);
    expect(done.status).toBe(200);
    const url = `${BASE}/seed/${infoHash}/edge-copy.bin`;
    expect(((await done.json()) as WebSeedStatus).web_seed).toBe(url);

    // The listing names it: details, magnet (ws=) and the .torrent's url-list (the info hash unchanged).
    const details = (await (await SELF.fetch(`${BASE}/api/torrents/${infoHash}`)).json()) as TorrentDetails;
    expect(details.web_seed).toBe(url);
    expect(details.magnet).toContain(`&ws=${encodeURIComponent(url)}`);
    const torrent = bencode.decode(new Uint8Array(await (await SELF.fetch(`${BASE}/api/torrents/${infoHash}/torrent`)).arrayBuffer())) as Record<string, unknown>;
    expect((torrent["url-list"] as Uint8Array[]).map((u) => new TextDecoder().decode(u))).toEqual([url]);

    // Served with Range, ETag and HEAD.
    const whole = await SELF.fetch(url);
    expect(whole.status).toBe(200);
    expect(whole.headers.get("accept-ranges")).toBe("bytes");
    const etag = whole.headers.get("etag");
    expect(etag).toMatch(/^".+-0"$/);
    // By digest: a deep comparison of 6 MiB element by element takes vitest half a minute in workerd.
    expect(await sha256(new Uint8Array(await whole.arrayBuffer()))).toBe(await sha256(bytes));
    const ranged = await SELF.fetch(url, { headers: { range: `bytes=${5 * MiB - 10}-${5 * MiB + 9}` } });
    expect(ranged.status).toBe(206);
    expect(ranged.headers.get("content-range")).toBe(`bytes ${5 * MiB - 10}-${5 * MiB + 9}/${bytes.length}`);
    expect(new Uint8Array(await ranged.arrayBuffer())).toEqual(bytes.slice(5 * MiB - 10, 5 * MiB + 10));
    const suffix = await SELF.fetch(url, { headers: { range: "bytes=-5" } });
    expect(new Uint8Array(await suffix.arrayBuffer())).toEqual(bytes.slice(-5));
    const head = await SELF.fetch(url, { method: "HEAD", headers: { range: "bytes=0-99" } });
    expect([head.status, head.headers.get("content-length"), head.headers.get("etag")]).toEqual([206, "100", etag]);
    const bad = await SELF.fetch(url, { headers: { range: `bytes=${bytes.length}-` } });
    expect([bad.status, bad.headers.get("content-range")]).toEqual([416, `bytes */${bytes.length}`]);
    expect((await SELF.fetch(`${BASE}/seed/${infoHash}/other.bin`)).status).toBe(404);
  });

  it("serves a multi-file torrent's files at <url>/<name>/<path> (BEP 19)", async () => {
    const bytes = randomBytes(40 * KiB + 5);
    const files = [
      { path: ["a b.txt"], length: 10 * KiB },
      { path: ["sub", "c.bin"], length: 30 * KiB + 5 },
    ];
    const { infoHash, token } = await publish(await torrentOf("album", bytes, files));
    expect((await start(infoHash, token)).status).toBe(201);
    expect((await putPart(infoHash, token, 1, bytes)).status).toBe(200);
    const done = (await (await complete(infoHash, token)).json()) as WebSeedStatus;
    expect(done.web_seed).toBe(`${BASE}/seed/${infoHash}/`);
    const second = await SELF.fetch(`${done.web_seed}album/sub/c.bin`, { headers: { range: "bytes=0-9" } });
    expect(new Uint8Array(await second.arrayBuffer())).toEqual(bytes.slice(10 * KiB, 10 * KiB + 10));
    const spaced = await SELF.fetch(`${done.web_seed}album/a%20b.txt`);
    expect(new Uint8Array(await spaced.arrayBuffer())).toEqual(bytes.slice(0, 10 * KiB));
  });

  it("is the publisher's alone, needs a .torrent, and keeps to WEB_SEED_MAX_BYTES", async () => {
    const bytes = randomBytes(64 * KiB);
    const { infoHash, token } = await publish(await torrentOf("mine.bin", bytes));
    expect((await SELF.fetch(`${BASE}/api/torrents/${infoHash}/web-seed`, { method: "POST" })).status).toBe(401);
    const other = await publish(await torrentOf("other.bin", randomBytes(1000)));
    expect((await start(infoHash, other.token)).status).toBe(403);
    expect((await start("0".repeat(40), token)).status).toBe(404);
    expect((await start("not-a-hash", token)).status).toBe(400);

    const json = await SELF.fetch(`${BASE}/api/torrents`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ info_hash: "1".repeat(40), name: "metadata only", size: 10 }),
    });
    const jsonToken = ((await json.json()) as { token: string }).token;
    const noTorrent = await start("1".repeat(40), jsonToken);
    expect(noTorrent.status).toBe(409);
    expect(((await noTorrent.json()) as { error: { code: string } }).error.code).toBe("no_torrent_file");

    // 9 MiB declared by the torrent, over the 8 MiB this test deployment allows: refused before any byte.
    const big = await publish(await torrentOf("big.bin", randomBytes(9 * MiB)));
    const tooBig = await start(big.infoHash, big.token);
    expect(tooBig.status).toBe(413);
    expect(((await tooBig.json()) as { error: { message: string } }).error.message).toBe(`this deployment keeps web seeds of at most ${8 * MiB} bytes; the torrent has ${9 * MiB}`);

    // Removing it stops the serving.
    await start(infoHash, token);
    await putPart(infoHash, token, 1, bytes);
    await complete(infoHash, token);
    expect((await SELF.fetch(`${BASE}/seed/${infoHash}/mine.bin`)).status).toBe(200);
    expect((await SELF.fetch(`${BASE}/api/torrents/${infoHash}/web-seed`, { method: "DELETE", headers: auth(token) })).status).toBe(204);
    expect((await SELF.fetch(`${BASE}/seed/${infoHash}/mine.bin`)).status).toBe(404);
  });
});
