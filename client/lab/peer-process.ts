// A lab peer host: one Node process running several lab peers (slots), each its own WebTorrent client with
// its own caps, playing one role per run (the p2p seed, or a leecher downloading over WebTorrent, the web
// seed or plain HTTP), driven by the lab runner over IPC. Fewer processes than peers keep a 16-peer run
// within two cores. Layer: client/lab (Node). Run as `node --import tsx client/lab/peer-process.ts`.
import { createHash } from "node:crypto";
import { mkdir, rm } from "node:fs/promises";
import parseTorrent from "parse-torrent";
import type WebTorrent from "webtorrent";
import type { Torrent, Wire } from "webtorrent";
import { ALWAYS_WEB_SEED_POLICY, assistWithWebSeed, createNodeClient, DEFAULT_WEB_SEED_POLICY } from "../lib/node";
import { CumulativeCap, LosslessBucket, type CapClock } from "./lossless-cap";
import { EventLoopProbe } from "./machine";
import type { PeerAssignment, PeerSample, PeerToRunner, RunnerToPeer, SlotMessage } from "./peer-messages";

/** The webtorrent 3 methods the lab needs beyond client/types (throttles, BEP 19, the piece bitfield). */
type LabClient = WebTorrent & {
  throttleUpload(rate: number): boolean;
  throttleDownload(rate: number): boolean;
  throttleGroups: { up: ThrottleGroup; down: ThrottleGroup };
};
/** speed-limiter's ThrottleGroup: every wire's throttle asks `group.bucket` (limiter's TokenBucket) for tokens. */
type ThrottleGroup = { setChunksize(bytes: number): void; bucket: unknown };
type LabTorrent = Torrent & { bitfield?: { buffer: Uint8Array }; pieces?: unknown[] };

/** Slice a throttle passes at once, and the cap's burst: 100 ms of rate, at most one 16 KiB block. */
export function capSliceBytes(rate: number): number {
  return Math.max(1, Math.min(16 * 1024, Math.floor(rate * 0.1)));
}

const clock: CapClock = {
  now: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Replaces a throttle group's token bucket (limiter's, which drops tokens past its size, so every late timer
 * is capacity lost) with the lab's lossless cumulative cap (lossless-cap.ts).
 */
function losslessCap(group: ThrottleGroup, rate: number): LosslessBucket {
  const slice = capSliceBytes(rate);
  group.setChunksize(slice);
  const bucket = new LosslessBucket(new CumulativeCap(rate, { burstBytes: slice, now: clock.now() }), clock);
  group.bucket = bucket;
  return bucket;
}

/** Parallel piece requests to the web seed in hybrid mode (webtorrent's default is 4). */
export const WEB_SEED_REQUESTS = 16;

const now = () => performance.timeOrigin + performance.now();

function send(message: PeerToRunner): void {
  if (process.connected) process.send?.(message);
}

type Current = {
  slot: number;
  assignment: PeerAssignment;
  client: LabClient | null;
  up: LosslessBucket | null;
  down: LosslessBucket | null;
  /** hybrid with --web-seed-policy: the policy's watcher, stopped with the run. */
  webSeed?: { stop(): void };
  torrent: LabTorrent | null;
  abort: AbortController;
  timer: ReturnType<typeof setInterval> | null;
  fromServer: number;
  fromPeers: number;
  uploaded: number;
  firstByteAt: number | null;
  at95: number | null;
  verified: number;
  done: boolean;
};

const current = new Map<number, Current>();

function sendSlot(slot: number, message: SlotMessage): void {
  send({ ...message, slot });
}

function sample(run: Current): PeerSample {
  const bits = run.torrent?.bitfield?.buffer;
  const t = performance.now();
  return {
    t: now(),
    fromServer: run.fromServer,
    fromPeers: run.fromPeers,
    uploaded: run.uploaded,
    have: bits ? Buffer.from(bits.buffer, bits.byteOffset, bits.byteLength).toString("hex") : "",
    connections: run.torrent?.wires.length ?? 0,
    firstByteAt: run.firstByteAt,
    at95: run.at95,
    upWaitMs: run.up ? run.up.cap.waitedMs(t) : null,
    downWaitMs: run.down ? run.down.cap.waitedMs(t) : null,
    upCapBytes: run.up ? run.up.cap.sent : null,
  };
}

async function start(slot: number, assignment: PeerAssignment): Promise<void> {
  const previous = current.get(slot);
  if (previous) await stop(slot, previous.assignment.runId);
  const run: Current = { slot, assignment, client: null, up: null, down: null, torrent: null, abort: new AbortController(), timer: null, fromServer: 0, fromPeers: 0, uploaded: 0, firstByteAt: null, at95: null, verified: 0, done: false };
  current.set(slot, run);
  await mkdir(assignment.dir, { recursive: true });
  sendSlot(slot, { type: "started", runId: assignment.runId, t: now() });
  run.timer = setInterval(() => sendSlot(slot, { type: "sample", runId: assignment.runId, sample: sample(run) }), assignment.sampleMs);
  if (assignment.mode === "cs") await downloadOverHttp(run);
  else await startTorrent(run);
}

function finish(run: Current): void {
  if (run.done || current.get(run.slot) !== run) return;
  run.done = true;
  sendSlot(run.slot, { type: "done", runId: run.assignment.runId, t: now(), sample: sample(run) });
}

/** cs: one GET of the whole file through the runner's proxy, read no faster than the download cap. */
async function downloadOverHttp(run: Current): Promise<void> {
  const { httpUrl, downBytesPerSecond: cap, sha256, size, runId } = run.assignment;
  try {
    const response = await fetch(httpUrl!, { signal: run.abort.signal });
    if (!response.ok || !response.body) throw new Error(`GET ${httpUrl}: ${response.status}`);
    const hash = createHash("sha256");
    const reader = response.body.getReader();
    const started = now();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      hash.update(value);
      run.firstByteAt ??= now();
      run.fromServer += value.byteLength;
      if (cap) {
        // cumulative pacing against the start (lossless like the caps): never more than cap·elapsed bytes read
        const ahead = (run.fromServer / cap) * 1000 - (now() - started);
        if (ahead > 1) await new Promise((resolve) => setTimeout(resolve, ahead));
      }
    }
    const digest = hash.digest("hex");
    if (run.fromServer !== size || digest !== sha256) throw new Error(`download corrupt: ${run.fromServer} bytes, sha256 ${digest}`);
    finish(run);
  } catch (error) {
    if (!run.abort.signal.aborted) sendSlot(run.slot, { type: "error", runId, message: String(error) });
  }
}

async function startTorrent(run: Current): Promise<void> {
  const a = run.assignment;
  // bittorrent-tracker keeps one WebSocket per announce URL for the whole process: with several lab peers in
  // one host, each gets its own URL so each has its own tracker socket, as separate machines would
  const parsed = await parseTorrent(Buffer.from(a.torrent!, "base64"));
  if (a.announceUrl) parsed.announce = [a.announceUrl];
  if (current.get(run.slot) !== run) return; // stopped meanwhile
  const slot = run.slot;
  const client = createNodeClient({ peerId: a.peerId, strategy: a.strategy, hotswap: a.hotswap }) as LabClient;
  run.client = client;
  if (a.upBytesPerSecond) {
    client.throttleUpload(a.upBytesPerSecond);
    run.up = losslessCap(client.throttleGroups.up, a.upBytesPerSecond);
  }
  if (a.downBytesPerSecond) {
    client.throttleDownload(a.downBytesPerSecond);
    run.down = losslessCap(client.throttleGroups.down, a.downBytesPerSecond);
  }
  client.on("error", (error) => sendSlot(slot, { type: "error", runId: a.runId, message: String(error) }));
  // hybrid: webtorrent asks a web seed for one piece per HTTP request, at most `maxWebConns` at a time, and
  // only 1 + rate·1 s / piece length of them (the measured rate starts at 0, so one request at first).
  const torrent = client.add(parsed as never, { path: a.dir, strategy: a.strategy, maxWebConns: a.webSeedRequests ?? WEB_SEED_REQUESTS }) as LabTorrent;
  run.torrent = torrent;
  torrent.on("wire", (wire: Wire) => {
    // a free rider keeps every peer choked (webtorrent unchokes on interest and at each rechoke), so nobody
    // can request from it; an upload cap of 0 would instead stall its own requests and handshakes
    if (a.freeRider) (wire as Wire & { unchoke(): void }).unchoke = () => undefined;
    const fromServer = wire.type === "webSeed" || (a.seedPeerId !== undefined && wire.peerId === a.seedPeerId);
    wire.on("download", (bytes: number) => {
      run.firstByteAt ??= now();
      if (fromServer) run.fromServer += bytes;
      else run.fromPeers += bytes;
    });
  });
  torrent.on("upload", (bytes: number) => (run.uploaded += bytes));
  torrent.on("verified", () => {
    // the last-pieces tail starts at 95%
    if (++run.verified >= 0.95 * (torrent.pieces?.length ?? Infinity)) run.at95 ??= now();
  });
  torrent.on("warning", () => undefined); // failed handshakes and the like: the swarm copes
  torrent.on("error", (error) => sendSlot(slot, { type: "error", runId: a.runId, message: String(error) }));
  let announced = false;
  torrent.on("trackerAnnounce", () => {
    if (announced) return;
    announced = true;
    sendSlot(slot, { type: "announced", runId: a.runId, t: now() });
  });
  torrent.on("ready", () => {
    if (a.role === "seed") {
      // the seed's copy was verified while loading; `done` follows `ready` once every piece checked out
      if (torrent.done) sendSlot(slot, { type: "seeding", runId: a.runId, t: now() });
      else torrent.once("done", () => sendSlot(slot, { type: "seeding", runId: a.runId, t: now() }));
      return;
    }
    if (a.mode === "hybrid" && a.httpUrl) {
      // BEP 19 through the product's code (client/lib/web-seed-assist.ts): by default the edge from the start
      // and all along (ALWAYS_WEB_SEED_POLICY); with --web-seed-policy the product's own rule (peers first,
      // the edge when they cannot serve)
      const policy = a.webSeedPolicy ? DEFAULT_WEB_SEED_POLICY : ALWAYS_WEB_SEED_POLICY;
      run.webSeed = assistWithWebSeed(torrent, a.httpUrl, { policy: { ...policy, maxRequests: a.webSeedRequests ?? WEB_SEED_REQUESTS } });
    }
  });
  if (a.role === "leecher") torrent.on("done", () => finish(run));
}

/** The run's clock starts now: the caps forget the wait before it (the seed's credit is not banked). */
function go(slot: number, runId: string): void {
  const run = current.get(slot);
  if (!run || run.assignment.runId !== runId) return;
  const t = performance.now();
  run.up?.cap.reset(t);
  run.down?.cap.reset(t);
}

async function stop(slot: number, runId: string): Promise<void> {
  const run = current.get(slot);
  if (!run || run.assignment.runId !== runId) {
    sendSlot(slot, { type: "stopped", runId, sample: null });
    return;
  }
  current.delete(slot);
  if (run.timer) clearInterval(run.timer);
  run.webSeed?.stop();
  run.abort.abort();
  const last = sample(run);
  if (run.client) await new Promise<void>((resolve) => run.client!.destroy(() => resolve()));
  run.up?.destroy();
  run.down?.destroy();
  if (run.assignment.role === "leecher") await rm(run.assignment.dir, { recursive: true, force: true });
  sendSlot(slot, { type: "stopped", runId, sample: last });
}

// ---- measuring this host: CPU and event-loop delay per run (probe) and per second (samples)
const probes = new Map<string, EventLoopProbe>();
let interval: EventLoopProbe | null = null;
const HOST_SAMPLE_MS = 1000;
setInterval(() => {
  if (probes.size === 0 || !interval) return;
  const m = interval.read(true);
  if (m.wallSeconds < 0.5) return; // too short a window to mean anything
  send({ type: "host-sample", t: now(), cpuShare: m.cpuSeconds / m.wallSeconds, p99Ms: m.p99Ms });
}, HOST_SAMPLE_MS).unref();

function probe(runId: string, phase: "begin" | "end"): void {
  if (phase === "begin") {
    probes.get(runId)?.stop();
    probes.set(runId, new EventLoopProbe());
    if (interval) interval.read(true);
    else interval = new EventLoopProbe();
    return;
  }
  const p = probes.get(runId);
  if (!p) return;
  probes.delete(runId);
  const measure = p.read();
  p.stop();
  send({ type: "probed", runId, measure });
}

process.on("message", (message: RunnerToPeer) => {
  const handle = async () => {
    if (message.type === "start") await start(message.slot, message.assignment);
    else if (message.type === "go") go(message.slot, message.runId);
    else if (message.type === "stop") await stop(message.slot, message.runId);
    else if (message.type === "probe") probe(message.runId, message.phase);
    else if (message.type === "exit") {
      for (const [slot, run] of [...current]) await stop(slot, run.assignment.runId);
      process.disconnect?.();
      process.exit(0);
    }
  };
  handle().catch((error) => {
    const slot = "slot" in message ? message.slot : -1;
    send({ type: "error", slot, runId: current.get(slot)?.assignment.runId ?? null, message: String(error) });
  });
});
process.on("disconnect", () => process.exit(0)); // the runner is gone: never linger
process.on("uncaughtException", (error) => send({ type: "error", slot: -1, runId: null, message: `uncaught: ${String(error)}` }));
send({ type: "ready", pid: process.pid });
