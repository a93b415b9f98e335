// What a lab run records, how a run is judged valid (caps held, bound not beaten), and the CSV form.
// Layer: client/lab, pure TypeScript.
import { clientServerBound as clientServerBoundOf, peerToPeerBound as peerToPeerBoundOf, type Mode } from "./bounds";
import type { CpuMeasure, CpuSample } from "./machine";
import { usefulUtilisation } from "./measures";
import type { SimResult, Strategy } from "./simulator";

export type TrackerTraffic = { messagesIn: number; bytesIn: number; messagesOut: number; bytesOut: number };

export type PeerRecord = {
  index: number;
  /** Seconds from the run's start to this peer holding the whole file; null = never. */
  completionSeconds: number | null;
  fromServerBytes: number;
  fromPeersBytes: number;
  uploadedBytes: number;
  /** Highest measured rate over any window of at least RATE_WINDOW_SECONDS (bytes/s). */
  maxUploadRate: number;
  maxDownloadRate: number;
  /** Seconds between holding 95% of the pieces and holding all (the last-pieces tail). */
  tailSeconds: number | null;
  /** Seconds from the run's start to the first payload byte (connection set-up included). */
  firstByteSeconds: number | null;
  tracker: TrackerTraffic | null;
  /** Share of the run this peer's upload / download cap had data waiting and no tokens (null: no cap). */
  upWaitShare?: number | null;
  downWaitShare?: number | null;
  /** Issue 14: this leecher uploads nothing (never unchokes). */
  freeRider?: boolean;
};

/** Leechers' pieces at one moment: distinct pieces held, and copies per piece (min, mean, max). */
export type DiversitySample = { t: number; distinct: number; minCopies: number; meanCopies?: number; maxCopies?: number };

export type RunRecord = {
  kind: "real" | "sim";
  mode: Mode;
  strategy: Strategy;
  peers: number;
  repeat: number;
  fileBytes: number;
  pieceBytes: number;
  pieces: number;
  serverUpBits: number;
  peerUpBits: number;
  peerDownBits: number;
  /** Time the last peer completed (s); null when not every peer did. */
  distributionSeconds: number | null;
  dcs: number;
  dp2p: number;
  /** The bound this mode is held to (d_cs for cs, d_p2p otherwise) and measured/bound. */
  bound: number;
  ratio: number | null;
  serverBytes: number;
  peerBytes: number;
  /** Tracker messages (both directions) and bytes per peer, the seed included. */
  trackerMessagesPerPeer: number | null;
  trackerBytesPerPeer: number | null;
  /** One directory query (GET /api/search) during the run; null when the route is absent. */
  directoryLatencyMs: number | null;
  diversity: DiversitySample[];
  /** Pieces some leecher held when the server/seed had uploaded one full copy: what survives if it leaves then. */
  survivingAfterOneCopy: number | null;
  /** Highest measured aggregate server upload rate over any window ≥ RATE_WINDOW_SECONDS (bytes/s). */
  maxServerRate: number;
  maxTailSeconds: number | null;
  valid: boolean;
  problems: string[];
  peerRecords: PeerRecord[];
  /** Simulator's time for the same parameters, and its relative error (sim − real)/real. */
  simulatedSeconds?: number | null;
  simError?: number | null;
  // ---- added by issue 13 (older results.json files lack them)
  /** Median time to a leecher's first payload byte (connection set-up), and the rest of the run. */
  startupSeconds?: number | null;
  transferSeconds?: number | null;
  /** Useful upload (pieces verified, all leechers) between the first byte and 90% of N·F, over the capacity then. */
  utilisation?: number | null;
  /** Payload received beyond the N·F needed, as a share of N·F. */
  redundantShare?: number | null;
  /** Legout's transient state: seconds until the server had uploaded one full copy (null: never). */
  oneCopySeconds?: number | null;
  /** Server upload over u_s·T, and the share of the run its cap had data waiting (saturated). */
  serverUtilisation?: number | null;
  serverWaitShare?: number | null;
  /** Mean leecher upload over u·T. */
  peerUtilisation?: number | null;
  /** The machine during the run; a CPU-limited run is not a result (listed apart, like invalid runs). */
  cpu?: CpuMeasure | null;
  cpuLimited?: boolean;
  cpuReasons?: string[];
  cpuSamples?: CpuSample[];
  // ---- added by issue 14 (incentives)
  /** Leechers that upload nothing, the contributors' own bound, and when the last contributor / free rider finished. */
  freeRiders?: number;
  contributorBound?: number;
  contributorSeconds?: number | null;
  freeRiderSeconds?: number | null;
  /** The seed left after k copies: when, the distinct pieces among the leechers then, and how many finished. */
  seedLeftSeconds?: number | null;
  survivingAtDeparture?: number | null;
  completedPeers?: number;
};

export const RATE_WINDOW_SECONDS = 2;

/** Payload received beyond the N·F the peers needed: duplicate blocks (webtorrent's hot-swap, re-requests). */
export function redundantBytes(r: RunRecord): number | null {
  if (r.peerRecords.length !== r.peers) return null;
  const received = r.peerRecords.reduce((a, p) => a + p.fromServerBytes + p.fromPeersBytes, 0);
  return Math.max(0, received - r.peers * r.fileBytes);
}

/**
 * Slack a check allows over `cap·(t − t0)`: the caps never run ahead of it (lossless-cap.ts), but counters
 * are not the cap — upload counters count what enters the pipe before the throttle (up to 64 KiB ahead) and
 * a cap's clock may start a slice (100 ms of rate, at most 16 KiB) before the run's. Anything above is a
 * broken cap.
 */
export function capAllowance(capBytesPerSecond: number): number {
  return Math.min(16 * 1024, capBytesPerSecond * 0.1) + 64 * 1024;
}

export type CapCheck = { ok: boolean; maxRate: number; worstExcessBytes: number };

/**
 * Checks a cumulative byte counter sampled over time ([epoch ms, bytes], the first sample at the run's start)
 * against a cap the way the bounds use it: at every sample, bytes since the start ≤ cap·(t − t0) + allowance.
 * The caps are lossless (lossless-cap.ts): after a stall they catch up, so a short window may run above the
 * cap while the cumulative count never does. Also reports the highest rate over windows ≥ RATE_WINDOW_SECONDS.
 */
export function checkCap(samples: readonly (readonly [number, number])[], capBytesPerSecond: number | null): CapCheck {
  let maxRate = 0;
  let worst = -Infinity;
  const allowance = capBytesPerSecond === null ? 0 : capAllowance(capBytesPerSecond);
  const [t0, b0] = samples[0] ?? [0, 0];
  for (let i = 0; i < samples.length; i++) {
    const [ti, bi] = samples[i]!;
    if (capBytesPerSecond !== null) worst = Math.max(worst, bi - b0 - (capBytesPerSecond * Math.max(0, ti - t0)) / 1000 - allowance);
    for (let j = i + 1; j < samples.length; j++) {
      const [tj, bj] = samples[j]!;
      const dt = (tj - ti) / 1000;
      if (dt >= RATE_WINDOW_SECONDS) {
        maxRate = Math.max(maxRate, (bj - bi) / dt);
        break; // later j only widen the window: the shortest window ≥ 2 s from i is the one that matters most
      }
    }
  }
  return { ok: capBytesPerSecond === null || worst <= 0, maxRate, worstExcessBytes: Math.max(0, worst) };
}

/** Distinct pieces held by at least one peer, and copies per piece (rarest, mean, most common), from hex bitfields. */
export function diversityOf(bitfields: readonly string[], pieces: number): { distinct: number; minCopies: number; meanCopies: number; maxCopies: number } {
  const copies = new Int32Array(pieces);
  for (const hex of bitfields) {
    for (let byte = 0; byte * 8 < pieces && byte * 2 < hex.length; byte++) {
      const value = parseInt(hex.slice(byte * 2, byte * 2 + 2), 16);
      if (!value) continue;
      for (let bit = 0; bit < 8; bit++) {
        const piece = byte * 8 + bit;
        if (piece < pieces && value & (0x80 >> bit)) copies[piece]!++; // BEP 3: high bit first
      }
    }
  }
  let distinct = 0;
  let minCopies = pieces > 0 ? Infinity : 0;
  let maxCopies = 0;
  let sum = 0;
  for (const c of copies) {
    if (c > 0) distinct++;
    if (c < minCopies) minCopies = c;
    if (c > maxCopies) maxCopies = c;
    sum += c;
  }
  return { distinct, minCopies, meanCopies: pieces > 0 ? sum / pieces : 0, maxCopies };
}

export function piecesHeld(hex: string): number {
  let n = 0;
  for (let i = 0; i < hex.length; i += 2) {
    let v = parseInt(hex.slice(i, i + 2), 16);
    while (v) {
      n += v & 1;
      v >>= 1;
    }
  }
  return n;
}

export const CSV_COLUMNS = [
  "kind",
  "mode",
  "strategy",
  "peers",
  "repeat",
  "file_bytes",
  "server_up_bits",
  "peer_up_bits",
  "peer_down_bits",
  "distribution_s",
  "bound_s",
  "ratio",
  "d_cs_s",
  "d_p2p_s",
  "server_bytes",
  "peer_bytes",
  "redundant_bytes",
  "tracker_msgs_per_peer",
  "tracker_bytes_per_peer",
  "directory_ms",
  "surviving_after_one_copy",
  "pieces",
  "max_tail_s",
  "simulated_s",
  "sim_error",
  "valid",
  "problems",
] as const;

export function toCsv(records: readonly RunRecord[]): string {
  const cell = (v: unknown) => {
    if (v === null || v === undefined) return "";
    const s = typeof v === "number" ? (Number.isInteger(v) ? String(v) : v.toPrecision(6)) : String(v);
    return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  const rows = records.map((r) =>
    [
      r.kind,
      r.mode,
      r.strategy,
      r.peers,
      r.repeat,
      r.fileBytes,
      r.serverUpBits,
      r.peerUpBits,
      r.peerDownBits,
      r.distributionSeconds,
      r.bound,
      r.ratio,
      r.dcs,
      r.dp2p,
      r.serverBytes,
      r.peerBytes,
      redundantBytes(r),
      r.trackerMessagesPerPeer,
      r.trackerBytesPerPeer,
      r.directoryLatencyMs,
      r.survivingAfterOneCopy,
      r.pieces,
      r.maxTailSeconds,
      r.simulatedSeconds,
      r.simError,
      r.valid,
      r.problems.join("; "),
    ]
      .map(cell)
      .join(","),
  );
  return [CSV_COLUMNS.join(","), ...rows].join("\n") + "\n";
}

/** A simulator result in the same shape as a real run (bits → bytes). */
export function recordFromSimulation(result: SimResult, repeat = 0): RunRecord {
  const c = result.config;
  const capacities = { fileBits: c.fileBits, serverUp: c.serverUp, peerUp: c.peerUp, peerDown: c.peerDown, peers: c.peers };
  const meanPeerUp = typeof c.peerUp === "number" ? c.peerUp : c.peerUp.reduce((a, b) => a + b, 0) / c.peerUp.length;
  const finite = Number.isFinite(result.distributionSeconds);
  const tails = result.tailSeconds.filter((t) => Number.isFinite(t));
  const T = finite ? result.distributionSeconds : null;
  // useful bits over time: copies held by the leechers (mean copies × pieces × piece size)
  const useful = result.coverage.map((s) => [s.t, (s.meanCopies * result.pieces * c.pieceBits) / 8] as [number, number]);
  const firstByte = c.mode === "cs" ? c.startupSeconds + c.requestSeconds : c.startupSeconds + (c.mode === "p2p" ? c.connectSeconds : c.requestSeconds);
  return {
    kind: "sim",
    mode: c.mode,
    strategy: c.strategy,
    peers: c.peers,
    repeat,
    fileBytes: c.fileBits / 8,
    pieceBytes: c.pieceBits / 8,
    pieces: result.pieces,
    serverUpBits: c.serverUp,
    peerUpBits: meanPeerUp,
    peerDownBits: c.peerDown,
    distributionSeconds: T,
    dcs: clientServerBoundOf(capacities),
    dp2p: peerToPeerBoundOf(capacities),
    bound: result.bound,
    ratio: T === null ? null : T / result.bound,
    serverBytes: result.serverUpBits / 8,
    peerBytes: result.peersUpBits / 8,
    trackerMessagesPerPeer: null,
    trackerBytesPerPeer: null,
    directoryLatencyMs: null,
    diversity: result.coverage.map((s) => ({ t: s.t, distinct: s.distinct, minCopies: s.minCopies, meanCopies: s.meanCopies, maxCopies: s.maxCopies })),
    survivingAfterOneCopy: result.survivingAfterOneCopy,
    maxServerRate: 0,
    maxTailSeconds: tails.length ? Math.max(...tails) : null,
    valid: finite && result.distributionSeconds >= result.bound * (1 - 1e-9),
    problems: finite ? [] : [`did not finish within ${c.maxSeconds || "50× the bound in"} simulated seconds`],
    peerRecords: result.completionSeconds.length <= 64
      ? result.completionSeconds.map((t, i) => ({
          index: i,
          completionSeconds: Number.isFinite(t) ? t : null,
          fromServerBytes: result.fromServerBits[i]! / 8,
          fromPeersBytes: result.fromPeersBits[i]! / 8,
          uploadedBytes: result.uploadedBits[i]! / 8,
          maxUploadRate: 0,
          maxDownloadRate: 0,
          tailSeconds: Number.isFinite(result.tailSeconds[i]!) ? result.tailSeconds[i]! : null,
          firstByteSeconds: null,
          tracker: null,
        }))
      : [],
    startupSeconds: firstByte,
    transferSeconds: T === null ? null : T - firstByte,
    utilisation: usefulUtilisation(useful, firstByte, (c.peers * c.fileBits) / 8, result.bound),
    redundantShare: result.redundantBits / (c.peers * c.fileBits),
    oneCopySeconds: result.oneCopySeconds,
    serverUtilisation: T === null ? null : result.serverUpBits / (c.serverUp * T),
    peerUtilisation: T === null || c.mode === "cs" || meanPeerUp === 0 ? null : result.peersUpBits / (c.peers * meanPeerUp * T),
  };
}
