// The web seed's rules (worker/directory/rules/web-seed.ts): parts of whole pieces of at least 5 MiB, file
// lookup and the url-list that leaves the info hash alone (ranges: http-range.test.ts).
import bencode from "bencode";
import { describe, expect, it } from "vitest";
import { MIN_PART_BYTES, fileAt, partPlan, partSpan, withUrlList } from "../../worker/directory/rules/web-seed";

const MiB = 1024 * 1024;

describe("upload parts", () => {
  it("are whole pieces and at least 5 MiB, except the last", () => {
    expect(partPlan(12 * MiB, 16384)).toEqual({ partSize: 5 * MiB, parts: 3, length: 12 * MiB, pieceLength: 16384 });
    expect(partPlan(20 * MiB, 3 * MiB).partSize).toBe(6 * MiB);
    expect(partPlan(100, 16384)).toMatchObject({ parts: 1 });
    const plan = partPlan(12 * MiB + 5, 16384);
    expect(partSpan(plan, 3)).toEqual({ offset: 10 * MiB, length: 2 * MiB + 5, firstPiece: 640 });
    expect(MIN_PART_BYTES).toBe(5 * MiB);
  });
});

describe("the .torrent with a web seed", () => {
  it("gets a url-list and keeps its info dict byte for byte", () => {
    const torrent = bencode.encode({ announce: "ws://x/announce", info: { length: 3, name: "a", "piece length": 16384, pieces: new Uint8Array(20) } });
    const withSeed = withUrlList(torrent, "https://edge.example/seed/h/a");
    const decoded = bencode.decode(withSeed) as Record<string, unknown>;
    expect((decoded["url-list"] as Uint8Array[]).map((u) => new TextDecoder().decode(u))).toEqual(["https://edge.example/seed/h/a"]);
    expect(bencode.encode(decoded.info)).toEqual(bencode.encode((bencode.decode(torrent) as Record<string, unknown>).info));
  });
  it("finds files by the path web seeds ask for", () => {
    const layout = { name: "album", multiFile: true, length: 3, files: [{ path: "album/a b.txt", offset: 0, length: 3 }] };
    expect(fileAt(layout, "album/a b.txt")).toEqual(layout.files[0]);
    expect(fileAt(layout, "album/../x")).toBeNull();
  });
});
