// `npm run lab -- --incentives`: free riders and the seed leaving (issue 14, part two) on real peers at small
// N and in the simulator beyond; writes incentives.json, report.md and plots into --out.
// Layer: client/lab (Node entry point: files, processes).
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import type * as vl from "vega-lite";
import { labEnvironment } from "./environment";
import {
  freeRiderCount,
  freeRiderRowFromRecord,
  freeRiderRowFromSim,
  renderIncentivesReport,
  transientRowFromRecord,
  transientRowFromSim,
  uploadRates,
  type FreeRiderRow,
  type IncentiveResults,
  type IncentiveSettings,
  type TransientRow,
} from "./incentives";
import { median } from "./measures";
import { writePlot } from "./plots";
import { ANNOUNCE_INTERVAL_SECONDS, startRealLab } from "./real-lab";
import { runReal } from "./real-run";
import { simulate, type SimConfig } from "./simulator";

export type IncentiveOptions = Omit<IncentiveSettings, "server"> & {
  out: string;
  simulateOnly: boolean;
  perHost: number;
  nice: number;
  seed: number;
  server?: string;
  labKey?: string;
  /** No runs: re-render report.md and the plots from an incentives.json. */
  from?: string;
};

export async function runIncentivesCommand(o: IncentiveOptions): Promise<void> {
  const started = Date.now();
  const out = path.resolve(o.out);
  await mkdir(out, { recursive: true });
  if (o.from) return writeIncentiveOutputs(out, JSON.parse(await readFile(o.from, "utf8")) as IncentiveResults);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const freeRiders: FreeRiderRow[] = [];
  const transient: TransientRow[] = [];
  const startups: number[] = [];
  let server = "none (simulation)";
  const base = { fileBytes: o.fileBytes, pieceBytes: o.pieceBytes, serverUp: o.serverUp, peerUp: o.peerUp, peerDown: o.peerDown };

  if (!o.simulateOnly && o.realPeers) {
    const N = o.realPeers;
    const lab = await startRealLab({ leechers: N, seed: true, perHost: o.perHost, nice: o.nice, server: o.server, labKey: o.labKey, log });
    server = lab.server;
    try {
      for (let r = 0; r < o.repeat; r++) {
        for (const fraction of o.fractions) {
          const k = freeRiderCount(N, fraction);
          const record = await runReal({ mode: "p2p", strategy: "rarest", peers: N, repeat: r, ...base, freeRiders: k }, lab.ctx);
          if (record.startupSeconds) startups.push(record.startupSeconds);
          const row = freeRiderRowFromRecord(record);
          freeRiders.push(row);
          log(`incentives: N=${N}, ${k} free riders #${r + 1}: contributors ${row.contributorSeconds?.toFixed(1) ?? "–"} s (bound ${row.contributorBound.toFixed(1)} s), free riders ${row.freeRiderSeconds?.toFixed(1) ?? "–"} s${row.result ? "" : ` — not a result: ${row.why.join("; ")}`}`);
        }
        for (const strategy of ["rarest", "sequential"] as const) {
          const record = await runReal({ mode: "p2p", strategy, peers: N, repeat: r, ...base, seedLeavesAfterCopies: 1 }, { ...lab.ctx, minTimeoutSeconds: 120 });
          const row = transientRowFromRecord(record);
          transient.push(row);
          log(`incentives: N=${N}, ${strategy}, seed leaves after one copy #${r + 1}: ${row.survivingAtDeparture ?? "–"}/${row.pieces} pieces survived, ${row.completed} of ${N} done${row.result ? "" : ` — not a result: ${row.why.join("; ")}`}`);
        }
      }
    } finally {
      await lab.close();
    }
  }

  // the simulator beyond: the same capacities, the start-up measured above (else 0.5 s)
  const startup = median(startups) ?? 0.5;
  const simBase = (peers: number, seed: number): SimConfig => ({
    mode: "p2p",
    strategy: "rarest",
    peers,
    fileBits: o.fileBytes * 8,
    pieceBits: o.pieceBytes * 8,
    serverUp: o.serverUp,
    peerUp: o.peerUp,
    peerDown: o.peerDown,
    announceSeconds: ANNOUNCE_INTERVAL_SECONDS,
    startupSeconds: Math.max(0, startup - 0.2),
    connectSeconds: 0.2,
    hotswap: "never", // client/lib's rule, as the real peers
    seed,
  });
  for (const n of o.simPeers) {
    for (let r = 0; r < o.repeat; r++) {
      for (const fraction of o.fractions) {
        const k = freeRiderCount(n, fraction);
        const result = simulate({ ...simBase(n, o.seed + r), peerUp: uploadRates(n, o.peerUp, k) });
        freeRiders.push(freeRiderRowFromSim(result, k, r));
      }
      for (const strategy of ["rarest", "sequential"] as const) {
        const config = { ...simBase(n, o.seed + r), strategy, originLeavesAfterCopies: 1 };
        const result = simulate({ ...config, maxSeconds: 20 * (o.fileBytes * 8) / o.serverUp });
        transient.push(transientRowFromSim(result, r));
      }
    }
    log(`incentives: simulated N=${n}`);
  }

  const settings: IncentiveSettings = { ...base, realPeers: o.simulateOnly ? null : o.realPeers, simPeers: o.simPeers, fractions: o.fractions, repeat: o.repeat, server };
  await writeIncentiveOutputs(out, { settings, environment: labEnvironment(started), freeRiders, transient });
}

async function writeIncentiveOutputs(out: string, results: IncentiveResults): Promise<void> {
  const { freeRiders, transient } = results;
  const plots: string[] = [];
  plots.push(...(await writePlot(out, "free-rider-cdf", freeRiderCdfSpec(freeRiders))));
  plots.push(...(await writePlot(out, "free-rider-slowdown", freeRiderSlowdownSpec(freeRiders))));
  plots.push(...(await writePlot(out, "transient-state", transientSpec(transient))));
  const round = (_key: string, v: unknown) => (typeof v === "number" && Number.isFinite(v) && !Number.isInteger(v) ? Number(v.toPrecision(6)) : v);
  await writeFile(path.join(out, "incentives.json"), JSON.stringify(results, round, 1));
  await writeFile(path.join(out, "report.md"), renderIncentivesReport(results, plots));
  process.stdout.write(`lab: wrote ${path.relative(process.cwd(), out) || "."}/report.md, incentives.json and ${plots.length} plot files\n`);
}

type Row = Record<string, string | number | null>;

/** Completion CDFs of contributors and free riders, per free-rider share, real (pooled results) and simulated. */
function freeRiderCdfSpec(rows: readonly FreeRiderRow[]): vl.TopLevelSpec {
  const data: Row[] = [];
  const groups = new Map<string, { label: string; share: string; who: string; times: number[] }>();
  for (const r of rows.filter((x) => x.result)) {
    for (const c of r.completions) {
      const label = `${r.kind}, N = ${r.peers}`;
      const share = `${Math.round((r.freeRiders / r.peers) * 100)}% free riders`;
      const who = c.freeRider ? "free riders" : "contributors";
      const key = `${label}|${share}|${who}`;
      const g = groups.get(key) ?? { label, share, who, times: [] };
      g.times.push(c.seconds ?? Infinity);
      groups.set(key, g);
    }
  }
  for (const g of groups.values()) {
    g.times.sort((a, b) => a - b);
    g.times.forEach((t, i) => Number.isFinite(t) && data.push({ swarm: g.label, share: g.share, who: g.who, seconds: t, fraction: (i + 1) / g.times.length }));
  }
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: "Who finishes when: contributors vs free riders", subtitle: "fraction of each group done over time; free riders only get what optimistic unchokes and idle slots leave them" },
    data: { values: data },
    facet: { row: { field: "swarm", type: "nominal", title: null }, column: { field: "share", type: "nominal", title: null } },
    resolve: { scale: { x: "independent" } },
    spec: {
      width: 220,
      height: 160,
      mark: { type: "line", interpolate: "step-after" },
      encoding: {
        x: { field: "seconds", type: "quantitative", title: "time (s)" },
        y: { field: "fraction", type: "quantitative", title: "fraction done", scale: { domain: [0, 1] } },
        color: { field: "who", type: "nominal", title: null, scale: { domain: ["contributors", "free riders"], range: ["#4c78a8", "#e45756"] } },
      },
    },
  } as vl.TopLevelSpec;
}

/** Last contributor and last free rider done, over the contributors' bound, against the free-rider share. */
function freeRiderSlowdownSpec(rows: readonly FreeRiderRow[]): vl.TopLevelSpec {
  const data: Row[] = [];
  for (const r of rows.filter((x) => x.result)) {
    const swarm = `${r.kind}, N = ${r.peers}`;
    const share = Math.round((r.freeRiders / r.peers) * 100);
    if (r.contributorSeconds !== null) data.push({ swarm, share, who: "contributors", ratio: r.contributorSeconds / r.contributorBound });
    if (r.freeRiderSeconds !== null) data.push({ swarm, share, who: "free riders", ratio: r.freeRiderSeconds / r.contributorBound });
  }
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: "Time to the last contributor / last free rider, over the contributors' own bound", subtitle: "median and min–max over repeats; 1 = the contributors' bound" },
    data: { values: data },
    facet: { column: { field: "swarm", type: "nominal", title: null } },
    spec: {
      width: 200,
      height: 240,
      layer: [
        { mark: { type: "line", point: true }, encoding: { x: { field: "share", type: "ordinal", title: "free riders (% of leechers)", axis: { labelAngle: 0 } }, y: { aggregate: "median", field: "ratio", type: "quantitative", title: "time / contributors' bound", scale: { zero: false } }, color: { field: "who", type: "nominal", title: null, scale: { domain: ["contributors", "free riders"], range: ["#4c78a8", "#e45756"] } } } },
        { mark: { type: "rule" }, encoding: { x: { field: "share", type: "ordinal" }, y: { aggregate: "min", field: "ratio", type: "quantitative" }, y2: { aggregate: "max", field: "ratio" }, color: { field: "who", type: "nominal" } } },
        { data: { values: [{ one: 1 }] }, mark: { type: "rule", strokeDash: [4, 3], color: "gray" }, encoding: { y: { field: "one", type: "quantitative" } } },
      ],
    },
  } as vl.TopLevelSpec;
}

/** Distinct pieces among the leechers when the seed left after one copy, rarest vs sequential, by N. */
function transientSpec(rows: readonly TransientRow[]): vl.TopLevelSpec {
  const groups = new Map<string, TransientRow[]>();
  for (const r of rows.filter((x) => x.result && x.survivingAtDeparture !== null)) {
    const key = `${r.kind}|${r.peers}|${r.strategy}`;
    groups.set(key, [...(groups.get(key) ?? []), r]);
  }
  const data: Row[] = [...groups.values()].map((g) => {
    const shares = g.map((r) => r.survivingAtDeparture! / r.pieces);
    return { swarm: `${g[0]!.kind}, N = ${g[0]!.peers}`, strategy: g[0]!.strategy, share: median(shares), low: Math.min(...shares), high: Math.max(...shares) };
  });
  const x = { field: "strategy", type: "nominal" as const, title: null, axis: { labelAngle: 0 } };
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title: { text: "The seed leaves after uploading one copy: pieces still among the leechers", subtitle: "median and min–max over repeats; below 100% nobody can finish" },
    data: { values: data },
    facet: { column: { field: "swarm", type: "nominal", title: null, sort: { field: "swarm" } } },
    spec: {
      width: 120,
      height: 240,
      layer: [
        { mark: { type: "bar" }, encoding: { x, y: { field: "share", type: "quantitative", title: "pieces surviving", scale: { domain: [0, 1] }, axis: { format: "%" } }, color: { field: "strategy", type: "nominal", title: null, legend: null } } },
        { mark: { type: "rule", color: "black" }, encoding: { x, y: { field: "low", type: "quantitative" }, y2: { field: "high" } } },
      ],
    },
  } as vl.TopLevelSpec;
}
