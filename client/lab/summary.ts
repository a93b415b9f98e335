// Runs grouped into points (kind, mode, strategy, N): which runs count as results (valid and not
// CPU-limited), their median and spread, and the goals checked on medians. Layer: client/lab, pure.
import { median } from "./measures";
import type { RunRecord } from "./records";

export type Kind = "real" | "sim";

/** A run counts as a result when its caps held, it did not beat its bound, and the machine kept up. */
export function isResult(r: RunRecord): boolean {
  return r.valid && !r.cpuLimited && r.distributionSeconds !== null;
}

export const seriesLabel = (r: Pick<RunRecord, "mode" | "strategy">) => (r.mode === "cs" ? "cs" : `${r.mode}/${r.strategy}`);

export type Spread = { median: number; min: number; max: number; n: number };

export function spread(values: readonly number[]): Spread | null {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return null;
  return { median: median(finite)!, min: Math.min(...finite), max: Math.max(...finite), n: finite.length };
}

export type Point = {
  kind: Kind;
  series: string;
  mode: RunRecord["mode"];
  strategy: RunRecord["strategy"];
  peers: number;
  bound: number;
  /** Every run of the point, and the ones that count. */
  runs: RunRecord[];
  results: RunRecord[];
  time: Spread | null;
  ratio: Spread | null;
};

/** Points in a stable order: kind, series (cs, p2p/rarest, p2p/sequential, hybrid/…), N. */
export function points(records: readonly RunRecord[]): Point[] {
  const byKey = new Map<string, RunRecord[]>();
  for (const r of records) {
    const key = `${r.kind}|${seriesLabel(r)}|${r.peers}`;
    byKey.set(key, [...(byKey.get(key) ?? []), r]);
  }
  const order = (s: string) => ["cs", "p2p/rarest", "p2p/sequential", "hybrid/rarest", "hybrid/sequential"].indexOf(s);
  return [...byKey.values()]
    .map((runs) => {
      const r = runs[0]!;
      const results = runs.filter(isResult);
      return {
        kind: r.kind,
        series: seriesLabel(r),
        mode: r.mode,
        strategy: r.strategy,
        peers: r.peers,
        bound: r.bound,
        runs,
        results,
        time: spread(results.map((x) => x.distributionSeconds!)),
        ratio: spread(results.map((x) => x.ratio!)),
      };
    })
    .sort((a, b) => a.kind.localeCompare(b.kind) || order(a.series) - order(b.series) || a.peers - b.peers);
}

/** Median of a measure over a point's results. */
export function medianOf(p: Point, pick: (r: RunRecord) => number | null | undefined): number | null {
  return median(p.results.map(pick).filter((v): v is number => v !== null && v !== undefined && Number.isFinite(v)));
}

export type GoalCheck = { goal: string; met: boolean | null; detail: string };

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

export function checkGoals(records: readonly RunRecord[], kind: Kind = "real"): GoalCheck[] {
  const runs = records.filter((r) => r.kind === kind);
  const pts = points(runs);
  const goals: GoalCheck[] = [];
  const find = (series: string, n: number) => pts.find((p) => p.series === series && p.peers === n) ?? null;

  // 1. bounds and caps
  const beaten = runs.filter((r) => r.distributionSeconds !== null && r.distributionSeconds < r.bound);
  const invalid = runs.filter((r) => !r.valid);
  const limited = runs.filter((r) => r.valid && r.cpuLimited);
  goals.push({
    goal: "every valid point ≥ its bound (and every cap held)",
    met: runs.length === 0 ? null : beaten.length === 0,
    detail: `${runs.filter(isResult).length} of ${runs.length} runs are results; ${beaten.length} beat their bound; ${invalid.length} invalid, ${limited.length} CPU-limited (listed apart)`,
  });

  // 2. p2p near its bound at the largest N
  const p2pNs = pts.filter((p) => p.series === "p2p/rarest" && p.ratio).map((p) => p.peers);
  const target = p2pNs.includes(16) ? 16 : Math.max(0, ...p2pNs);
  const p2p = target ? find("p2p/rarest", target) : null;
  goals.push({
    goal: `p2p (rarest) median ≤ 1.3× d_p2p at N = ${target || 16}`,
    met: p2p?.ratio ? p2p.ratio.median <= 1.3 : null,
    detail: p2p?.ratio ? `median ${p2p.ratio.median.toFixed(3)}× (${p2p.ratio.min.toFixed(3)}–${p2p.ratio.max.toFixed(3)}, ${p2p.ratio.n} results)` : "no p2p rarest result",
  });

  // 3. hybrid never worse than 1.05× the better of cs and p2p
  const worse: string[] = [];
  let compared = 0;
  let worst = 0;
  for (const h of pts.filter((p) => p.mode === "hybrid" && p.time)) {
    const others = [find("cs", h.peers)?.time?.median, find("p2p/rarest", h.peers)?.time?.median].filter((t): t is number => t !== undefined);
    if (others.length === 0) continue;
    compared++;
    const best = Math.min(...others);
    const ratio = h.time!.median / best;
    worst = Math.max(worst, ratio);
    if (ratio > 1.05) worse.push(`N=${h.peers}: ${h.time!.median.toFixed(2)} s vs ${best.toFixed(2)} s (${ratio.toFixed(3)}×)`);
  }
  goals.push({
    goal: "hybrid never worse than 1.05× the better of cs and p2p (medians)",
    met: compared === 0 ? null : worse.length === 0,
    detail: compared === 0 ? "no hybrid results to compare" : worse.length === 0 ? `holds at all ${compared} N (worst ${worst.toFixed(3)}×)` : `worse at ${worse.join("; ")}`,
  });

  if (kind === "real") {
    // 4. simulator error over the results
    const errors = runs.filter(isResult).map((r) => r.simError).filter((x): x is number => x !== null && x !== undefined && Number.isFinite(x));
    const mae = errors.length ? errors.reduce((a, b) => a + Math.abs(b), 0) / errors.length : null;
    goals.push({
      goal: "simulator mean |error| ≤ 10% over the real results",
      met: mae === null ? null : mae <= 0.1,
      detail: mae === null ? "not simulated" : `${pct(mae)} over ${errors.length} runs; ${errors.filter((e) => Math.abs(e) <= 0.1).length} within 10%`,
    });
  }

  // 5. useful upload utilisation and redundancy (p2p and hybrid, N ≥ 2)
  const swarm = runs.filter((r) => isResult(r) && r.mode !== "cs" && r.peers >= 2);
  const utilAt = p2p ? medianOf(p2p, (r) => r.utilisation) : null;
  goals.push({
    goal: `useful upload utilisation (first byte → 90%) ≥ 90%, p2p (rarest) at N = ${target || 16}`,
    met: utilAt === null ? null : utilAt >= 0.9,
    detail: utilAt === null ? "no result" : `median ${pct(utilAt)}`,
  });
  const redundant = swarm.map((r) => r.redundantShare).filter((x): x is number => x !== null && x !== undefined);
  const worstRedundant = redundant.length ? Math.max(...redundant) : null;
  goals.push({
    goal: "redundant bytes ≤ 2% of N·F (every p2p and hybrid result)",
    met: worstRedundant === null ? null : worstRedundant <= 0.02,
    detail: worstRedundant === null ? "no result" : `median ${pct(median(redundant)!)}, worst ${pct(worstRedundant)}`,
  });
  return goals;
}
