import bencode from "bencode";
import createTorrent from "create-torrent";
import parseTorrent from "parse-torrent";
import { describe, expect, it } from "vitest";
import { TorrentFileError, parseTorrentFile } from "../../worker/directory/rules/torrent-file";

function makeTorrent(input: Parameters<typeof createTorrent>[0], name: string): Promise<Uint8Array> {
  return new Promise((resolve, reject) =>
    createTorrent(input, { name, announce: ["ws://127.0.0.1:8787/announce"], pieceLength: 16384 }, (error, torrent) =>
      error ? reject(error) : resolve(new Uint8Array(torrent)),
    ),
  );
}

function file(name: string, bytes: number): Uint8Array & { name: string } {
  return Object.assign(new Uint8Array(bytes).fill(7), { name });
}

describe("reading a .torrent", () => {
  it("computes the info hash every client computes, and reads name, size and piece length", async () => {
    const torrent = await makeTorrent(file("Ubuntu.24.04-desktop_amd64.iso", 40_000), "Ubuntu.24.04-desktop_amd64.iso");
    const info = await parseTorrentFile(torrent);
    expect(info.infoHash).toBe((await parseTorrent(torrent)).infoHash);
    expect(info).toMatchObject({
      name: "Ubuntu.24.04-desktop_amd64.iso",
      size: 40_000,
      pieceLength: 16384,
      files: [{ path: "Ubuntu.24.04-desktop_amd64.iso", length: 40_000 }],
    });
  });

  it("lists the files of a multi-file torrent relative to its folder", async () => {
    const torrent = await makeTorrent([file("a.txt", 10), file("b.bin", 20)], "Some Folder");
    const info = await parseTorrentFile(torrent);
    expect(info.infoHash).toBe((await parseTorrent(torrent)).infoHash);
    expect(info.name).toBe("Some Folder");
    expect(info.size).toBe(30);
    expect(info.files.map((f) => f.path).sort()).toEqual(["a.txt", "b.bin"]);
  });

  it("hashes the info dict, not anything around it", async () => {
    const torrent = await makeTorrent(file("x.bin", 100), "x.bin");
    const decoded = bencode.decode(torrent) as Record<string, unknown>;
    const withComment = bencode.encode({ ...decoded, comment: new TextEncoder().encode("another tracker, same torrent") });
    expect((await parseTorrentFile(withComment)).infoHash).toBe((await parseTorrentFile(torrent)).infoHash);
  });

  const refused = async (bytes: Uint8Array) => {
    const error = await parseTorrentFile(bytes).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TorrentFileError);
    return (error as Error).message;
  };
  const text = (s: string) => new TextEncoder().encode(s);

  it("refuses what is not a torrent, with a message", async () => {
    expect(await refused(new Uint8Array())).toMatch(/empty/);
    expect(await refused(text("hello world"))).toMatch(/not a \.torrent/);
    expect(await refused(text("d4:infoi3ee"))).toMatch(/no info dictionary/);
    expect(await refused(text("d4:infod4:name1:xee"))).toMatch(/piece length/);
    expect(await refused(text("d4:infod6:lengthi-5e4:name1:x12:piece lengthi16384eee"))).toMatch(/non-negative/);
    expect(await refused(text("d4:infod4:name1:x12:piece lengthi16384eee"))).toMatch(/neither length nor files/);
  });

  it("refuses malformed and non-canonical bencode instead of guessing a hash", async () => {
    expect(await refused(text("d4:info"))).toMatch(/malformed|canonical/);
    expect(await refused(text("d4:infod4:name1:x6:lengthi5e12:piece lengthi16384eee"))).toMatch(/canonical/); // unsorted keys
    expect(await refused(text("d4:infod6:lengthi05e4:name1:x12:piece lengthi16384eee"))).toMatch(/canonical/); // leading zero
    expect(await refused(text("d4:infod6:lengthi5e4:name1:x12:piece lengthi16384eeeTRAILING"))).toMatch(/canonical/);
    expect(await refused(text("d999999:x"))).toMatch(/malformed|canonical/);
    expect(await refused(text("d1:a" + "l".repeat(200_000) + "e".repeat(200_000) + "e"))).toMatch(/malformed|canonical/);
  });

  it("refuses unsafe file paths and v2-only torrents", async () => {
    expect(await refused(text("d4:infod5:filesld6:lengthi1e4:pathl2:..eee4:name1:x12:piece lengthi16384eee"))).toMatch(/'\.\.'/);
    expect(await refused(text("d4:infod9:file treed1:xdee4:name1:x12:piece lengthi16384eee"))).toMatch(/v2-only/);
  });
});
