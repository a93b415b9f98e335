// The lab's plots as Vega-Lite specs, rendered headless to SVG (vega) and PNG (resvg). Layer: client/lab (Node).
import { writeFile } from "node:fs/promises";
import path from "node:path";
import { Resvg } from "@resvg/resvg-js";
import * as vega from "vega";
import * as vl from "vega-lite";
import { clientServerBound, peerToPeerBound } from "./bounds";
import type { RunRecord } from "./records";

type Row = Record<string, string | number | null>;

const series = (r: RunRecord) => (r.mode === "cs" ? "cs" : `${r.mode} (${r.strategy})`);

/** Distribution time against N: measured points (solid), simulated (dashed), and the d_cs / d_p2p bounds (dotted). */
export function timeVsPeersSpec(records: readonly RunRecord[], title: string, subtitle: string): vl.TopLevelSpec {
  const valid = records.filter((r) => r.distributionSeconds !== null && Number.isFinite(r.distributionSeconds));
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
  for (const r of valid) rows.push({ peers: r.peers, seconds: r.distributionSeconds, series: series(r), kind: r.kind });
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
      { transform: [{ filter: "datum.kind === 'real'" }], mark: { type: "point", filled: true }, encoding: { x, y, color } },
    ],
  } as vl.TopLevelSpec;
}

/** Fraction of peers done against time, one line per mode at the largest N measured. */
export function completionCdfSpec(records: readonly RunRecord[]): vl.TopLevelSpec {
  const kind = records.some((r) => r.kind === "real") ? "real" : "sim";
  const runs = records.filter((r) => r.kind === kind && r.peerRecords.length > 0);
  const maxN = Math.max(0, ...runs.map((r) => r.peers));
  const rows: Row[] = [];
  for (const r of runs.filter((r) => r.peers === maxN && r.repeat === 0)) {
    const times = r.peerRecords.map((p) => p.completionSeconds).filter((t): t is number => t !== null).sort((a, b) => a - b);
    times.forEach((t, i) => rows.push({ seconds: t, fraction: (i + 1) / r.peers, series: series(r) }));
  }
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: `Per-peer completion CDF (N = ${maxN})`,
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
  for (const r of records.filter((r) => r.kind === kind && r.repeat === 0 && r.peers <= 64 && (r.mode === "cs" || r.strategy === "rarest"))) {
    rows.push({ peers: r.peers, mode: r.mode, source: "server", MiB: r.serverBytes / 2 ** 20 });
    rows.push({ peers: r.peers, mode: r.mode, source: "peers", MiB: r.peerBytes / 2 ** 20 });
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

/** Distinct pieces held by the leechers over time, rarest vs sequential (p2p at the largest N). */
export function diversitySpec(records: readonly RunRecord[]): vl.TopLevelSpec {
  const withDiversity = records.filter((r) => r.mode === "p2p" && r.repeat === 0 && r.diversity.length > 0);
  const maxN = Math.max(0, ...withDiversity.map((r) => r.peers));
  const rows: Row[] = [];
  for (const r of withDiversity.filter((r) => r.peers === maxN)) {
    for (const d of r.diversity) rows.push({ seconds: d.t, fraction: d.distinct / r.pieces, minCopies: d.minCopies, series: `${r.strategy} (${r.kind})` });
  }
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: `Piece diversity over time, p2p, N = ${maxN}: pieces held by some leecher`,
    width: 560,
    height: 300,
    data: { values: rows },
    mark: { type: "line" },
    encoding: {
      x: { field: "seconds", type: "quantitative", title: "time (s)" },
      y: { field: "fraction", type: "quantitative", title: "fraction of pieces held by ≥ 1 leecher", scale: { domain: [0, 1] } },
      color: { field: "series", type: "nominal", title: null },
    },
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
