// report.md from the lab's records: goals, medians and spread per point, the runs that are not results (CPU-
// limited, invalid) with their reasons, where the time goes (start-up, utilisation, cap waits, redundancy,
// tail), the machine, simulator vs real, the textbook case, rarest vs sequential and the endgame question.
// Layer: client/lab, pure TypeScript.
import { formatBytes } from "../lib/index";
import type { LabEnvironment } from "./environment";
import type { RunRecord } from "./records";
import { checkGoals, isResult, medianOf, points, seriesLabel, spread, type Point } from "./summary";
import { markdownReport } from "./markdown";
import { formatRate } from "./units";

export { checkGoals } from "./summary";
export type { GoalCheck } from "./summary";
export type { LabEnvironment } from "./environment";

export type LabSettings = {
  fileBytes: number;
  pieceBytes: number;
  serverUp: number;
  peerUp: number;
  peerDown: number;
  peers: number[];
  modes: string[];
  strategies: string[];
  repeat: number;
  server: string;
  simulateOnly: boolean;
  simPeers: number[];
  announceIntervalSeconds: number | null;
  /** Leechers per peer host process and the hosts' niceness (issue 13). */
  perHost?: number;
  nice?: number;
};

/**
 * Endgame and hot-swap rules compared in the simulator (p2p, rarest) at the lab's settings, median of seeds:
 * without (our peers: no hot-swap) / with an endgame (hot-swaps once no block is left unrequested), and
 * webtorrent's own rule (hot-swap always).
 */
export type EndgameComparison = {
  peers: number;
  withoutSeconds: number | null;
  withSeconds: number | null;
  maxTailWithout: number | null;
  maxTailWith: number | null;
  /** Added by issue 13: redundant share without and with, and webtorrent's hot-swap-always rule. */
  redundantWithout?: number | null;
  redundantWith?: number | null;
  alwaysSeconds?: number | null;
  maxTailAlways?: number | null;
  redundantAlways?: number | null;
};

/** The textbook case (F/u = 1 h, u_s = 10u, d unlimited) in the simulator. */
export type TextbookRow = { peers: number; pieces: number; seconds: number | null; bound: number; ratio: number | null; redundant: number };

const fmt = (v: number | null | undefined, digits = 2) => (v === null || v === undefined || !Number.isFinite(v) ? "–" : v.toFixed(digits));
const pct = (v: number | null | undefined, digits = 0) => (v === null || v === undefined || !Number.isFinite(v) ? "–" : `${(v * 100).toFixed(digits)}%`);
const spreadText = (s: { median: number; min: number; max: number; n: number } | null, digits = 2, suffix = "") =>
  s === null ? "–" : s.n === 1 ? `${s.median.toFixed(digits)}${suffix}` : `${s.median.toFixed(digits)}${suffix} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;

export function renderReport(input: {
  settings: LabSettings;
  environment: LabEnvironment;
  records: readonly RunRecord[];
  endgame: EndgameComparison[];
  textbook?: TextbookRow[];
  plots: string[];
}): string {
  const { settings: s, environment: e, records } = input;
  const real = records.filter((r) => r.kind === "real");
  const sim = records.filter((r) => r.kind === "sim");
  const { lines, table, plot } = markdownReport(input.plots);

  lines.push("# edgeswarm lab report", "");
  lines.push(
    `File ${formatBytes(s.fileBytes, { trimZeros: true })} in ${formatBytes(s.pieceBytes, { trimZeros: true })} pieces; server upload u_s = ${formatRate(s.serverUp)}, ` +
      `peer upload u = ${formatRate(s.peerUp)}, peer download d = ${formatRate(s.peerDown)}. ` +
      (s.simulateOnly
        ? `Simulation only, N = ${s.simPeers.join(", ")}.`
        : `Real peers N = ${s.peers.join(", ")}; modes ${s.modes.join(", ")}; strategies ${s.strategies.join(", ")}; ${s.repeat} repeat(s) per point` +
          (s.perHost ? `; ${s.perHost} leechers per peer host process (nice ${s.nice ?? 0}), the seed in its own` : "") +
          "."),
    "",
    `Ran ${e.startedAt} for ${e.durationSeconds.toFixed(0)} s on Node ${e.node}, ${e.cpus} CPUs (${e.platform}); load average at the end ${e.loadAverage.map((l) => l.toFixed(2)).join(" / ")}. ` +
      `Central server: ${s.server}${s.announceIntervalSeconds ? `, tracker announce interval ${s.announceIntervalSeconds} s` : ""}.`,
    "",
  );
  if (real.length > 0) {
    lines.push(
      "A run is a **result** when every cap held (bytes since the start ≤ cap·t, checked sample by sample with the counters' slack), it did not beat its bound, " +
        "and the machine kept up: no lab process's event-loop delay p99 above the 50 ms pacing granularity and the whole machine below 80% of cores × wall time. " +
        "Invalid and CPU-limited runs are listed apart with their reasons and never enter medians, goals or the simulator's error.",
      "",
    );
  }

  const kind = real.length > 0 ? "real" : "sim";
  lines.push(`## Goals (${kind === "real" ? "real peers" : "simulator"})`, "");
  table(
    ["goal", "met", "measured"],
    checkGoals(records, kind).map((g) => [g.goal, g.met === null ? "n/a" : g.met ? "yes" : "**no**", g.detail]),
  );

  if (real.length > 0) renderReal(real, lines, table, s);
  plot("time-vs-peers", "distribution time vs N");
  if (real.length > 0) {
    plot("where-time-goes", "where the time goes");
    plot("cpu", "CPU over time");
  }

  if (sim.length > 0) {
    lines.push("## Simulated swarm", "");
    lines.push(
      "The block-level simulator (client/lab/simulator.ts: webtorrent's 16 KiB requests and pipelines, rarest-first or sequential, rechoke and optimistic unchoke, hot-swap, HAVE delay, the web seed's request window) for N past what one machine runs, at the same capacities, with the start-up measured in the real runs (or 0.5 s).",
      "",
    );
    const ns = [...new Set(sim.map((r) => r.peers))].sort((a, b) => a - b);
    const series = [...new Set(sim.map(seriesLabel))];
    table(
      ["N", "d_cs (s)", "d_p2p (s)", ...series.map((x) => `${x} (s)`), "p2p/rarest redundant"],
      ns.map((n) => {
        const any = sim.find((r) => r.peers === n)!;
        const rarest = sim.find((q) => q.peers === n && seriesLabel(q) === "p2p/rarest");
        return [
          n,
          fmt(any.dcs),
          fmt(any.dp2p),
          ...series.map((x) => {
            const r = sim.find((q) => q.peers === n && seriesLabel(q) === x && q.repeat === 0);
            return r ? `${fmt(r.distributionSeconds)}${r.ratio !== null ? ` (${r.ratio.toFixed(2)}×)` : ""}` : "–";
          }),
          pct(rarest?.redundantShare, 1),
        ];
      }),
    );
    plot("time-vs-peers-simulated", "simulated distribution time vs N");
  }

  if (input.textbook && input.textbook.length > 0) {
    lines.push("## The textbook case", "");
    lines.push(
      "Kurose & Ross's example scaled to webtorrent's rules: F/u = 1 hour, u_s = 10u, downloads unlimited, p2p with rarest-first, one block per piece. Timers (5 s announces, 10 s rechokes) are small against the hour, so what remains is the protocol's piece granularity: with enough pieces the swarm approaches d_p2p.",
      "",
    );
    table(
      ["N", "pieces", "d_p2p (h)", "simulated (h)", "ratio", "redundant"],
      input.textbook.map((t) => [t.peers, t.pieces, fmt(t.bound / 3600, 3), fmt(t.seconds === null ? null : t.seconds / 3600, 3), fmt(t.ratio, 3), pct(t.redundant, 1)]),
    );
  }

  const diversityRuns = records.filter((r) => r.mode === "p2p" && r.repeat === 0 && (r.kind === "real" || r.peers <= 1000) && r.peers > 1);
  if (diversityRuns.length > 0) {
    lines.push("## Rarest-first vs sequential: the transient state", "");
    lines.push(
      "Legout et al.'s transient state: the time until the seed has uploaded one full copy, and how many distinct pieces the leechers hold then — what survives if the seed leaves at that moment. Copies per piece over time (min/mean/max) are in the plot below.",
      "",
    );
    const pts = points(records.filter((r) => r.mode === "p2p" && r.peers > 1));
    table(
      ["kind", "strategy", "N", "one copy sent at (s)", "pieces surviving", "of", "max tail (s)", "time (s)"],
      pts.map((p) => {
        const pool = p.results.length > 0 ? p.results : p.runs;
        return [
          p.kind,
          p.strategy,
          p.peers,
          fmt(median(pool.map((r) => r.oneCopySeconds))),
          fmt(median(pool.map((r) => r.survivingAfterOneCopy)), 0),
          pool[0]!.pieces,
          fmt(median(pool.map((r) => r.maxTailSeconds))),
          spreadText(spread(pool.map((r) => r.distributionSeconds).filter((t): t is number => t !== null))),
        ];
      }),
    );
    plot("piece-copies", "copies per piece over time");
  }

  if (input.endgame.length > 0) {
    lines.push("## Endgame: would it pay?", "");
    lines.push(
      "webtorrent has no endgame (its line is commented out) but hot-swaps: a wire that cannot fill its pipeline takes blocks reserved by a wire under 3 blocks/s and at most half as fast; the slow wire's requests stay out, so those blocks arrive twice. " +
        "edgeswarm's peers (client/lib/hotswap.ts) do not hot-swap. Simulated here at the lab's settings (median of 3 seeds): no hot-swap, hot-swaps only in the endgame (once no block is left unrequested: the classic endgame, duplicate requests for the last blocks), and webtorrent's rule (always).",
      "",
    );
    table(
      ["N", "no hot-swap (s)", "tail (s)", "redundant", "endgame hot-swaps (s)", "tail (s)", "redundant", "webtorrent's hot-swaps (s)", "tail (s)", "redundant"],
      input.endgame.map((g) => [
        g.peers,
        fmt(g.withoutSeconds),
        fmt(g.maxTailWithout),
        pct(g.redundantWithout, 1),
        fmt(g.withSeconds),
        fmt(g.maxTailWith),
        pct(g.redundantWith, 1),
        fmt(g.alwaysSeconds),
        fmt(g.maxTailAlways),
        pct(g.redundantAlways, 1),
      ]),
    );
    if (real.length > 0) {
      const tails = points(real.filter((r) => r.mode !== "cs" && r.peers > 1)).filter((p) => p.results.length > 0);
      const shares = tails.flatMap((p) => p.results.map((r) => (r.maxTailSeconds ?? 0) / (r.distributionSeconds ?? Infinity))).filter((x) => Number.isFinite(x));
      const share = median(shares);
      lines.push(
        `Measured tails (95% → 100% of the pieces, the slowest leecher) in the real results${share === null ? "" : `: the last 5% of the pieces take ${pct(share)} of the run (median) — in proportion, no stalled end for an endgame to cut`}:`,
        "",
      );
      table(
        ["series", "N", "max tail (s)", "share of the run", "redundant"],
        tails.map((p) => [p.series, p.peers, fmt(medianOf(p, (r) => r.maxTailSeconds)), pct(medianOf(p, (r) => (r.maxTailSeconds ?? 0) / (r.distributionSeconds ?? Infinity))), pct(medianOf(p, (r) => r.redundantShare), 1)]),
      );
    }
  }

  if (input.plots.length > 0) {
    lines.push("## More plots", "");
    for (const [name, caption] of [
      ["completion-cdf", "completion CDF"],
      ["server-vs-peer-bytes", "who uploaded"],
    ] as const)
      plot(name, caption);
  }
  lines.push("Reproduce: `npm run lab` (see `npm run lab -- --help`); raw data in results.json and results.csv; re-render with `npm run lab -- --from results.json --out DIR`.", "");
  return lines.join("\n");
}

function median(values: readonly (number | null | undefined)[]): number | null {
  const s = spread(values.filter((v): v is number => v !== null && v !== undefined));
  return s ? s.median : null;
}

function renderReal(real: RunRecord[], lines: string[], table: (head: string[], rows: (string | number)[][]) => void, s: LabSettings): void {
  const pts = points(real);
  const ns = [...new Set(pts.map((p) => p.peers))].sort((a, b) => a - b);
  const seriesNames = [...new Set(pts.map((p) => p.series))];
  const at = (series: string, n: number) => pts.find((p) => p.series === series && p.peers === n);

  lines.push("## Distribution time, real peers", "");
  lines.push(
    `Time = start of the leechers → last leecher holding the whole file: median over the results (min–max), and measured/bound (d_cs for cs, d_p2p otherwise). ${s.repeat} repeat(s) per point; a point with fewer results lost runs to the lists below.`,
    "",
  );
  table(
    ["N", "d_cs (s)", "d_p2p (s)", ...seriesNames.map((x) => `${x} (s)`), ...seriesNames.map((x) => `${x} ×bound`)],
    ns.map((n) => {
      const any = pts.find((p) => p.peers === n)!.runs[0]!;
      return [
        n,
        fmt(any.dcs),
        fmt(any.dp2p),
        ...seriesNames.map((x) => {
          const p = at(x, n);
          return p ? `${spreadText(p.time)}${p.results.length < p.runs.length ? ` [${p.results.length}/${p.runs.length}]` : ""}` : "–";
        }),
        ...seriesNames.map((x) => spreadText(at(x, n)?.ratio ?? null, 3, "×")),
      ];
    }),
  );

  const notResults = real.filter((r) => !isResult(r));
  lines.push("## Runs that are not results", "");
  if (notResults.length === 0) lines.push("None: every run held its caps, respected its bound and ran on a machine that kept up.", "");
  else
    table(
      ["series", "N", "rep", "time (s)", "why"],
      notResults.map((r) => [
        seriesLabel(r),
        r.peers,
        r.repeat,
        fmt(r.distributionSeconds),
        [...(r.valid ? [] : [`invalid: ${r.problems.join("; ")}`]), ...(r.cpuLimited ? [`CPU-limited: ${(r.cpuReasons ?? []).join("; ")}`] : [])].join(" — "),
      ]),
    );

  lines.push("## Where the time goes", "");
  lines.push(
    "Medians over each point's results. Start-up = time to a leecher's first payload byte (client, tracker, WebRTC or HTTP set-up), transfer = the rest. " +
      "Utilisation = useful bytes delivered (pieces verified) between the first byte and 90% of N·F, over what a run at its bound delivers in that time (N·F/bound per second). " +
      "Server and peer columns: upload over cap × run time, and the share of the run the cap had data waiting and no tokens (the cap binding; the rest of the time nothing was asked of it). " +
      "Redundant = payload received beyond N·F (blocks received twice). Tail = 95% → 100% of the pieces, slowest leecher. " +
      "A point without results shows its other runs, marked, for diagnosis only.",
    "",
  );
  table(
    ["series", "N", "start-up (s)", "transfer (s)", "utilisation", "server up / u_s·T", "server cap waiting", "peer up / u·T", "peer cap waiting", "redundant", "tail (s)"],
    pts
      .map((p) => (p.results.length > 0 ? { ...p, marked: false } : { ...p, results: p.runs.filter((r) => r.distributionSeconds !== null), marked: true }))
      .filter((p) => p.results.length > 0)
      .map((p) => [
        p.marked ? `${p.series} (not results)` : p.series,
        p.peers,
        fmt(medianOf(p, (r) => r.startupSeconds)),
        fmt(medianOf(p, (r) => r.transferSeconds)),
        pct(medianOf(p, (r) => r.utilisation)),
        pct(medianOf(p, (r) => r.serverUtilisation)),
        pct(medianOf(p, (r) => r.serverWaitShare)),
        pct(medianOf(p, (r) => r.peerUtilisation)),
        pct(medianOf(p, (r) => waitMean(r))),
        pct(medianOf(p, (r) => r.redundantShare), 1),
        fmt(medianOf(p, (r) => r.maxTailSeconds)),
      ]),
  );

  lines.push("## The machine", "");
  lines.push(
    "CPU per process over each run (cores: CPU seconds per wall second), medians over all runs of a point (results or not); event-loop delay p99 is the worst lab process's. The whole machine includes every other job on it.",
    "",
  );
  table(
    ["series", "N", "machine busy", "lab processes", "runner + proxy", "worker", "seed host", "peer hosts (sum)", "worst event-loop p99 (ms)", "CPU-limited runs"],
    pts.map((p) => {
      const cpuOf = (role: (r: string) => boolean) => median(p.runs.map((r) => (r.cpu ? r.cpu.processes.filter((x) => role(x.role)).reduce((a, x) => a + x.cpuSeconds, 0) / Math.max(r.cpu.wallSeconds, 1e-9) : null)));
      return [
        p.series,
        p.peers,
        pct(median(p.runs.map((r) => r.cpu?.machineBusyShare ?? null))),
        pct(median(p.runs.map((r) => r.cpu?.labBusyShare ?? null))),
        fmt(cpuOf((x) => x === "runner + proxy")),
        fmt(cpuOf((x) => x === "worker")),
        fmt(cpuOf((x) => x === "seed host")),
        fmt(cpuOf((x) => x.startsWith("peer host"))),
        fmt(median(p.runs.map((r) => (r.cpu ? Math.max(0, ...r.cpu.processes.map((x) => x.eventLoopP99Ms ?? 0)) : null))), 0),
        `${p.runs.filter((r) => r.cpuLimited).length}/${p.runs.length}`,
      ];
    }),
  );

  const withError = real.filter((r) => isResult(r) && r.simError !== null && r.simError !== undefined && Number.isFinite(r.simError));
  if (withError.length > 0) {
    const mae = withError.reduce((a, r) => a + Math.abs(r.simError!), 0) / withError.length;
    lines.push("## Simulator vs real", "");
    lines.push(
      `Each result was simulated with the same F, pieces, u_s, u, d and N, and with its own measured start-up (median first byte), paid once per leecher. ` +
        `Mean |error| ${pct(mae, 1)} over ${withError.length} results; ${withError.filter((r) => Math.abs(r.simError!) <= 0.1).length} within 10%.`,
      "",
    );
    const bySeries = new Map<string, number[]>();
    for (const r of withError) bySeries.set(seriesLabel(r), [...(bySeries.get(seriesLabel(r)) ?? []), r.simError!]);
    table(
      ["series", "results", "mean error", "mean |error|", "worst"],
      [...bySeries].map(([m, xs]) => [m, xs.length, pct(xs.reduce((a, b) => a + b, 0) / xs.length, 1), pct(xs.reduce((a, b) => a + Math.abs(b), 0) / xs.length, 1), pct(xs.reduce((a, b) => (Math.abs(b) > Math.abs(a) ? b : a), 0), 1)]),
    );
  }

  lines.push("## Every run", "");
  table(
    ["series", "N", "rep", "time (s)", "ratio", "start-up (s)", "server MiB", "peer MiB", "redundant", "tracker msgs/peer", "directory ms", "sim (s)", "sim err", "result"],
    real.map((r) => [
      seriesLabel(r),
      r.peers,
      r.repeat,
      fmt(r.distributionSeconds),
      fmt(r.ratio, 3),
      fmt(r.startupSeconds),
      fmt(r.serverBytes / 2 ** 20),
      fmt(r.peerBytes / 2 ** 20),
      pct(r.redundantShare, 1),
      fmt(r.trackerMessagesPerPeer, 1),
      fmt(r.directoryLatencyMs, 0),
      fmt(r.simulatedSeconds),
      r.simError === null || r.simError === undefined ? "–" : pct(r.simError, 1),
      isResult(r) ? "yes" : !r.valid ? "invalid" : "CPU-limited",
    ]),
  );
}

/** Mean share of the run the leechers' upload caps had data waiting. */
function waitMean(r: RunRecord): number | null {
  const xs = r.peerRecords.map((p) => p.upWaitShare).filter((x): x is number => x !== null && x !== undefined);
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;
}

export type { Point };
