// Reading a .torrent in the client (client/lib/torrent-meta.ts): the info hash from the info dict's own bytes,
// files with offsets, trackers and web seeds, and which trackers a browser can use.
import createTorrent from "create-torrent";
import parseTorrent from "parse-torrent";
import { describe, expect, it } from "vitest";
import { browserTrackers, magnetTrackers, magnetWebSeeds, readTorrentMeta } from "../../client/lib/torrent-meta";

function make(input: Buffer | Buffer[], opts: Record<string, unknown>): Promise<Uint8Array> {
  return new Promise((resolve, reject) => createTorrent(input as never, opts, (error, torrent) => (error ? reject(error) : resolve(torrent))));
}

describe("a .torrent read in the client", () => {
  it("agrees with parse-torrent on the info hash, files and trackers", async () => {
    const a = Object.assign(Buffer.alloc(40_000, 1), { name: "a.bin" });
    const b = Object.assign(Buffer.alloc(10_000, 2), { name: "b.bin" });
    const bytes = await make([a, b], { name: "pair", announceList: [["wss://one.example/announce"], ["udp://two.example:80"]], urlList: ["https://seed.example/x/"], pieceLength: 16384 });
    const meta = await readTorrentMeta(bytes);
    const reference = await parseTorrent(bytes);
    expect(meta.infoHash).toBe(reference.infoHash);
    expect(meta).toMatchObject({ name: "pair", length: 50_000, pieceLength: 16384, pieces: 4, webSeeds: ["https://seed.example/x/"] });
    expect(meta.files).toEqual([
      { path: "pair/a.bin", length: 40_000, offset: 0 },
      { path: "pair/b.bin", length: 10_000, offset: 40_000 },
    ]);
    expect(meta.trackers).toEqual(["wss://one.example/announce", "udp://two.example:80"]);
  });
  it("refuses what is not a .torrent", async () => {
    await expect(readTorrentMeta(new TextEncoder().encode("hello"))).rejects.toThrow(/not a usable \.torrent/);
    await expect(readTorrentMeta(new TextEncoder().encode("d4:infoi3ee"))).rejects.toThrow(/no info dictionary/);
  });
});

describe("trackers of a magnet", () => {
  it("are split into WebSocket ones (usable in a browser) and the rest", () => {
    const magnet = "magnet:?xt=urn:btih:0123456789abcdef0123456789abcdef01234567&tr=wss%3A%2F%2Fa.example&tr=udp%3A%2F%2Fb.example%3A1&ws=https%3A%2F%2Fs.example%2Ff";
    expect(browserTrackers(magnetTrackers(magnet))).toEqual({ usable: ["wss://a.example"], ignored: ["udp://b.example:1"] });
    expect(magnetWebSeeds(magnet)).toEqual(["https://s.example/f"]);
  });
});
