import { describe, expect, it } from "vitest";
import { EXIT, detailsText, exitCodeFor, parseRate, progressFields, renderTable, searchTable } from "../../client/cli/output";
import type { SearchHit, TorrentDetails } from "../../protocol/directory";

const HASH = "c9e15763f722f23e98a29decdfae341b98d53056";
const hit = (name: string, size: number, seeders: number): SearchHit => ({
  info_hash: HASH,
  name,
  size,
  file_count: 1,
  seeders,
  leechers: 2,
  completed: 0,
  added: "2026-05-02T10:00:00.000Z",
  tags: [],
  magnet: `magnet:?xt=urn:btih:${HASH}`,
  score: null,
});

describe("the search table", () => {
  it("aligns name, size, seeders, leechers and hash", () => {
    expect(searchTable([hit("Ubuntu.iso", 6_114_656_256, 12), hit("notes.txt", 1200, 0)])).toBe(
      [
        `NAME            SIZE  SEEDERS  LEECHERS  HASH`,
        `Ubuntu.iso  5.69 GiB       12         2  ${HASH}`,
        `notes.txt   1.17 KiB        0         2  ${HASH}`,
      ].join("\n"),
    );
  });

  it("cuts long names to fit the terminal, never the hash", () => {
    const table = searchTable([hit("a-very-long-name-".repeat(6), 10, 1)], 80);
    for (const line of table.split("\n")) expect(line.length).toBeLessThanOrEqual(80);
    expect(table).toContain("…");
    expect(table).toContain(HASH);
  });

  it("keeps a column at least as wide as its title", () => {
    expect(renderTable([{ title: "NAME", align: "left", shrink: true }], [["x"]], 1)).toBe("NAME\nx");
  });
});

describe("torrent details", () => {
  it("list the fields, the links and the files", () => {
    const details: TorrentDetails = {
      ...hit("Field notes", 1200, 1),
      piece_length: 16384,
      description: "Notes",
      torrent_url: `/api/torrents/${HASH}/torrent`,
      files: [{ path: "Field notes/a.txt", length: 1000 }, { path: "Field notes/b.txt", length: 200 }],
    };
    delete (details as Partial<SearchHit>).score;
    const text = detailsText(details, `http://127.0.0.1:8787/#${HASH}`);
    expect(text).toContain(`info hash    ${HASH}`);
    expect(text).toContain("peers        1 seeders, 2 leechers, 0 completed");
    expect(text).toContain(`share link   http://127.0.0.1:8787/#${HASH}`);
    expect(text).toMatch(/1000 B {2}Field notes\/a\.txt/);
  });
});

describe("the progress line", () => {
  it("shows held and total bytes, speeds, peers, pieces and ETA", () => {
    const fields = progressFields({
      infoHash: HASH,
      name: "x",
      bytes: 1024 * 1024,
      total: 4 * 1024 * 1024,
      fraction: 0.25,
      downloadSpeed: 512 * 1024,
      uploadSpeed: 0,
      uploaded: 0,
      peers: 3,
      pieces: { held: 4, total: 16 },
      etaMs: 6_000,
      done: false,
    });
    expect(fields).toEqual({ held: "1.00 MiB", size: "4.00 MiB", down: "512 KiB/s", up: "0 B/s", peers: "3 peers", pieces: "4/16", timeLeft: "6s" });
  });
});

describe("exit codes and rates", () => {
  it("map each kind of failure to its own code", () => {
    expect(exitCodeFor("unreachable")).toBe(EXIT.unreachable);
    expect(exitCodeFor("not_found")).toBe(EXIT.notFound);
    expect(exitCodeFor("no_peers")).toBe(EXIT.noPeers);
    expect(exitCodeFor("disk")).toBe(EXIT.disk);
    expect(exitCodeFor("verification")).toBe(EXIT.verification);
    expect(exitCodeFor("usage")).toBe(EXIT.usage);
    expect(exitCodeFor("directory")).toBe(EXIT.failure);
    expect(new Set(Object.values(EXIT)).size).toBe(Object.values(EXIT).length);
  });

  it("read rates in bytes per second with binary suffixes", () => {
    expect(parseRate("500000")).toBe(500_000);
    expect(parseRate("64k")).toBe(65_536);
    expect(parseRate("1.5M")).toBe(1_572_864);
    expect(parseRate("2MiB/s")).toBe(2_097_152);
    expect(() => parseRate("fast")).toThrow(/not a rate/);
  });
});
