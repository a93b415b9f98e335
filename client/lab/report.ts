// report.md from the lab's records: goals, tables, simulator validation, rarest vs sequential, the tail.
// Layer: client/lab, pure TypeScript.
import { redundantBytes, type RunRecord } from "./records";
import { formatBytes } from "../lib/index";
import type { LabEnvironment } from "./environment";
import { formatRate } from "./units";

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
};

export type { LabEnvironment } from "./environment";

export type GoalCheck = { goal: string; met: boolean | null; detail: string };

/** Endgame on vs off in the simulator (p2p, rarest), to see whether adding one would pay. */
export type EndgameComparison = { peers: number; withoutSeconds: number | null; withSeconds: number | null; maxTailWithout: number | null; maxTailWith: number | null };

const fmt = (v: number | null | undefined, digits = 2) => (v === null || v === undefined || !Number.isFinite(v) ? "–" : v.toFixed(digits));
const label = (r: RunRecord) => (r.mode === "cs" ? "cs" : `${r.mode}/${r.strategy}`);

function mean(values: number[]): number | null {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : null;
}

/** Mean distribution time of the valid runs of one (kind, mode, strategy, N). */
export function meanTime(records: readonly RunRecord[], kind: "real" | "sim", mode: string, strategy: string | null, peers: number): number | null {
  const times = records
    .filter((r) => r.kind === kind && r.mode === mode && (strategy === null || r.mode === "cs" || r.strategy === strategy) && r.peers === peers && r.valid)
    .map((r) => r.distributionSeconds)
    .filter((t): t is number => t !== null);
  return mean(times);
}

export function checkGoals(records: readonly RunRecord[], kind: "real" | "sim" = "real"): GoalCheck[] {
  const runs = records.filter((r) => r.kind === kind);
  const goals: GoalCheck[] = [];
  const p2p = runs.filter((r) => r.mode === "p2p" && r.strategy === "rarest" && r.valid && r.ratio !== null);
  const target = p2p.some((r) => r.peers === 16) ? 16 : Math.max(0, ...p2p.map((r) => r.peers));
  const atTarget = p2p.filter((r) => r.peers === target);
  const ratio = mean(atTarget.map((r) => r.ratio!));
  goals.push({
    goal: `p2p (rarest) within 1.3× of d_p2p at N = ${target || 16}`,
    met: ratio === null ? null : ratio <= 1.3,
    detail: ratio === null ? "no valid p2p rarest run" : `measured/bound = ${ratio.toFixed(3)} (mean of ${atTarget.length})`,
  });
  const beaten = runs.filter((r) => r.distributionSeconds !== null && r.distributionSeconds < r.bound);
  const invalid = runs.filter((r) => !r.valid);
  goals.push({
    goal: "every point ≥ its bound (and every cap held)",
    met: beaten.length === 0 && invalid.length === 0,
    detail: `${runs.length - invalid.length} of ${runs.length} runs valid; ${beaten.length} beat their bound${invalid.length ? `; invalid: ${invalid.map((r) => `${label(r)} N=${r.peers}: ${r.problems.join(", ")}`).join(" | ")}` : ""}`,
  });
  const ns = [...new Set(runs.filter((r) => r.mode === "hybrid").map((r) => r.peers))].sort((a, b) => a - b);
  const worse: string[] = [];
  let compared = 0;
  for (const n of ns) {
    const hybrid = meanTime(runs, kind, "hybrid", "rarest", n);
    const cs = meanTime(runs, kind, "cs", null, n);
    const p2pTime = meanTime(runs, kind, "p2p", "rarest", n);
    const others = [cs, p2pTime].filter((t): t is number => t !== null);
    if (hybrid === null || others.length === 0) continue;
    compared++;
    const best = Math.min(...others);
    if (hybrid > best) worse.push(`N=${n}: ${hybrid.toFixed(2)} s vs ${best.toFixed(2)} s (+${(((hybrid - best) / best) * 100).toFixed(0)}%)`);
  }
  goals.push({
    goal: "hybrid (rarest) never worse than the better of cs and p2p",
    met: compared === 0 ? null : worse.length === 0,
    detail: compared === 0 ? "no hybrid runs to compare" : worse.length === 0 ? `holds at all ${compared} N` : `worse at ${worse.join("; ")}`,
  });
  return goals;
}

export function renderReport(input: {
  settings: LabSettings;
  environment: LabEnvironment;
  records: readonly RunRecord[];
  endgame: EndgameComparison[];
  plots: string[];
}): string {
  const { settings: s, environment: e, records } = input;
  const real = records.filter((r) => r.kind === "real");
  const sim = records.filter((r) => r.kind === "sim");
  const lines: string[] = [];
  const table = (head: string[], rows: (string | number)[][]) => {
    lines.push(`| ${head.join(" | ")} |`, `|${head.map(() => "---").join("|")}|`);
    for (const row of rows) lines.push(`| ${row.join(" | ")} |`);
    lines.push("");
  };

  lines.push("# edgeswarm lab report", "");
  lines.push(
    `File ${formatBytes(s.fileBytes, { trimZeros: true })} in ${formatBytes(s.pieceBytes, { trimZeros: true })} pieces; server upload u_s = ${formatRate(s.serverUp)}, ` +
      `peer upload u = ${formatRate(s.peerUp)}, peer download d = ${formatRate(s.peerDown)}. ` +
      (s.simulateOnly ? `Simulation only, N = ${s.simPeers.join(", ")}.` : `Real peers N = ${s.peers.join(", ")}; modes ${s.modes.join(", ")}; strategies ${s.strategies.join(", ")}; ${s.repeat} repeat(s).`),
    "",
    `Ran ${e.startedAt} for ${e.durationSeconds.toFixed(0)} s on Node ${e.node}, ${e.cpus} CPUs (${e.platform}); load average at the end ${e.loadAverage.map((l) => l.toFixed(2)).join(" / ")}. ` +
      `Central server: ${s.server}${s.announceIntervalSeconds ? `, tracker announce interval ${s.announceIntervalSeconds} s` : ""}.`,
    "",
  );

  const kind = real.length > 0 ? "real" : "sim";
  lines.push(`## Goals (${kind === "real" ? "real peers" : "simulator"})`, "");
  table(
    ["goal", "met", "detail"],
    checkGoals(records, kind).map((g) => [g.goal, g.met === null ? "n/a" : g.met ? "yes" : "**no**", g.detail]),
  );

  if (real.length > 0) {
    lines.push("## Distribution time, real peers", "");
    lines.push("Time = start of the leechers → last leecher holding the whole file. Bound = d_cs for cs, d_p2p for p2p and hybrid. Server/peer MiB = payload uploaded by the server (HTTP, web seed or the p2p seed) and by the leechers; redundant = payload received beyond the N·F needed (duplicate blocks), as a share of N·F. Tracker = WebSocket messages and bytes per peer through the tracker, both directions. Directory = one `GET /api/search` during the run.", "");
    table(
      ["mode", "N", "rep", "time (s)", "bound (s)", "ratio", "server MiB", "peer MiB", "redundant", "tracker msgs/peer", "tracker B/peer", "directory ms", "sim (s)", "sim err", "valid"],
      real.map((r) => [
        label(r),
        r.peers,
        r.repeat,
        fmt(r.distributionSeconds),
        fmt(r.bound),
        fmt(r.ratio, 3),
        fmt(r.serverBytes / 2 ** 20),
        fmt(r.peerBytes / 2 ** 20),
        redundantBytes(r) === null ? "–" : `${((redundantBytes(r)! / (r.peers * r.fileBytes)) * 100).toFixed(0)}%`,
        fmt(r.trackerMessagesPerPeer, 1),
        fmt(r.trackerBytesPerPeer, 0),
        fmt(r.directoryLatencyMs, 1),
        fmt(r.simulatedSeconds),
        r.simError === null || r.simError === undefined ? "–" : `${(r.simError * 100).toFixed(1)}%`,
        r.valid ? "yes" : `**no**: ${r.problems.join("; ")}`,
      ]),
    );
    const errors = real.map((r) => r.simError).filter((x): x is number => x !== null && x !== undefined && Number.isFinite(x));
    if (errors.length > 0) {
      const mae = errors.reduce((a, b) => a + Math.abs(b), 0) / errors.length;
      const within = errors.filter((x) => Math.abs(x) <= 0.1).length;
      lines.push("## Simulator vs real", "");
      lines.push(
        `Each real run was simulated with the same F, piece size, u_s, u, d and N, and with the run's measured start-up (median time to the first payload byte) as the simulator's connection delay. ` +
          `Mean absolute error ${(mae * 100).toFixed(1)}%; ${within} of ${errors.length} runs within 10% (goal: within 10%).`,
        "",
      );
      const byMode = new Map<string, number[]>();
      for (const r of real) if (r.simError !== null && r.simError !== undefined) byMode.set(label(r), [...(byMode.get(label(r)) ?? []), r.simError]);
      table(
        ["mode", "runs", "mean error", "mean |error|"],
        [...byMode].map(([m, xs]) => [m, xs.length, `${((mean(xs) ?? 0) * 100).toFixed(1)}%`, `${((mean(xs.map(Math.abs)) ?? 0) * 100).toFixed(1)}%`]),
      );
    }
  }

  if (sim.length > 0) {
    lines.push("## Simulated swarm", "");
    lines.push("The piece-level simulator (client/lab/simulator.ts) for N past what one machine runs: same capacities, webtorrent's selection and choking rules.", "");
    const ns = [...new Set(sim.map((r) => r.peers))].sort((a, b) => a - b);
    const series = [...new Set(sim.map(label))];
    table(
      ["N", "d_cs (s)", "d_p2p (s)", ...series.map((x) => `${x} (s)`)],
      ns.map((n) => {
        const any = sim.find((r) => r.peers === n)!;
        return [
          n,
          fmt(any.dcs),
          fmt(any.dp2p),
          ...series.map((x) => {
            const r = sim.find((q) => q.peers === n && label(q) === x && q.repeat === 0);
            return r ? `${fmt(r.distributionSeconds)}${r.ratio !== null ? ` (${r.ratio.toFixed(2)}×)` : ""}` : "–";
          }),
        ];
      }),
    );
  }

  const diversityRuns = records.filter((r) => r.mode !== "cs" && r.repeat === 0 && (r.kind === "real" || r.peers <= 1000));
  if (diversityRuns.length > 0) {
    lines.push("## Rarest-first vs sequential", "");
    lines.push("Surviving pieces = pieces some leecher held when the server (p2p seed or web seed) had uploaded exactly one copy of the file: what the swarm keeps if the server leaves then. Tail = time from 95% of the pieces to the last one (webtorrent has no endgame mode).", "");
    table(
      ["kind", "mode", "strategy", "N", "surviving pieces", "of", "max tail (s)", "time (s)"],
      diversityRuns
        .filter((r) => r.peers > 1)
        .map((r) => [r.kind, r.mode, r.strategy, r.peers, r.survivingAfterOneCopy ?? "–", r.pieces, fmt(r.maxTailSeconds), fmt(r.distributionSeconds)]),
    );
  }

  if (input.endgame.length > 0) {
    lines.push("## Endgame: would it pay?", "");
    lines.push("Simulated p2p (rarest) with and without an endgame (once every missing piece is in flight, request it from a second peer too; the first copy wins).", "");
    table(
      ["N", "without (s)", "with (s)", "gain", "max tail without (s)", "max tail with (s)"],
      input.endgame.map((g) => [
        g.peers,
        fmt(g.withoutSeconds),
        fmt(g.withSeconds),
        g.withoutSeconds && g.withSeconds ? `${(((g.withoutSeconds - g.withSeconds) / g.withoutSeconds) * 100).toFixed(1)}%` : "–",
        fmt(g.maxTailWithout),
        fmt(g.maxTailWith),
      ]),
    );
  }

  if (input.plots.length > 0) {
    lines.push("## Plots", "");
    for (const p of input.plots.filter((p) => p.endsWith(".png"))) lines.push(`![${p}](${p})`, "");
  }
  lines.push("Reproduce: `npm run lab` (see `npm run lab -- --help`); raw data in results.json and results.csv.", "");
  return lines.join("\n");
}
