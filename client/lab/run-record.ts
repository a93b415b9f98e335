// One real run's record from what was sampled during it: completion times, caps checked cumulatively, bytes
// by source, pieces over time, the new measures (start-up apart from transfer, useful upload utilisation,
// redundancy, Legout's transient state, cap waits) and the machine's verdict. Layer: client/lab, pure.
import { clientServerBound, contributorBound, peerToPeerBound, type Capacities } from "./bounds";
import { judgeCpu, type CpuMeasure, type CpuSample } from "./machine";
import type { PeerSample } from "./peer-messages";
import type { ProxyStats, TrackerTraffic } from "./origin-proxy";
import type { RealRunSpec } from "./real-run";
import { firstReach, median, usefulUtilisation } from "./measures";
import { checkCap, diversityOf, piecesHeld, redundantBytes, type DiversitySample, type PeerRecord, type RunRecord } from "./records";

export type RunObservations = {
  spec: RealRunSpec;
  runId: string;
  /** Epoch ms: the leechers' start, and when the runner stopped waiting. */
  t0: number;
  tEnd: number;
  bound: number;
  pieces: number;
  capacities: Capacities;
  timedOut: boolean;
  timeoutSeconds: number;
  errors: string[];
  problems: string[];
  /** Per leecher, its samples in time order (the last one at or after completion). */
  samples: PeerSample[][];
  /** Per leecher, epoch ms of completion. */
  doneAt: (number | null)[];
  seedSamples: PeerSample[];
  proxyStats: ProxyStats;
  directoryLatencyMs: number | null;
  machine: { measure: CpuMeasure; samples: CpuSample[] } | null;
  sampleMs: number;
  trackerOf: (leecher: number) => TrackerTraffic | null;
  /** The seed left (epoch ms) with `surviving` distinct pieces among the leechers (issue 14). */
  departure?: { at: number; surviving: number } | null;
};

export function buildRecord(o: RunObservations): RunRecord {
  const { spec, t0, bound, pieces, samples, doneAt, proxyStats } = o;
  const problems = [...o.problems];
  const upBytes = spec.peerUp / 8;
  const downBytes = spec.peerDown === Infinity ? null : spec.peerDown / 8;
  const serverBytesPerSecond = spec.serverUp / 8;
  const runMs = Math.max(1, o.tEnd - t0);

  if (o.timedOut) problems.push(`timed out after ${o.timeoutSeconds.toFixed(0)} s: ${doneAt.filter((t) => t !== null).length} of ${spec.peers} done`);
  for (const e of o.errors.slice(0, 5)) problems.push(e);
  const completion = doneAt.map((t) => (t === null ? null : (t - t0) / 1000));
  const distributionSeconds = completion.every((c) => c !== null) ? Math.max(...(completion as number[])) : null;

  const peerRecords: PeerRecord[] = samples.map((list, i) => {
    const last = list[list.length - 1];
    const series = (pick: (s: PeerSample) => number) => [[t0, 0] as [number, number], ...list.map((s) => [s.t, pick(s)] as [number, number])];
    const up = checkCap(series((s) => s.uploaded), upBytes);
    const down = checkCap(series((s) => s.fromServer + s.fromPeers), downBytes);
    if (!up.ok) problems.push(`peer ${i} exceeded its upload cap by ${up.worstExcessBytes.toFixed(0)} B`);
    if (!down.ok) problems.push(`peer ${i} exceeded its download cap by ${down.worstExcessBytes.toFixed(0)} B`);
    const at95 = last?.at95 ?? null;
    return {
      index: i,
      completionSeconds: completion[i]!,
      fromServerBytes: last?.fromServer ?? 0,
      fromPeersBytes: last?.fromPeers ?? 0,
      uploadedBytes: last?.uploaded ?? 0,
      maxUploadRate: up.maxRate,
      maxDownloadRate: down.maxRate,
      tailSeconds: doneAt[i] !== null && at95 !== null && spec.mode !== "cs" ? Math.max(0, doneAt[i]! - at95) / 1000 : null,
      firstByteSeconds: last?.firstByteAt ? (last.firstByteAt - t0) / 1000 : null,
      tracker: spec.mode === "cs" ? null : o.trackerOf(i),
      upWaitShare: last?.upWaitMs === null || last?.upWaitMs === undefined ? null : last.upWaitMs / runMs,
      downWaitShare: last?.downWaitMs === null || last?.downWaitMs === undefined ? null : last.downWaitMs / runMs,
    };
  });

  // the server's upload: the proxy (cs, hybrid) or the seed's own counter (p2p)
  const seedSamples = o.seedSamples;
  const serverSeries: [number, number][] =
    spec.mode === "p2p" ? [[t0, 0], ...seedSamples.filter((s) => s.t >= t0).map((s) => [s.t, s.uploaded] as [number, number])] : proxyStats.servedSamples;
  const seedAtStart = spec.mode === "p2p" ? (seedSamples.filter((s) => s.t < t0).pop()?.uploaded ?? 0) : 0;
  const serverSeriesFromZero = serverSeries.map(([t, b]) => [t, b - (t === t0 ? 0 : seedAtStart)] as [number, number]);
  const server = checkCap(serverSeriesFromZero, serverBytesPerSecond);
  if (!server.ok) problems.push(`server exceeded u_s by ${server.worstExcessBytes.toFixed(0)} B`);
  const serverBytes = spec.mode === "p2p" ? Math.max(0, (seedSamples[seedSamples.length - 1]?.uploaded ?? 0) - seedAtStart) : Object.values(proxyStats.servedByPeer).reduce((a, b) => a + b, 0);
  const peerBytes = peerRecords.reduce((a, p) => a + p.fromPeersBytes, 0);

  // pieces over time from the leechers' bitfields (useful bytes from them too), on a common clock
  const diversity: DiversitySample[] = [];
  const useful: [number, number][] = [];
  let survivingAfterOneCopy: number | null = null;
  const endMs = (distributionSeconds ?? runMs / 1000) * 1000;
  const cursor = new Array(spec.peers).fill(0);
  let serverCursor = 0;
  for (let t = t0; t <= t0 + endMs + o.sampleMs; t += o.sampleMs) {
    const latest = samples.map((list, i) => {
      while (cursor[i]! + 1 < list.length && list[cursor[i]! + 1]!.t <= t) cursor[i]!++;
      const s = list[cursor[i]!];
      return s && s.t <= t ? s : null;
    });
    const bytes = latest.reduce((a, s) => a + (s === null ? 0 : spec.mode === "cs" ? s.fromServer : Math.min(spec.fileBytes, piecesHeld(s.have) * spec.pieceBytes)), 0);
    useful.push([(t - t0) / 1000, bytes]);
    if (spec.mode === "cs") continue;
    const d = diversityOf(latest.map((s) => s?.have ?? ""), pieces);
    diversity.push({ t: (t - t0) / 1000, ...d });
    while (serverCursor + 1 < serverSeriesFromZero.length && serverSeriesFromZero[serverCursor + 1]![0] <= t) serverCursor++;
    if (survivingAfterOneCopy === null && (serverSeriesFromZero[serverCursor]?.[1] ?? 0) >= spec.fileBytes) survivingAfterOneCopy = d.distinct;
  }
  const oneCopyAt = firstReach(serverSeriesFromZero, spec.fileBytes);

  if (distributionSeconds !== null && distributionSeconds < bound) problems.push(`beat its bound: ${distributionSeconds.toFixed(3)} s < ${bound.toFixed(3)} s`);
  const trackerPeers = peerRecords.map((p) => p.tracker).filter((x): x is TrackerTraffic => x !== null);
  const tails = peerRecords.map((p) => p.tailSeconds).filter((t): t is number => t !== null);
  const firstBytes = peerRecords.map((p) => p.firstByteSeconds).filter((t): t is number => t !== null);
  const startupSeconds = median(firstBytes);
  const T = distributionSeconds ?? runMs / 1000;
  const verdict = o.machine ? judgeCpu(o.machine.measure) : null;
  const serverWaitMs = spec.mode === "p2p" ? (seedSamples[seedSamples.length - 1]?.upWaitMs ?? null) : (proxyStats.waitMs ?? null);

  const freeRiders = spec.freeRiders ?? 0;
  const contributors = completion.slice(0, spec.peers - freeRiders);
  const riders = completion.slice(spec.peers - freeRiders);
  const latest = (xs: (number | null)[]) => (xs.length > 0 && xs.every((c) => c !== null) ? Math.max(...(xs as number[])) : null);
  const record: RunRecord = {
    kind: "real",
    mode: spec.mode,
    strategy: spec.strategy,
    peers: spec.peers,
    repeat: spec.repeat,
    fileBytes: spec.fileBytes,
    pieceBytes: spec.pieceBytes,
    pieces,
    serverUpBits: spec.serverUp,
    peerUpBits: spec.peerUp,
    peerDownBits: spec.peerDown,
    distributionSeconds,
    dcs: clientServerBound(o.capacities),
    dp2p: peerToPeerBound(o.capacities),
    bound,
    ratio: distributionSeconds === null ? null : distributionSeconds / bound,
    serverBytes,
    peerBytes,
    trackerMessagesPerPeer: trackerPeers.length ? trackerPeers.reduce((a, p) => a + p.messagesIn + p.messagesOut, 0) / trackerPeers.length : null,
    trackerBytesPerPeer: trackerPeers.length ? trackerPeers.reduce((a, p) => a + p.bytesIn + p.bytesOut, 0) / trackerPeers.length : null,
    directoryLatencyMs: o.directoryLatencyMs,
    diversity,
    survivingAfterOneCopy,
    maxServerRate: server.maxRate,
    maxTailSeconds: tails.length ? Math.max(...tails) : null,
    valid: problems.length === 0,
    problems,
    peerRecords,
    startupSeconds,
    transferSeconds: distributionSeconds !== null && startupSeconds !== null ? distributionSeconds - startupSeconds : null,
    utilisation: usefulUtilisation(useful, firstBytes.length ? Math.min(...firstBytes) : null, spec.peers * spec.fileBytes, bound),
    oneCopySeconds: oneCopyAt === null ? null : (oneCopyAt - t0) / 1000,
    serverUtilisation: serverBytes / (serverBytesPerSecond * T),
    serverWaitShare: serverWaitMs === null ? null : serverWaitMs / (T * 1000),
    peerUtilisation: spec.mode === "cs" ? null : peerRecords.reduce((a, p) => a + p.uploadedBytes, 0) / (spec.peers * upBytes * T),
    cpu: o.machine?.measure ?? null,
    cpuLimited: verdict?.cpuLimited ?? false,
    cpuReasons: verdict?.reasons ?? [],
    cpuSamples: (o.machine?.samples ?? []).map((s) => ({ ...s, t: (s.t - t0) / 1000 })),
    ...(freeRiders > 0 || spec.freeRiders === 0 ? { freeRiders, contributorBound: contributorBound(o.capacities, freeRiders), contributorSeconds: latest(contributors), freeRiderSeconds: freeRiders ? latest(riders) : null } : {}),
    ...(o.departure ? { seedLeftSeconds: (o.departure.at - t0) / 1000, survivingAtDeparture: o.departure.surviving, completedPeers: completion.filter((c) => c !== null).length } : {}),
  };
  for (const p of record.peerRecords) p.freeRider = p.index >= spec.peers - freeRiders;
  const redundant = redundantBytes(record);
  record.redundantShare = redundant === null ? null : redundant / (spec.peers * spec.fileBytes);
  return record;
}
