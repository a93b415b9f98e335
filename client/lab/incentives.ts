// Issue 14, part two: incentives. Free riders (leechers that never unchoke, so upload nothing) at 0/10/30% of
// the swarm under webtorrent's rechoke (tit-for-tat by download rate, one optimistic unchoke), and the seed
// leaving after one full copy (Legout's transient state) under rarest-first vs sequential — on real peers at
// small N and in the simulator beyond. The pure part: rows from records and simulations, and the report.
// Layer: client/lab, pure TypeScript.
import { contributorBound, peerToPeerBound, type Capacities } from "./bounds";
import type { LabEnvironment } from "./environment";
import { median } from "./measures";
import type { RunRecord } from "./records";
import type { SimResult } from "./simulator";
import { markdownReport } from "./markdown";
import { formatRate } from "./units";

export type Completion = { seconds: number | null; freeRider: boolean };

/** One swarm with free riders: when contributors and free riders finished, against the contributors' bound. */
export type FreeRiderRow = {
  kind: "real" | "sim";
  peers: number;
  freeRiders: number;
  repeat: number;
  /** Last contributor / last free rider done (s); null = not all did. */
  contributorSeconds: number | null;
  freeRiderSeconds: number | null;
  /** Bound from the contributors' upload only (d_p2p of the contributors) and d_p2p of the whole swarm. */
  contributorBound: number;
  dp2p: number;
  completions: Completion[];
  /** Real runs: whether it counts (caps held, machine kept up), and why not. */
  result: boolean;
  why: string[];
};

/** The seed leaves after one copy: what survives, and who finishes. */
export type TransientRow = {
  kind: "real" | "sim";
  strategy: "rarest" | "sequential";
  peers: number;
  repeat: number;
  pieces: number;
  seedLeftSeconds: number | null;
  survivingAtDeparture: number | null;
  completed: number;
  distributionSeconds: number | null;
  result: boolean;
  why: string[];
};

export type IncentiveSettings = {
  fileBytes: number;
  pieceBytes: number;
  serverUp: number;
  peerUp: number;
  peerDown: number;
  realPeers: number | null;
  simPeers: number[];
  fractions: number[];
  repeat: number;
  server: string;
};

export type IncentiveResults = { settings: IncentiveSettings; environment: LabEnvironment; freeRiders: FreeRiderRow[]; transient: TransientRow[] };

/** Free riders for a fraction of N leechers (rounded to the nearest whole peer, at least one when the fraction is positive). */
export function freeRiderCount(peers: number, fraction: number): number {
  if (fraction <= 0) return 0;
  return Math.min(peers - 1, Math.max(1, Math.round(fraction * peers)));
}

/** Per-leecher upload rates with the last `freeRiders` at 0. */
export function uploadRates(peers: number, peerUp: number, freeRiders: number): number[] {
  return Array.from({ length: peers }, (_, i) => (i >= peers - freeRiders ? 0 : peerUp));
}

export function freeRiderRowFromRecord(r: RunRecord): FreeRiderRow {
  const k = r.freeRiders ?? 0;
  const capacities: Capacities = { fileBits: r.fileBytes * 8, serverUp: r.serverUpBits, peerUp: r.peerUpBits, peerDown: r.peerDownBits, peers: r.peers };
  return {
    kind: "real",
    peers: r.peers,
    freeRiders: k,
    repeat: r.repeat,
    contributorSeconds: r.contributorSeconds ?? null,
    freeRiderSeconds: r.freeRiderSeconds ?? null,
    contributorBound: r.contributorBound ?? contributorBound(capacities, k),
    dp2p: r.dp2p,
    completions: r.peerRecords.map((p) => ({ seconds: p.completionSeconds, freeRider: p.freeRider ?? false })),
    result: r.valid && !r.cpuLimited,
    why: [...(r.valid ? [] : r.problems), ...(r.cpuLimited ? (r.cpuReasons ?? []) : [])],
  };
}

export function freeRiderRowFromSim(result: SimResult, freeRiders: number, repeat: number): FreeRiderRow {
  const c = result.config;
  const capacities: Capacities = { fileBits: c.fileBits, serverUp: c.serverUp, peerUp: c.peerUp, peerDown: c.peerDown, peers: c.peers };
  const done = (xs: number[]) => (xs.length > 0 && xs.every(Number.isFinite) ? Math.max(...xs) : null);
  const split = c.peers - freeRiders;
  return {
    kind: "sim",
    peers: c.peers,
    freeRiders,
    repeat,
    contributorSeconds: done(result.completionSeconds.slice(0, split)),
    freeRiderSeconds: freeRiders ? done(result.completionSeconds.slice(split)) : null,
    contributorBound: contributorBound(capacities, freeRiders),
    dp2p: peerToPeerBound(capacities),
    completions: result.completionSeconds.map((t, i) => ({ seconds: Number.isFinite(t) ? t : null, freeRider: i >= split })),
    result: true,
    why: [],
  };
}

export function transientRowFromRecord(r: RunRecord): TransientRow {
  return {
    kind: "real",
    strategy: r.strategy,
    peers: r.peers,
    repeat: r.repeat,
    pieces: r.pieces,
    seedLeftSeconds: r.seedLeftSeconds ?? null,
    survivingAtDeparture: r.survivingAtDeparture ?? null,
    completed: r.completedPeers ?? r.peerRecords.filter((p) => p.completionSeconds !== null).length,
    distributionSeconds: r.distributionSeconds,
    result: r.valid && !r.cpuLimited,
    why: [...(r.valid ? [] : r.problems), ...(r.cpuLimited ? (r.cpuReasons ?? []) : [])],
  };
}

export function transientRowFromSim(result: SimResult, repeat: number): TransientRow {
  const c = result.config;
  return {
    kind: "sim",
    strategy: c.strategy,
    peers: c.peers,
    repeat,
    pieces: result.pieces,
    seedLeftSeconds: result.originLeftSeconds,
    survivingAtDeparture: result.survivingAtDeparture,
    completed: result.completionSeconds.filter(Number.isFinite).length,
    distributionSeconds: Number.isFinite(result.distributionSeconds) ? result.distributionSeconds : null,
    result: true,
    why: [],
  };
}

const fmt = (v: number | null | undefined, digits = 2) => (v === null || v === undefined || !Number.isFinite(v) ? "–" : v.toFixed(digits));
const med = (xs: (number | null)[]) => median(xs.filter((x): x is number => x !== null && Number.isFinite(x)));

/** Median (min–max) as text, "–" when nothing finished. */
function spreadText(xs: (number | null)[], digits = 2): string {
  const finite = xs.filter((x): x is number => x !== null && Number.isFinite(x));
  if (finite.length === 0) return "–";
  const m = median(finite)!;
  return finite.length === 1 ? m.toFixed(digits) : `${m.toFixed(digits)} (${Math.min(...finite).toFixed(digits)}–${Math.max(...finite).toFixed(digits)})`;
}

export function renderIncentivesReport(results: IncentiveResults, plots: string[]): string {
  const { settings: s, environment: e } = results;
  const { lines, table, plot } = markdownReport(plots);
  lines.push("# Incentives: free riders and the seed leaving", "");
  lines.push(
    `File ${(s.fileBytes / 2 ** 20).toFixed(0)} MiB in ${(s.pieceBytes / 1024).toFixed(0)} KiB pieces; u_s = ${formatRate(s.serverUp)}, u = ${formatRate(s.peerUp)} (free riders 0), d = ${formatRate(s.peerDown)}. ` +
      `${s.realPeers ? `Real peers N = ${s.realPeers} (${s.repeat} repeats); ` : ""}simulator N = ${s.simPeers.join(", ")} (${s.repeat} seeds). Free riders at ${s.fractions.map((f) => `${Math.round(f * 100)}%`).join(", ")} of the leechers.`,
    "",
    `Ran ${e.startedAt} for ${e.durationSeconds.toFixed(0)} s on Node ${e.node}, ${e.cpus} CPUs; load average at the end ${e.loadAverage.map((l) => l.toFixed(2)).join(" / ")}. Server: ${s.server}.`,
    "",
    "A free rider is a leecher that never unchokes anyone: it announces, connects, asks and downloads like the others but serves nothing. " +
      "webtorrent's rechoke (every 10 s) keeps the `uploads − 1` = 9 interested peers that send it the most, plus one optimistic unchoke held for three periods; a peer is also unchoked the first time it becomes interested. " +
      "The contributors' bound is d_p2p of the contributors alone — max(F/u_s, F/d, (N − k)·F/(u_s + (N − k)·u)): free riders can only take capacity away, so contributors cannot beat it; with no free rider it is d_p2p.",
    "",
  );

  lines.push("## Free riders", "");
  const groups = new Map<string, FreeRiderRow[]>();
  for (const r of results.freeRiders) groups.set(`${r.kind}|${r.peers}|${r.freeRiders}`, [...(groups.get(`${r.kind}|${r.peers}|${r.freeRiders}`) ?? []), r]);
  table(
    ["kind", "N", "free riders", "contributors done (s)", "contributors' bound (s)", "contributors ×bound", "free riders done (s)", "free riders / contributors", "d_p2p (s)", "results"],
    [...groups.values()].map((rows) => {
      const counted = rows.filter((r) => r.result);
      const r = rows[0]!;
      const c = med(counted.map((x) => x.contributorSeconds));
      const f = med(counted.map((x) => x.freeRiderSeconds));
      return [
        r.kind,
        r.peers,
        `${r.freeRiders} (${Math.round((r.freeRiders / r.peers) * 100)}%)`,
        spreadText(counted.map((x) => x.contributorSeconds)),
        fmt(r.contributorBound),
        c === null ? "–" : `${(c / r.contributorBound).toFixed(3)}×`,
        r.freeRiders ? spreadText(counted.map((x) => x.freeRiderSeconds)) : "–",
        c !== null && f !== null ? `${(f / c).toFixed(2)}×` : "–",
        fmt(r.dp2p),
        `${counted.length}/${rows.length}`,
      ];
    }),
  );
  const excluded = results.freeRiders.filter((r) => !r.result);
  if (excluded.length > 0) {
    lines.push("Runs that are not results:", "");
    table(["N", "free riders", "repeat", "why"], excluded.map((r) => [r.peers, r.freeRiders, r.repeat, r.why.join("; ")]));
  }
  plot("free-rider-cdf", "completion CDF, contributors vs free riders");
  plot("free-rider-slowdown", "contributors and free riders against the contributors' bound");

  lines.push("## The seed leaves after one copy (Legout's transient state)", "");
  lines.push(
    "The seed stops once it has uploaded F bytes. What the leechers hold between them then is all the swarm will ever have: if a piece is missing, nobody finishes. " +
      "Rarest-first spreads distinct pieces; sequential makes every leecher want the same next piece, so the seed's one copy is mostly the same few pieces sent many times.",
    "",
  );
  const tgroups = new Map<string, TransientRow[]>();
  for (const r of results.transient) tgroups.set(`${r.kind}|${r.strategy}|${r.peers}`, [...(tgroups.get(`${r.kind}|${r.strategy}|${r.peers}`) ?? []), r]);
  table(
    ["kind", "strategy", "N", "seed left at (s)", "pieces surviving", "of", "leechers done", "swarm done (s)", "results"],
    [...tgroups.values()].map((rows) => {
      const counted = rows.filter((r) => r.result);
      const r = rows[0]!;
      return [
        r.kind,
        r.strategy,
        r.peers,
        spreadText(counted.map((x) => x.seedLeftSeconds)),
        spreadText(counted.map((x) => x.survivingAtDeparture), 0),
        r.pieces,
        spreadText(counted.map((x) => x.completed), 0),
        spreadText(counted.map((x) => x.distributionSeconds)),
        `${counted.length}/${rows.length}`,
      ];
    }),
  );
  plot("transient-state", "pieces surviving the seed's departure");
  lines.push("Reproduce: `npm run lab -- --incentives --out DIR` (`--simulate` for the simulator only); raw data in incentives.json.", "");
  return lines.join("\n");
}
