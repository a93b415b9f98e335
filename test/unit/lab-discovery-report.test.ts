import { describe, expect, it } from "vitest";
import { DEFAULT_SEARCH_LAB, runSearchLab, type SearchLabConfig } from "../../client/lab/discovery/experiment";
import { measuredDirectorySummary, MEASURED_ENTRY_BYTES, replyBytes, representativeSearchReply } from "../../client/lab/discovery/measured-directory";
import { renderSearchReport, SEARCH_COLUMNS, toSearchCsv } from "../../client/lab/discovery/report";
import { seededRandom } from "../../client/lab/simulator";
import { parseMagnet, SearchResponse } from "../../protocol/directory";

describe("the representative /api/search reply", () => {
  const reply = representativeSearchReply(20, seededRandom(1));

  it("is a valid SearchResponse with 20 hits whose magnets point at the deployment's swarm sockets", () => {
    expect(SearchResponse.parse(reply).hits).toHaveLength(20);
    expect(new Set(reply.hits.map((h) => h.name)).size).toBe(20);
    for (const hit of reply.hits) {
      expect(parseMagnet(hit.magnet)?.infoHash).toBe(hit.info_hash);
      expect(decodeURIComponent(hit.magnet)).toContain(`/announce/${hit.info_hash}`);
    }
  });

  it("weighs what its compact UTF-8 JSON weighs: a few KB", () => {
    expect(replyBytes(reply)).toBe(Buffer.byteLength(JSON.stringify(reply), "utf8"));
    expect(replyBytes(reply)).toBeGreaterThan(20 * 300);
    expect(replyBytes(reply)).toBeLessThan(20 * 800);
  });
});

describe("the measured directory summary", () => {
  it("adds one RTT to the server-side times and sizes one D1 database in entries", () => {
    const summary = measuredDirectorySummary(50, { hits: 20, bytes: 10_000, gzipBytes: 2_000 });
    expect(summary.latencyP50Ms).toBe(50 + summary.medianP50Ms);
    expect(summary.worstP99Ms).toBe(81.5); // prefix `cast*` in the README table
    expect(summary.entriesAtLimit).toBe(Math.floor(10e9 / MEASURED_ENTRY_BYTES.asWritten));
  });
});

describe("a small search lab run", () => {
  const config: SearchLabConfig = {
    ...DEFAULT_SEARCH_LAB,
    peers: [50, 400],
    queries: 200,
    floodTtls: [1, 2, 3],
    defaultFloodTtl: 3,
    supernodeTtls: [0, 1],
    defaultSupernodeTtl: 1,
    churnPeers: [400],
    churnFractions: [0.1],
    churnSuccessors: [1, 2],
    centralReplyBytes: 10_000,
    centralRequestBytes: 34,
  };
  const rows = runSearchLab(config);

  it("is the same for the same seed", () => {
    expect(runSearchLab(config)).toEqual(rows);
    expect(runSearchLab({ ...config, seed: 2 })).not.toEqual(rows);
  });

  it("has one headline row per architecture and N", () => {
    for (const peers of config.peers) {
      for (const architecture of ["central", "flooding", "supernode", "chord"]) {
        expect(rows.filter((r) => r.peers === peers && r.architecture === architecture && r.headline)).toHaveLength(1);
      }
    }
  });

  it("writes null where a field does not apply", () => {
    for (const r of rows) {
      if (r.architecture === "chord" || r.architecture === "central") expect(r.ttl).toBeNull();
      else expect(r.ttl).not.toBeNull();
      if (r.architecture !== "chord") {
        expect(r.successors).toBeNull();
        expect(r.churn).toBeNull();
      }
    }
  });

  it("puts every row in the CSV under the same columns", () => {
    const lines = toSearchCsv(rows).trim().split("\n");
    expect(lines[0]).toBe(SEARCH_COLUMNS.join(","));
    expect(lines).toHaveLength(rows.length + 1);
    for (const line of lines) expect(line.split(",")).toHaveLength(SEARCH_COLUMNS.length);
  });

  it("renders a report with the tables and the measured directory", () => {
    const md = renderSearchReport(
      {
        settings: config,
        environment: { startedAt: "2026-01-01T00:00:00.000Z", durationSeconds: 1, node: "20", cpus: 2, loadAverage: [0, 0, 0], platform: "test" },
        measuredDirectory: measuredDirectorySummary(50, { hits: 20, bytes: 10_000, gzipBytes: 2_000 }),
        rows,
      },
      ["search-messages-vs-peers.svg", "search-messages-vs-peers.png"],
    );
    expect(md).toContain("### TTL sweep at N = 400");
    expect(md).toContain("### Chord with failed nodes, nothing repaired");
    expect(md).toContain("10,000 B");
    expect(md).toContain("### What this means for edgeswarm");
    expect(md).toContain("![search-messages-vs-peers](search-messages-vs-peers.png)");
    expect(md).not.toContain("undefined");
    expect(md).not.toContain("NaN");
  });
});
