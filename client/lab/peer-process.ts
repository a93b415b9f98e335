// A lab peer: one Node process that plays one role per run (the p2p seed, or a leecher downloading over
// WebTorrent, the web seed or plain HTTP), driven by the lab runner over IPC. Layer: client/lab (Node).
// Run by the runner as `node --import tsx client/lab/peer-process.ts` with LAB_PEER_ID set.
import { createHash } from "node:crypto";
import { mkdir, rm } from "node:fs/promises";
import type WebTorrent from "webtorrent";
import type { Torrent, Wire } from "webtorrent";
import { assistWithWebSeed, createNodeClient } from "../lib/node";
import type { PeerAssignment, PeerSample, PeerToRunner, RunnerToPeer } from "./peer-messages";

/** The webtorrent 3 methods the lab needs beyond client/types (throttles, BEP 19, the piece bitfield). */
type LabClient = WebTorrent & {
  throttleUpload(rate: number): boolean;
  throttleDownload(rate: number): boolean;
  throttleGroups: { up: ThrottleGroup; down: ThrottleGroup };
};
/** speed-limiter's ThrottleGroup: a token bucket (limiter's TokenBucket) shared by every wire. */
type ThrottleGroup = { setChunksize(bytes: number): void; bucket: { bucketSize: number; content: number; lastDrip: number } };

/** Burst a throttle may pass after an idle spell (s). */
export const THROTTLE_BUCKET_SECONDS = 0.05;

/**
 * webtorrent's throttles hold one second of tokens (bucket size = rate) and, set after the client exists,
 * start full: a peer could send a whole second's worth at once — a large error on runs of a few seconds.
 * Shrink the bucket to 50 ms and empty it, so a cap holds over any window longer than that.
 */
function tighten(group: ThrottleGroup, rate: number): void {
  const bucket = Math.max(1, Math.floor(rate * THROTTLE_BUCKET_SECONDS));
  group.setChunksize(Math.min(16 * 1024, bucket)); // a slice may not exceed the bucket
  group.bucket.bucketSize = bucket;
  group.bucket.content = 0;
  group.bucket.lastDrip = Date.now();
}
type LabTorrent = Torrent & { addWebSeed(url: string): void; bitfield?: { buffer: Uint8Array }; pieces?: unknown[] };

/** Parallel piece requests to the web seed in hybrid mode (webtorrent's default is 4). */
export const WEB_SEED_REQUESTS = 16;

const now = () => performance.timeOrigin + performance.now();
const peerId = process.env.LAB_PEER_ID ?? "";

function send(message: PeerToRunner): void {
  if (process.connected) process.send?.(message);
}

type Current = {
  assignment: PeerAssignment;
  client: LabClient | null;
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

let current: Current | null = null;

function sample(run: Current): PeerSample {
  const bits = run.torrent?.bitfield?.buffer;
  return {
    t: now(),
    fromServer: run.fromServer,
    fromPeers: run.fromPeers,
    uploaded: run.uploaded,
    have: bits ? Buffer.from(bits.buffer, bits.byteOffset, bits.byteLength).toString("hex") : "",
    connections: run.torrent?.wires.length ?? 0,
    firstByteAt: run.firstByteAt,
    at95: run.at95,
  };
}

async function start(assignment: PeerAssignment): Promise<void> {
  if (current) await stop(current.assignment.runId);
  const run: Current = { assignment, client: null, torrent: null, abort: new AbortController(), timer: null, fromServer: 0, fromPeers: 0, uploaded: 0, firstByteAt: null, at95: null, verified: 0, done: false };
  current = run;
  await mkdir(assignment.dir, { recursive: true });
  send({ type: "started", runId: assignment.runId, t: now() });
  run.timer = setInterval(() => send({ type: "sample", runId: assignment.runId, sample: sample(run) }), assignment.sampleMs);
  if (assignment.mode === "cs") await downloadOverHttp(run);
  else startTorrent(run);
}

function finish(run: Current): void {
  if (run.done || current !== run) return;
  run.done = true;
  send({ type: "done", runId: run.assignment.runId, t: now(), sample: sample(run) });
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
        // pace against the start: never more than cap·elapsed bytes read, so no burst past one chunk
        const ahead = (run.fromServer / cap) * 1000 - (now() - started);
        if (ahead > 1) await new Promise((resolve) => setTimeout(resolve, ahead));
      }
    }
    const digest = hash.digest("hex");
    if (run.fromServer !== size || digest !== sha256) throw new Error(`download corrupt: ${run.fromServer} bytes, sha256 ${digest}`);
    finish(run);
  } catch (error) {
    if (!run.abort.signal.aborted) send({ type: "error", runId, message: String(error) });
  }
}

function startTorrent(run: Current): void {
  const a = run.assignment;
  const client = createNodeClient({ peerId, strategy: a.strategy }) as LabClient;
  run.client = client;
  if (a.upBytesPerSecond) {
    client.throttleUpload(a.upBytesPerSecond);
    tighten(client.throttleGroups.up, a.upBytesPerSecond);
  }
  if (a.downBytesPerSecond) {
    client.throttleDownload(a.downBytesPerSecond);
    tighten(client.throttleGroups.down, a.downBytesPerSecond);
  }
  client.on("error", (error) => send({ type: "error", runId: a.runId, message: String(error) }));
  // hybrid: webtorrent asks a web seed for one piece per HTTP request, at most `maxWebConns` (4) at a time;
  // with 16 KiB pieces the request latency, not u_s, then caps the server's share. More requests in flight
  // hide it (the pipeline still grows only with the measured rate: 1 + rate·1 s / piece length).
  const torrent = client.add(Buffer.from(a.torrent!, "base64"), { path: a.dir, strategy: a.strategy, maxWebConns: WEB_SEED_REQUESTS }) as LabTorrent;
  run.torrent = torrent;
  torrent.on("wire", (wire: Wire) => {
    const fromServer = wire.type === "webSeed" || (a.seedPeerId !== undefined && wire.peerId === a.seedPeerId);
    wire.on("download", (bytes: number) => {
      run.firstByteAt ??= now();
      if (fromServer) run.fromServer += bytes;
      else run.fromPeers += bytes;
    });
  });
  torrent.on("upload", (bytes: number) => (run.uploaded += bytes));
  torrent.on("verified", () => {
    // the last-pieces tail starts at 95% (webtorrent has no endgame mode)
    if (++run.verified >= 0.95 * (torrent.pieces?.length ?? Infinity)) run.at95 ??= now();
  });
  torrent.on("warning", () => undefined); // failed handshakes and the like: the swarm copes
  torrent.on("error", (error) => send({ type: "error", runId: a.runId, message: String(error) }));
  let announced = false;
  torrent.on("trackerAnnounce", () => {
    if (announced) return;
    announced = true;
    send({ type: "announced", runId: a.runId, t: now() });
  });
  torrent.on("ready", () => {
    if (a.role === "seed") {
      // the seed's copy was verified while loading; `done` follows `ready` once every piece checked out
      if (torrent.done) send({ type: "seeding", runId: a.runId, t: now() });
      else torrent.once("done", () => send({ type: "seeding", runId: a.runId, t: now() }));
      return;
    }
    if (a.mode === "hybrid" && a.httpUrl) {
      // BEP 19. With --web-seed-policy the product's rule decides (peers first, the server when they cannot
      // serve); the lab and the product share client/lib/web-seed-policy.ts and web-seed-assist.ts.
      if (a.webSeedPolicy) run.webSeed = assistWithWebSeed(torrent, a.httpUrl, { policy: { maxRequests: WEB_SEED_REQUESTS } });
      else torrent.addWebSeed(a.httpUrl);
    }
  });
  if (a.role === "leecher") torrent.on("done", () => finish(run));
}

async function stop(runId: string): Promise<void> {
  const run = current;
  if (!run || run.assignment.runId !== runId) {
    send({ type: "stopped", runId, sample: null });
    return;
  }
  current = null;
  if (run.timer) clearInterval(run.timer);
  run.webSeed?.stop();
  run.abort.abort();
  const last = sample(run);
  if (run.client) await new Promise<void>((resolve) => run.client!.destroy(() => resolve()));
  if (run.assignment.role === "leecher") await rm(run.assignment.dir, { recursive: true, force: true });
  send({ type: "stopped", runId, sample: last });
}

process.on("message", (message: RunnerToPeer) => {
  const handle = async () => {
    if (message.type === "start") await start(message.assignment);
    else if (message.type === "stop") await stop(message.runId);
    else if (message.type === "exit") {
      if (current) await stop(current.assignment.runId);
      process.disconnect?.();
      process.exit(0);
    }
  };
  handle().catch((error) => send({ type: "error", runId: current?.assignment.runId ?? null, message: String(error) }));
});
process.on("disconnect", () => process.exit(0)); // the runner is gone: never linger
process.on("uncaughtException", (error) => send({ type: "error", runId: current?.assignment.runId ?? null, message: `uncaught: ${String(error)}` }));
send({ type: "ready", peerId, pid: process.pid });
