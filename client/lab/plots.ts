// The lab's plots as Vega-Lite specs, rendered headless to SVG (vega) and PNG (resvg). Layer: client/lab (Node).
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { Resvg } from "@resvg/resvg-js";
import * as vega from "vega";
import * as vl from "vega-lite";
import { clientServerBound, peerToPeerBound } from "./bounds";
import { MACHINE_CPU_LIMIT, PACING_GRANULARITY_MS } from "./machine";
import type { RunRecord } from "./records";
import { isResult, medianOf, points } from "./summary";

type Row = Record<string, string | number | null>;

const series = (r: RunRecord) => (r.mode === "cs" ? "cs" : `${r.mode} (${r.strategy})`);

/**
 * Distribution time against N: measured medians with min–max bars over the results (solid), simulated
 * (dashed), and the d_cs / d_p2p bounds (dotted).
 */
export function timeVsPeersSpec(records: readonly RunRecord[], title: string, subtitle: string): vl.TopLevelSpec {
  const ns = [...new Set(records.map((r) => r.peers))].sort((a, b) => a - b);
  const ref = records[0];
  const rows: Row[] = [];
  if (ref && ns.length > 0) {
    // a dense grid between the measured N so the bounds read as curves, not segments
    const max = ns[ns.length - 1]!;
    const min = ns[0]!;
    const grid = new Set<number>(ns);
    for (let i = 0; i <= 60; i++) grid.add(Math.max(1, Math.round(min * Math.pow(max / min, i / 60))));
    for (const n of [...grid].sort((a, b) => a - b)) {
      const c = { fileBits: ref.fileBytes * 8, serverUp: ref.serverUpBits, peerUp: ref.peerUpBits, peerDown: ref.peerDownBits, peers: n };
      rows.push({ peers: n, seconds: clientServerBound(c), series: "bound d_cs", kind: "bound" });
      rows.push({ peers: n, seconds: peerToPeerBound(c), series: "bound d_p2p", kind: "bound" });
    }
  }
  for (const p of points(records)) {
    if (!p.time) continue;
    rows.push({ peers: p.peers, seconds: p.time.median, low: p.time.min, high: p.time.max, series: p.series, kind: p.kind });
  }
  const logX = ns.length > 0 && ns[ns.length - 1]! / ns[0]! > 50;
  const x = { field: "peers", type: "quantitative" as const, title: "peers N", scale: logX ? { type: "log" as const } : {} };
  const y = { field: "seconds", type: "quantitative" as const, title: "distribution time (s)", scale: logX ? { type: "log" as const } : {} };
  const kinds = ["real", "sim", "bound"].filter((k) => rows.some((r) => r.kind === k));
  const dashes: Record<string, number[]> = { real: [1, 0], sim: [6, 4], bound: [2, 3] };
  const color = { field: "series", type: "nominal" as const, title: null };
  const strokeDash = { field: "kind", type: "nominal" as const, title: "line", scale: { domain: kinds, range: kinds.map((k) => dashes[k]!) } };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: title, subtitle },
    width: 560,
    height: 340,
    data: { values: rows },
    layer: [
      { mark: { type: "line", strokeWidth: 2 }, encoding: { x, y, color, strokeDash, detail: { field: "kind" } } },
      { transform: [{ filter: "datum.kind === 'real'" }], mark: { type: "rule", strokeWidth: 2 }, encoding: { x, y: { ...y, field: "low" }, y2: { field: "high" }, color } },
      { transform: [{ filter: "datum.kind === 'real'" }], mark: { type: "point", filled: true, size: 50 }, encoding: { x, y, color } },
    ],
  } as vl.TopLevelSpec;
}

/** Per series and N: median start-up and transfer stacked, against the bound (a tick). */
export function whereTimeGoesSpec(records: readonly RunRecord[]): vl.TopLevelSpec {
  const rows: Row[] = [];
  for (const p of points(records.filter((r) => r.kind === "real"))) {
    if (p.results.length === 0) continue;
    const startup = medianOf(p, (r) => r.startupSeconds) ?? 0;
    const total = p.time!.median;
    rows.push({ series: p.series, peers: p.peers, part: "start-up (first byte)", order: 1, seconds: startup, bound: p.bound });
    rows.push({ series: p.series, peers: p.peers, part: "transfer", order: 2, seconds: Math.max(0, total - startup), bound: p.bound });
  }
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: "Where the time goes: start-up and transfer (medians of the results) against the bound (black tick)" },
    data: { values: rows },
    facet: { column: { field: "series", type: "nominal", title: null } },
    spec: {
      width: 150,
      height: 260,
      layer: [
        {
          mark: "bar",
          encoding: {
            x: { field: "peers", type: "ordinal", title: "peers N", axis: { labelAngle: 0 } },
            y: { field: "seconds", type: "quantitative", title: "seconds", stack: "zero" },
            color: { field: "part", type: "nominal", title: null, scale: { domain: ["start-up (first byte)", "transfer"], range: ["#f58518", "#4c78a8"] }, legend: { labelLimit: 200 } },
            order: { field: "order" },
          },
        },
        { mark: { type: "tick", color: "black", thickness: 2, size: 18 }, encoding: { x: { field: "peers", type: "ordinal" }, y: { field: "bound", type: "quantitative" } } },
      ],
    },
  } as vl.TopLevelSpec;
}

/** CPU (cores) of every lab process and the whole machine over one run, and event-loop delay p99. */
export function cpuSpec(run: RunRecord): vl.TopLevelSpec {
  const rows: Row[] = (run.cpuSamples ?? []).map((s) => ({ t: s.t, role: s.role, cores: s.cpuShare, p99: s.eventLoopP99Ms }));
  const color = { field: "role", type: "nominal" as const, title: null };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: `The machine during ${seriesOf(run)}, N = ${run.peers}, repeat ${run.repeat + 1}`, subtitle: run.cpuLimited ? ["CPU-limited:", ...(run.cpuReasons ?? [])] : "not CPU-limited" },
    data: { values: rows },
    vconcat: [
      {
        width: 560,
        height: 200,
        layer: [
          { mark: { type: "line" }, encoding: { x: { field: "t", type: "quantitative", title: "time (s)" }, y: { field: "cores", type: "quantitative", title: "CPU (cores)" }, color } },
          // the machine's limit for a result: 80% of its cores
          { data: { values: [{ limit: MACHINE_CPU_LIMIT * (run.cpu?.cores ?? 2) }] }, mark: { type: "rule", strokeDash: [4, 3], color: "red" }, encoding: { y: { field: "limit", type: "quantitative" } } },
        ],
      },
      {
        width: 560,
        height: 140,
        transform: [{ filter: "datum.p99 !== null" }],
        layer: [
          { mark: { type: "line" }, encoding: { x: { field: "t", type: "quantitative", title: "time (s)" }, y: { field: "p99", type: "quantitative", title: "event-loop delay p99 (ms)" }, color } },
          { data: { values: [{ limit: PACING_GRANULARITY_MS }] }, mark: { type: "rule", strokeDash: [4, 3], color: "red" }, encoding: { y: { field: "limit", type: "quantitative" } } },
        ],
      },
    ],
  } as vl.TopLevelSpec;
}

/** Copies per piece among the leechers over time (min, mean and max), rarest vs sequential. */
export function pieceCopiesSpec(records: readonly RunRecord[]): vl.TopLevelSpec {
  const withDiversity = records.filter((r) => r.mode === "p2p" && r.repeat === 0 && r.diversity.length > 0);
  const kind = withDiversity.some((r) => r.kind === "real") ? "real" : "sim";
  const own = withDiversity.filter((r) => r.kind === kind);
  const maxN = Math.max(0, ...own.map((r) => r.peers));
  const rows: Row[] = [];
  for (const r of own.filter((r) => r.peers === maxN)) {
    for (const d of r.diversity) {
      rows.push({ seconds: d.t, copies: d.minCopies, measure: "rarest piece (min)", strategy: r.strategy });
      if (d.meanCopies !== undefined) rows.push({ seconds: d.t, copies: d.meanCopies, measure: "mean", strategy: r.strategy });
      if (d.maxCopies !== undefined) rows.push({ seconds: d.t, copies: d.maxCopies, measure: "most common piece (max)", strategy: r.strategy });
    }
  }
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: `Copies per piece among the ${maxN} leechers over time, p2p (${kind})`, subtitle: "sequential leaves the last pieces with no copy for most of the run" },
    data: { values: rows },
    facet: { column: { field: "strategy", type: "nominal", title: null } },
    spec: {
      width: 300,
      height: 240,
      mark: { type: "line" },
      encoding: {
        x: { field: "seconds", type: "quantitative", title: "time (s)" },
        y: { field: "copies", type: "quantitative", title: "copies per piece" },
        color: { field: "measure", type: "nominal", title: null, scale: { domain: ["most common piece (max)", "mean", "rarest piece (min)"], range: ["#9ecae9", "#4c78a8", "#e45756"] }, legend: { labelLimit: 220 } },
      },
    },
  } as vl.TopLevelSpec;
}

const seriesOf = (r: RunRecord) => (r.mode === "cs" ? "cs" : `${r.mode}/${r.strategy}`);

/** Fraction of peers done against time, one line per mode at the largest N measured. */
export function completionCdfSpec(records: readonly RunRecord[]): vl.TopLevelSpec {
  const kind = records.some((r) => r.kind === "real") ? "real" : "sim";
  const runs = records.filter((r) => r.kind === kind && r.peerRecords.length > 0 && (kind === "sim" || isResult(r)));
  const maxN = Math.max(0, ...runs.map((r) => r.peers));
  const rows: Row[] = [];
  // every leecher of every result at the largest N, pooled over the repeats
  const bySeries = new Map<string, number[]>();
  for (const r of runs.filter((r) => r.peers === maxN)) {
    const times = r.peerRecords.map((p) => p.completionSeconds).filter((t): t is number => t !== null);
    bySeries.set(series(r), [...(bySeries.get(series(r)) ?? []), ...times]);
  }
  for (const [name, times] of bySeries) {
    times.sort((a, b) => a - b);
    times.forEach((t, i) => rows.push({ seconds: t, fraction: (i + 1) / times.length, series: name }));
  }
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: `Per-peer completion CDF (N = ${maxN}, every leecher of every result)`,
    width: 560,
    height: 300,
    data: { values: rows },
    mark: { type: "line", interpolate: "step-after", point: true },
    encoding: {
      x: { field: "seconds", type: "quantitative", title: "completion time (s)" },
      y: { field: "fraction", type: "quantitative", title: "fraction of peers done", scale: { domain: [0, 1] } },
      color: { field: "series", type: "nominal", title: null },
    },
  } as vl.TopLevelSpec;
}

/** Bytes the server uploaded against bytes peers exchanged, per mode and N. */
export function serverVsPeerBytesSpec(records: readonly RunRecord[]): vl.TopLevelSpec {
  const rows: Row[] = [];
  const kind = records.some((r) => r.kind === "real") ? "real" : "sim";
  for (const p of points(records.filter((r) => r.kind === kind && r.peers <= 64 && (r.mode === "cs" || r.strategy === "rarest")))) {
    const pool = kind === "sim" ? { ...p, results: p.runs } : p;
    rows.push({ peers: p.peers, mode: p.mode, source: "server", MiB: (medianOf(pool, (r) => r.serverBytes) ?? 0) / 2 ** 20 });
    rows.push({ peers: p.peers, mode: p.mode, source: "peers", MiB: (medianOf(pool, (r) => r.peerBytes) ?? 0) / 2 ** 20 });
  }
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: "Who uploaded: server vs peers (rarest-first where it applies)",
    data: { values: rows },
    mark: "bar",
    encoding: {
      column: { field: "mode", type: "nominal", title: null },
      x: { field: "peers", type: "ordinal", title: "peers N" },
      y: { field: "MiB", type: "quantitative", title: "MiB uploaded", stack: "zero" },
      color: { field: "source", type: "nominal", title: null },
    },
    width: 180,
    height: 280,
  } as vl.TopLevelSpec;
}

export async function renderSvg(spec: vl.TopLevelSpec): Promise<string> {
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: "none" });
  const svg = await view.toSVG();
  view.finalize();
  return svg;
}

export function svgToPng(svg: string): Uint8Array {
  return new Resvg(svg, { background: "white", font: { loadSystemFonts: true }, fitTo: { mode: "zoom", value: 2 } }).render().asPng();
}

/** Writes NAME.svg, NAME.png and NAME.vl.json (the spec, to restyle or re-render) into `dir`. */
export async function writePlot(dir: string, name: string, spec: vl.TopLevelSpec): Promise<string[]> {
  const svg = await renderSvg(spec);
  await writeFile(path.join(dir, `${name}.svg`), svg);
  await writeFile(path.join(dir, `${name}.png`), svgToPng(svg));
  await writeFile(path.join(dir, `${name}.vl.json`), JSON.stringify(spec, null, 2));
  return [`${name}.svg`, `${name}.png`];
}
