// The search lab's plots as Vega-Lite specs (rendered by ../plots.ts's writePlot). Layer: client/lab/discovery,
// pure (specs are plain objects).
import type * as vl from "vega-lite";
import type { SearchRow } from "./experiment";
import type { MeasuredDirectorySummary } from "./measured-directory";
import { headline } from "./report";
import { chordPathLength } from "./theory";

type Row = Record<string, string | number | null>;
const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";
const ARCHITECTURES = ["central", "flooding", "supernode", "chord"] as const;
// the default label limit (160 px) cuts series names like "flooding (k = 4, TTL 7)"
const LEGEND = { labelLimit: 400 };

function seriesName(r: SearchRow): string {
  if (r.architecture === "flooding") return `flooding (k = ${r.degree}, TTL ${r.ttl})`;
  if (r.architecture === "supernode") return `supernodes (TTL ${r.ttl})`;
  if (r.architecture === "chord") return `Chord (r = ${r.successors})`;
  return "central index";
}

function headlineRows(rows: readonly SearchRow[]): SearchRow[] {
  const peers = [...new Set(rows.map((r) => r.peers))].sort((a, b) => a - b);
  return peers.flatMap((n) => ARCHITECTURES.map((a) => headline(rows, a, n)).filter((r): r is SearchRow => r !== undefined));
}

const peersAxis = { field: "peers", type: "quantitative" as const, title: "peers N", scale: { type: "log" as const }, axis: { format: "~s" } };

/** Messages per query against N, log-log, the four architectures at their default settings. */
export function messagesVsPeersSpec(rows: readonly SearchRow[]): vl.TopLevelSpec {
  const data: Row[] = headlineRows(rows).map((r) => ({ peers: r.peers, messages: r.messagesPerQuery, p99: r.messagesP99, series: seriesName(r) }));
  return {
    $schema: SCHEMA,
    title: { text: "Messages per query vs N", subtitle: "mean (line) and p99 (ticks); every query asks for an item someone holds" },
    width: 560,
    height: 340,
    data: { values: data },
    layer: [
      {
        mark: { type: "line", point: true, strokeWidth: 2 },
        encoding: { x: peersAxis, y: { field: "messages", type: "quantitative", title: "messages per query", scale: { type: "log" } }, color: { field: "series", type: "nominal", title: null, legend: LEGEND } },
      },
      {
        mark: { type: "tick", thickness: 2, size: 10 },
        encoding: { x: peersAxis, y: { field: "p99", type: "quantitative" }, color: { field: "series", type: "nominal", title: null, legend: LEGEND } },
      },
    ],
  } as vl.TopLevelSpec;
}

/** Recall against TTL at one N for flooding (each degree) and supernodes, with the central index's 1. */
export function recallVsTtlSpec(rows: readonly SearchRow[], peers: number): vl.TopLevelSpec {
  const swept = rows.filter((r) => r.peers === peers && r.ttl !== null);
  const data: Row[] = swept.map((r) => ({
    ttl: r.ttl,
    recall: r.recall,
    series: r.architecture === "flooding" ? `flooding, k = ${r.degree}` : `supernodes (${r.supernodes} of them, degree ${r.degree})`,
  }));
  const ttls = swept.map((r) => r.ttl!);
  if (ttls.length > 0) for (const ttl of [Math.min(...ttls), Math.max(...ttls)]) data.push({ ttl, recall: 1, series: "central index" });
  return {
    $schema: SCHEMA,
    title: { text: `Recall vs TTL at N = ${peers.toLocaleString("en-US")}`, subtitle: "fraction of queries that found at least one holder" },
    width: 560,
    height: 320,
    data: { values: data },
    mark: { type: "line", point: true, strokeWidth: 2 },
    encoding: {
      x: { field: "ttl", type: "quantitative", title: "TTL", axis: { tickMinStep: 1 } },
      y: { field: "recall", type: "quantitative", title: "recall", scale: { domain: [0, 1] } },
      color: { field: "series", type: "nominal", title: null, legend: LEGEND },
    },
  } as vl.TopLevelSpec;
}

/** Chord's hops and path length against N, with ½·log₂N. */
export function chordHopsSpec(rows: readonly SearchRow[]): vl.TopLevelSpec {
  const chord = rows.filter((r) => r.architecture === "chord" && r.churn === null);
  const data: Row[] = [];
  for (const r of chord) {
    data.push({ peers: r.peers, hops: r.hopsMean, series: "hops: nodes contacted (simulated)", kind: "sim" });
    data.push({ peers: r.peers, hops: r.pathLengthMean, series: "path length: routing moves (simulated)", kind: "sim" });
  }
  const ns = chord.map((r) => r.peers);
  if (ns.length > 0) {
    const [min, max] = [Math.min(...ns), Math.max(...ns)];
    for (let i = 0; i <= 40; i++) {
      const n = min * Math.pow(max / min, i / 40);
      data.push({ peers: n, hops: chordPathLength(n), series: "½·log₂N", kind: "theory" });
    }
  }
  return {
    $schema: SCHEMA,
    title: { text: "Chord lookup hops vs N", subtitle: `iterative lookups, r = ${chord[0]?.successors ?? "–"}, no failures` },
    width: 560,
    height: 320,
    data: { values: data },
    mark: { type: "line", strokeWidth: 2 },
    encoding: {
      x: peersAxis,
      y: { field: "hops", type: "quantitative", title: "mean hops" },
      color: { field: "series", type: "nominal", title: null, legend: LEGEND },
      strokeDash: { field: "kind", type: "nominal", title: null, scale: { domain: ["sim", "theory"], range: [[1, 0], [5, 4]] }, legend: null },
    },
  } as vl.TopLevelSpec;
}

/** Messages the busiest node handles per query, against N. */
export function busiestLoadSpec(rows: readonly SearchRow[]): vl.TopLevelSpec {
  const data: Row[] = headlineRows(rows).map((r) => ({ peers: r.peers, load: r.busiestNodeLoad, share: r.busiestNodeShare, series: seriesName(r) }));
  return {
    $schema: SCHEMA,
    title: { text: "Load on the busiest node vs N", subtitle: "messages it sends or receives, per query in the whole system" },
    width: 560,
    height: 320,
    data: { values: data },
    mark: { type: "line", point: true, strokeWidth: 2 },
    encoding: {
      x: peersAxis,
      y: { field: "load", type: "quantitative", title: "busiest node's messages per query", scale: { type: "log" } },
      color: { field: "series", type: "nominal", title: null, legend: LEGEND },
    },
  } as vl.TopLevelSpec;
}

/** Time to the first answer against N, with the real directory's measured figures (plus one RTT). */
export function latencyVsPeersSpec(rows: readonly SearchRow[], measured: MeasuredDirectorySummary): vl.TopLevelSpec {
  const data: Row[] = headlineRows(rows).map((r) => ({ peers: r.peers, ms: r.latencyMs, series: seriesName(r), kind: "sim" }));
  const ns = data.map((d) => d.peers as number);
  const references = [
    { ms: measured.latencyP50Ms, series: `real directory at ${measured.entries / 1e6}M entries: RTT + median p50` },
    { ms: measured.latencyP99Ms, series: "real directory: RTT + worst p99" },
  ];
  if (ns.length > 0) for (const ref of references) for (const peers of [Math.min(...ns), Math.max(...ns)]) data.push({ peers, ms: ref.ms, series: ref.series, kind: "measured" });
  return {
    $schema: SCHEMA,
    title: { text: "Time to the first answer vs N", subtitle: `hops × ${measured.rttMs} ms RTT; the real directory measured server-side, plus one RTT` },
    width: 560,
    height: 320,
    data: { values: data },
    mark: { type: "line", point: true, strokeWidth: 2 },
    encoding: {
      x: peersAxis,
      y: { field: "ms", type: "quantitative", title: "ms" },
      color: { field: "series", type: "nominal", title: null, legend: LEGEND },
      strokeDash: { field: "kind", type: "nominal", title: null, scale: { domain: ["sim", "measured"], range: [[1, 0], [4, 3]] }, legend: null },
    },
  } as vl.TopLevelSpec;
}

/** Chord lookups that fail or slow down after nodes fail with nothing repaired, per successor list length. */
export function chordChurnSpec(rows: readonly SearchRow[], peers: number): vl.TopLevelSpec {
  const data: Row[] = [];
  for (const r of rows.filter((r) => r.architecture === "chord" && r.churn !== null && r.peers === peers)) {
    data.push({ churn: r.churn, fraction: 1 - r.recall, r: `r = ${r.successors}`, outcome: "failed" });
    data.push({ churn: r.churn, fraction: r.slowerFraction, r: `r = ${r.successors}`, outcome: "slower" });
  }
  return {
    $schema: SCHEMA,
    title: { text: `Chord with failed nodes, no stabilisation (N = ${peers.toLocaleString("en-US")})`, subtitle: "lookups that fail (solid) or find the key later than on the intact ring (dashed)" },
    width: 560,
    height: 320,
    data: { values: data },
    mark: { type: "line", point: true, strokeWidth: 2 },
    encoding: {
      x: { field: "churn", type: "quantitative", title: "fraction of nodes failed", axis: { format: ".0%" } },
      y: { field: "fraction", type: "quantitative", title: "fraction of lookups", axis: { format: ".0%" } },
      color: { field: "r", type: "nominal", title: "successor list" },
      // the subtitle says which dash is which: a dash legend beside the colour one rendered without symbols here
      strokeDash: { field: "outcome", type: "nominal", title: null, scale: { domain: ["failed", "slower"], range: [[1, 0], [5, 4]] }, legend: null },
    },
  } as vl.TopLevelSpec;
}
