// What a lab run records, how a run is judged valid (caps held, bound not beaten), and the CSV form.
// Layer: client/lab, pure TypeScript.
import { clientServerBound as clientServerBoundOf, peerToPeerBound as peerToPeerBoundOf, type Mode } from "./bounds";
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
};

export type DiversitySample = { t: number; distinct: number; minCopies: number };

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
};

export const RATE_WINDOW_SECONDS = 2;

/** Payload received beyond the N·F the peers needed: duplicate blocks (webtorrent's hot-swap, re-requests). */
export function redundantBytes(r: RunRecord): number | null {
  if (r.peerRecords.length !== r.peers) return null;
  const received = r.peerRecords.reduce((a, p) => a + p.fromServerBytes + p.fromPeersBytes, 0);
  return Math.max(0, received - r.peers * r.fileBytes);
}

/**
 * Slack a cap legitimately allows over `cap·Δt`: the peers' throttle buckets hold 50 ms of tokens (see
 * peer-process.ts), the proxy hands out at most 50 ms at once, and a counter may run up to one 64 KiB chunk
 * ahead of the throttle (upload counters count what enters the pipe). Allow 100 ms + 64 KiB; anything above
 * is a broken cap.
 */
export function capAllowance(capBytesPerSecond: number): number {
  return capBytesPerSecond * 0.1 + 64 * 1024;
}

export type CapCheck = { ok: boolean; maxRate: number; worstExcessBytes: number };

/**
 * Checks a cumulative byte counter sampled over time ([epoch ms, bytes]) against a cap: over every pair of
 * samples, bytes moved ≤ cap·Δt + allowance. Also reports the highest rate over windows ≥ RATE_WINDOW_SECONDS.
 */
export function checkCap(samples: readonly (readonly [number, number])[], capBytesPerSecond: number | null): CapCheck {
  let maxRate = 0;
  let worst = -Infinity;
  const allowance = capBytesPerSecond === null ? 0 : capAllowance(capBytesPerSecond);
  for (let i = 0; i < samples.length; i++) {
    const [ti, bi] = samples[i]!;
    for (let j = i + 1; j < samples.length; j++) {
      const [tj, bj] = samples[j]!;
      const dt = (tj - ti) / 1000;
      if (dt <= 0) continue;
      const moved = bj - bi;
      if (dt >= RATE_WINDOW_SECONDS) maxRate = Math.max(maxRate, moved / dt);
      if (capBytesPerSecond !== null) worst = Math.max(worst, moved - (capBytesPerSecond * dt + allowance));
    }
  }
  return { ok: capBytesPerSecond === null || worst <= 0, maxRate, worstExcessBytes: Math.max(0, worst) };
}

/** Distinct pieces held by at least one peer and copies of the rarest piece, from hex bitfields. */
export function diversityOf(bitfields: readonly string[], pieces: number): { distinct: number; minCopies: number } {
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
  for (const c of copies) {
    if (c > 0) distinct++;
    if (c < minCopies) minCopies = c;
  }
  return { distinct, minCopies };
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
  const finite = Number.isFinite(result.distributionSeconds);
  const tails = result.tailSeconds.filter((t) => Number.isFinite(t));
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
    peerUpBits: c.peerUp,
    peerDownBits: c.peerDown,
    distributionSeconds: finite ? result.distributionSeconds : null,
    dcs: clientServerBoundOf(capacities),
    dp2p: peerToPeerBoundOf(capacities),
    bound: result.bound,
    ratio: finite ? result.distributionSeconds / result.bound : null,
    serverBytes: result.serverUpBits / 8,
    peerBytes: result.peersUpBits / 8,
    trackerMessagesPerPeer: null,
    trackerBytesPerPeer: null,
    directoryLatencyMs: null,
    diversity: result.coverage.map((s) => ({ t: s.t, distinct: s.distinct, minCopies: s.minCopies })),
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
          uploadedBytes: 0,
          maxUploadRate: 0,
          maxDownloadRate: 0,
          tailSeconds: Number.isFinite(result.tailSeconds[i]!) ? result.tailSeconds[i]! : null,
          firstByteSeconds: null,
          tracker: null,
        }))
      : [],
  };
}
