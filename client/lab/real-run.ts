// Real lab runs: N WebTorrent peers in a few peer host processes, the central server behind the runner's
// rate-capping proxy, every byte counted, every cap checked and the machine measured. Layer: client/lab (Node).
import { fork, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import createTorrent from "create-torrent";
import { boundFor, type Mode } from "./bounds";
import type { OriginProxy } from "./origin-proxy";
import { EventLoopProbe, machineJiffies, processGroupCpuSeconds, type CpuMeasure, type CpuSample, type ProcessMeasure } from "./machine";
import type { HostMeasure, PeerAssignment, PeerSample, PeerToRunner, RunnerToPeer, SlotMessage } from "./peer-messages";
import { diversityOf, piecesHeld, type RunRecord } from "./records";
import { buildRecord } from "./run-record";
import type { Strategy } from "./simulator";

const peerScript = fileURLToPath(new URL("./peer-process.ts", import.meta.url));
const now = () => performance.timeOrigin + performance.now();

/** "-ES0001-" (Azureus-style client tag) + 12 random bytes, hex: how the tracker and other peers know us. */
function labPeerId(): string {
  return Buffer.concat([Buffer.from("-ES0001-"), randomBytes(12)]).toString("hex");
}

type Host = { child: ChildProcess; listeners: Set<(m: PeerToRunner) => void>; exited: boolean; stderr: string };

export type PeerPoolOptions = {
  /** Leecher slots (0…leechers−1). */
  leechers: number;
  /** A seed slot (index `leechers`) in a host of its own: it carries u_s, the largest rate. */
  seed: boolean;
  /** Leechers per host process (default 4): several WebTorrent clients share one Node process. */
  perHost?: number;
  /** Niceness of the hosts (default 5): the runner, its pacing proxy and the worker come first. */
  nice?: number;
};

/**
 * Long-lived peer hosts reused across runs (a fresh WebTorrent client per slot and run). Leecher slots are
 * spread round-robin over ⌈leechers/perHost⌉ hosts so small runs use every host.
 */
export class PeerPool {
  readonly hosts: Host[] = [];
  /** Per slot: its host and its peer id (hex). */
  readonly slots: { host: number; peerId: string }[] = [];
  private constructor() {}

  static async start(options: PeerPoolOptions): Promise<PeerPool> {
    const pool = new PeerPool();
    const perHost = Math.max(1, options.perHost ?? 4);
    const leecherHosts = Math.max(1, Math.ceil(options.leechers / perHost));
    const hostCount = leecherHosts + (options.seed ? 1 : 0);
    // two at a time: each process compiles TypeScript and loads webtorrent + node-datachannel
    for (let i = 0; i < hostCount; i += 2) {
      await Promise.all(Array.from({ length: Math.min(2, hostCount - i) }, () => pool.spawnHost(options.nice ?? 5)));
    }
    for (let i = 0; i < options.leechers; i++) pool.slots.push({ host: i % leecherHosts, peerId: labPeerId() });
    pool.leechers = options.leechers;
    if (options.seed) {
      pool.seedSlot = pool.slots.length;
      pool.slots.push({ host: leecherHosts, peerId: labPeerId() });
    }
    return pool;
  }

  private spawnHost(nice: number): Promise<void> {
    // LAB_PROFILE_DIR: each host writes a V8 CPU profile there when it exits (what burns a host's CPU)
    const profile = process.env.LAB_PROFILE_DIR ? ["--cpu-prof", "--cpu-prof-dir", process.env.LAB_PROFILE_DIR] : [];
    const child = fork(peerScript, [], {
      execArgv: ["--import", "tsx", ...profile],
      env: process.env,
      stdio: ["ignore", "ignore", "pipe", "ipc"],
    });
    const host: Host = { child, listeners: new Set(), exited: false, stderr: "" };
    child.stderr?.on("data", (chunk: Buffer) => (host.stderr = (host.stderr + chunk.toString()).slice(-4000)));
    child.on("message", (m: PeerToRunner) => {
      for (const listener of host.listeners) listener(m);
    });
    child.on("exit", () => (host.exited = true));
    try {
      if (child.pid) os.setPriority(child.pid, nice);
    } catch {
      // not allowed here: the hosts run at the runner's priority
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`peer host not ready after 60 s:\n${host.stderr}`)), 60_000);
      const onReady = (m: PeerToRunner) => {
        if (m.type !== "ready") return;
        clearTimeout(timer);
        host.listeners.delete(onReady);
        this.hosts.push(host);
        resolve();
      };
      host.listeners.add(onReady);
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`peer host exited (${code}) before ready:\n${host.stderr}`));
      });
    });
  }

  get size(): number {
    return this.slots.length;
  }

  /** Leecher slots (0…leechers−1). */
  leechers = 0;
  /** The seed's slot, or null without one. */
  seedSlot: number | null = null;

  peerIdOf(slot: number): string {
    return this.slots[slot]!.peerId;
  }

  hostOf(slot: number): number {
    return this.slots[slot]!.host;
  }

  send(slot: number, message: RunnerToPeer): void {
    this.sendHost(this.hostOf(slot), message);
  }

  sendHost(index: number, message: RunnerToPeer): void {
    const host = this.hosts[index]!;
    if (!host.exited && host.child.connected) host.child.send(message);
  }

  /** Messages for one slot (and host-wide errors, which concern every slot of the host). */
  on(slot: number, listener: (m: SlotMessage) => void): () => void {
    const host = this.hosts[this.hostOf(slot)]!;
    const filtered = (m: PeerToRunner) => {
      if ("slot" in m && (m.slot === slot || (m.slot === -1 && m.type === "error"))) listener(m);
    };
    host.listeners.add(filtered);
    return () => host.listeners.delete(filtered);
  }

  /** Host-level messages (CPU samples, probes) of host `index`. */
  onHost(index: number, listener: (m: PeerToRunner) => void): () => void {
    const host = this.hosts[index]!;
    host.listeners.add(listener);
    return () => host.listeners.delete(listener);
  }

  async close(): Promise<void> {
    await Promise.all(
      this.hosts.map(
        (host) =>
          new Promise<void>((resolve) => {
            if (host.exited) return resolve();
            const timer = setTimeout(() => {
              host.child.kill("SIGKILL");
              resolve();
            }, 5_000);
            host.child.once("exit", () => {
              clearTimeout(timer);
              resolve();
            });
            if (host.child.connected) host.child.send({ type: "exit" } satisfies RunnerToPeer);
            else host.child.kill("SIGTERM");
          }),
      ),
    );
  }
}

export type RealRunSpec = {
  mode: Mode;
  strategy: Strategy;
  peers: number;
  repeat: number;
  fileBytes: number;
  /** bit/s */
  serverUp: number;
  peerUp: number;
  peerDown: number;
  pieceBytes: number;
  /** hybrid: the product's web seed policy decides when leechers ask the server (default: always). */
  webSeedPolicy?: boolean;
  /** hybrid: parallel requests to the web seed (default peer-process.ts WEB_SEED_REQUESTS). */
  webSeedRequests?: number;
  /** Hot-swap rule of the peers (default client/lib's: only in the endgame). */
  hotswap?: "always" | "endgame" | "never";
  /** Issue 14: the last `freeRiders` leechers never unchoke anyone (they upload nothing). */
  freeRiders?: number;
  /** Issue 14 (Legout's transient state): p2p, the seed leaves once it has uploaded this many copies. */
  seedLeavesAfterCopies?: number;
  /** With the seed leaving: give up once no leecher gained a piece for this long (s, default 15). */
  stallSeconds?: number;
};

export type RealRunContext = {
  pool: PeerPool;
  proxy: OriginProxy;
  /** The central server's own URL (for the directory query and the upload). */
  serverUrl: string;
  labKey: string;
  workDir: string;
  sampleMs?: number;
  /** Give up after max(minTimeoutSeconds, timeoutFactor·bound) seconds. */
  timeoutFactor?: number;
  minTimeoutSeconds?: number;
  /** Process group of the local worker (its CPU time is part of the run's measure). */
  workerPgid?: number;
};

/** A random file of `size` bytes, its torrent (announcing to the proxy's tracker relay) and its server copy. */
async function prepareFile(spec: RealRunSpec, ctx: RealRunContext, runId: string) {
  const data = randomBytes(spec.fileBytes);
  const name = `${runId}.bin`;
  const seedDir = path.join(ctx.workDir, runId, "seed");
  await mkdir(seedDir, { recursive: true });
  await writeFile(path.join(seedDir, name), data);
  const torrent = await new Promise<Uint8Array>((resolve, reject) =>
    createTorrent(
      Buffer.from(data),
      { name, announceList: [[`${ctx.proxy.wsUrl}/announce`]], pieceLength: spec.pieceBytes, createdBy: "edgeswarm lab", private: false },
      (error: Error | null, torrent?: Uint8Array) => (error || !torrent ? reject(error ?? new Error("no torrent")) : resolve(torrent)),
    ),
  );
  if (spec.mode !== "p2p") {
    const response = await fetch(`${ctx.serverUrl}/lab/files/${name}`, { method: "PUT", body: data, headers: { authorization: `Bearer ${ctx.labKey}` } });
    if (!response.ok) throw new Error(`uploading the lab file to the server: ${response.status} ${await response.text()}`);
  }
  return { name, seedDir, torrent: Buffer.from(torrent).toString("base64"), sha256: createHash("sha256").update(data).digest("hex") };
}

async function directoryLatency(serverUrl: string): Promise<number | null> {
  try {
    const started = now();
    const response = await fetch(`${serverUrl}/api/search?q=lab`);
    await response.arrayBuffer();
    return response.status === 404 ? null : now() - started;
  } catch {
    return null;
  }
}


const CPU_SAMPLE_MS = 1000;

/** The runner's side of measuring a run: its own event loop, the worker's CPU, the machine, and the hosts. */
class RunMeasure {
  private readonly runner = new EventLoopProbe();
  private readonly interval = new EventLoopProbe();
  private readonly samples: CpuSample[] = [];
  private readonly offs: (() => void)[] = [];
  private readonly probed = new Map<number, HostMeasure>();
  private timer: ReturnType<typeof setInterval> | null = null;
  private jiffies: { busy: number; total: number } | null = null;
  private workerCpu: number | null = null;
  private lastWorker: { t: number; cpu: number } | null = null;
  private lastJiffies: { busy: number; total: number } | null = null;
  private started = now();

  constructor(
    private readonly pool: PeerPool,
    private readonly runId: string,
    private readonly workerPgid: number | undefined,
  ) {}

  async begin(): Promise<void> {
    this.jiffies = await machineJiffies();
    this.lastJiffies = this.jiffies;
    this.workerCpu = this.workerPgid ? await processGroupCpuSeconds(this.workerPgid) : null;
    if (this.workerCpu !== null) this.lastWorker = { t: now(), cpu: this.workerCpu };
    this.pool.hosts.forEach((_, h) => {
      this.offs.push(
        this.pool.onHost(h, (m) => {
          if (m.type === "host-sample") this.samples.push({ t: m.t, role: this.role(h), cpuShare: m.cpuShare, eventLoopP99Ms: m.p99Ms });
          else if (m.type === "probed" && m.runId === this.runId) this.probed.set(h, m.measure);
        }),
      );
      this.pool.sendHost(h, { type: "probe", runId: this.runId, phase: "begin" });
    });
    this.started = now();
    this.runner.read(true);
    this.interval.read(true);
    this.timer = setInterval(() => void this.sample(), CPU_SAMPLE_MS);
  }

  private role(host: number): string {
    const seedHost = this.pool.seedSlot === null ? -1 : this.pool.hostOf(this.pool.seedSlot);
    return host === seedHost ? "seed host" : `peer host ${host + 1}`;
  }

  private async sample(): Promise<void> {
    const t = now();
    const r = this.interval.read(true);
    this.samples.push({ t, role: "runner + proxy", cpuShare: r.wallSeconds > 0 ? r.cpuSeconds / r.wallSeconds : 0, eventLoopP99Ms: r.p99Ms });
    if (this.workerPgid && this.lastWorker) {
      const cpu = await processGroupCpuSeconds(this.workerPgid);
      if (cpu !== null) {
        this.samples.push({ t, role: "worker", cpuShare: (cpu - this.lastWorker.cpu) / ((t - this.lastWorker.t) / 1000), eventLoopP99Ms: null });
        this.lastWorker = { t, cpu };
      }
    }
    const j = await machineJiffies();
    if (j && this.lastJiffies && j.total > this.lastJiffies.total) {
      const cores = os.cpus().length;
      this.samples.push({ t, role: "machine (all jobs)", cpuShare: ((j.busy - this.lastJiffies.busy) / (j.total - this.lastJiffies.total)) * cores, eventLoopP99Ms: null });
      this.lastJiffies = j;
    }
  }

  async end(): Promise<{ measure: CpuMeasure; samples: CpuSample[] }> {
    if (this.timer) clearInterval(this.timer);
    const wallSeconds = (now() - this.started) / 1000;
    const runner = this.runner.read();
    this.runner.stop();
    this.interval.stop();
    const got = new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (this.probed.size >= this.pool.hosts.length) {
          clearInterval(check);
          resolve();
        }
      }, 20);
      setTimeout(() => (clearInterval(check), resolve()), 5_000);
    });
    this.pool.hosts.forEach((_, h) => this.pool.sendHost(h, { type: "probe", runId: this.runId, phase: "end" }));
    await got;
    for (const off of this.offs) off();
    const processes: ProcessMeasure[] = [{ role: "runner + proxy", cpuSeconds: runner.cpuSeconds, eventLoopP50Ms: runner.p50Ms, eventLoopP99Ms: runner.p99Ms, eventLoopMaxMs: runner.maxMs }];
    if (this.workerPgid && this.workerCpu !== null) {
      const cpu = await processGroupCpuSeconds(this.workerPgid);
      if (cpu !== null) processes.push({ role: "worker", cpuSeconds: cpu - this.workerCpu, eventLoopP50Ms: null, eventLoopP99Ms: null, eventLoopMaxMs: null });
    }
    for (const [h, m] of [...this.probed].sort((a, b) => a[0] - b[0])) processes.push({ role: this.role(h), cpuSeconds: m.cpuSeconds, eventLoopP50Ms: m.p50Ms, eventLoopP99Ms: m.p99Ms, eventLoopMaxMs: m.maxMs });
    const j = await machineJiffies();
    const cores = os.cpus().length;
    const measure: CpuMeasure = {
      wallSeconds,
      cores,
      machineBusyShare: j && this.jiffies && j.total > this.jiffies.total ? (j.busy - this.jiffies.busy) / (j.total - this.jiffies.total) : null,
      labBusyShare: processes.reduce((a, p) => a + p.cpuSeconds, 0) / (cores * Math.max(wallSeconds, 1e-9)),
      processes,
    };
    return { measure, samples: this.samples };
  }
}

export async function runReal(spec: RealRunSpec, ctx: RealRunContext): Promise<RunRecord> {
  const runId = `${spec.mode}-${spec.strategy}-n${spec.peers}-r${spec.repeat}-${randomBytes(3).toString("hex")}`;
  const sampleMs = ctx.sampleMs ?? 250;
  const capacities = { fileBits: spec.fileBytes * 8, serverUp: spec.serverUp, peerUp: spec.peerUp, peerDown: spec.peerDown, peers: spec.peers };
  const bound = boundFor(spec.mode, capacities);
  const timeoutSeconds = Math.max(ctx.minTimeoutSeconds ?? 60, (ctx.timeoutFactor ?? 6) * bound);
  const pieces = Math.ceil(spec.fileBytes / spec.pieceBytes);
  if (ctx.pool.leechers < spec.peers || (spec.mode === "p2p" && ctx.pool.seedSlot === null)) throw new Error("peer pool too small");
  const file = await prepareFile(spec, ctx, runId);
  const upBytes = spec.peerUp / 8;
  const downBytes = spec.peerDown === Infinity ? null : spec.peerDown / 8;
  const serverBytesPerSecond = spec.serverUp / 8;
  const seedSlot = ctx.pool.seedSlot ?? -1;
  const seedPeerId = spec.mode === "p2p" ? ctx.pool.peerIdOf(seedSlot) : undefined;

  ctx.proxy.setRate(spec.mode === "p2p" ? null : serverBytesPerSecond);
  const problems: string[] = [];
  const samples: PeerSample[][] = Array.from({ length: spec.peers }, () => []);
  const doneAt: (number | null)[] = new Array(spec.peers).fill(null);
  const seedSamples: PeerSample[] = [];
  const unsubscribe: (() => void)[] = [];
  const errors: string[] = [];

  const waitFor = (slot: number, type: SlotMessage["type"], ms: number) =>
    new Promise<SlotMessage>((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`peer ${slot}: no ${type} within ${ms} ms`));
      }, ms);
      const off = ctx.pool.on(slot, (m) => {
        if (m.runId !== runId && !(m.type === "error" && m.runId === null)) return;
        if (m.type === type) {
          clearTimeout(timer);
          off();
          resolve(m);
        } else if (m.type === "error" && type === "seeding") {
          clearTimeout(timer);
          off();
          reject(new Error(`seed: ${m.message}`));
        }
      });
    });

  const assignment = (role: "seed" | "leecher", slot: number): PeerAssignment => ({
    runId,
    mode: spec.mode,
    role,
    peerId: ctx.pool.peerIdOf(slot),
    torrent: spec.mode === "cs" ? undefined : file.torrent,
    announceUrl: `${ctx.proxy.wsUrl}/announce?slot=${slot}`,
    dir: role === "seed" ? file.seedDir : path.join(ctx.workDir, runId, `peer-${slot}`),
    strategy: spec.strategy,
    upBytesPerSecond: role === "seed" ? serverBytesPerSecond : upBytes,
    downBytesPerSecond: role === "seed" ? null : downBytes,
    httpUrl: spec.mode === "p2p" ? undefined : `${ctx.proxy.url}/lab/files/${file.name}?peer=${slot}`,
    sha256: file.sha256,
    size: spec.fileBytes,
    seedPeerId,
    webSeedPolicy: spec.webSeedPolicy,
    webSeedRequests: spec.webSeedRequests,
    freeRider: role === "leecher" && slot >= spec.peers - (spec.freeRiders ?? 0),
    hotswap: spec.hotswap,
    sampleMs,
  });

  try {
    // 1. p2p: the seed verifies its copy and announces before any leecher starts
    if (spec.mode === "p2p") {
      unsubscribe.push(ctx.pool.on(seedSlot, (m) => (m.type === "sample" || m.type === "stopped") && m.runId === runId && m.sample && seedSamples.push(m.sample)));
      const seeding = waitFor(seedSlot, "seeding", 60_000);
      const announced = waitFor(seedSlot, "announced", 60_000);
      ctx.pool.send(seedSlot, { type: "start", slot: seedSlot, assignment: assignment("seed", seedSlot) });
      await seeding;
      await announced;
    }

    // 2. all leechers at once; the clock (and every cap) starts now
    const allDone = new Promise<void>((resolve) => {
      let remaining = spec.peers;
      for (let i = 0; i < spec.peers; i++) {
        unsubscribe.push(
          ctx.pool.on(i, (m) => {
            if (m.runId !== runId) {
              if (m.type === "error" && m.runId === null) errors.push(`peer host of ${i}: ${m.message}`);
              return;
            }
            if (m.type === "sample") samples[i]!.push(m.sample);
            else if (m.type === "done") {
              samples[i]!.push(m.sample);
              if (doneAt[i] === null) {
                doneAt[i] = m.t;
                if (--remaining === 0) resolve();
              }
            } else if (m.type === "error") errors.push(`peer ${i}: ${m.message}`);
          }),
        );
      }
    });
    const measure = new RunMeasure(ctx.pool, runId, ctx.workerPgid);
    await measure.begin();
    ctx.proxy.reset();
    const t0 = now();
    if (spec.mode === "p2p") ctx.pool.send(seedSlot, { type: "go", slot: seedSlot, runId });
    for (let i = 0; i < spec.peers; i++) ctx.pool.send(i, { type: "start", slot: i, assignment: assignment("leecher", i) });
    const directory = directoryLatency(ctx.serverUrl);
    let timedOut = false;
    let timeout: ReturnType<typeof setTimeout> | undefined;
    const leave = spec.mode === "p2p" && spec.seedLeavesAfterCopies ? watchSeedDeparture(spec, ctx, seedSlot, runId, seedSamples, samples) : null;
    await Promise.race([
      allDone,
      new Promise<void>((resolve) => (timeout = setTimeout(() => ((timedOut = true), resolve()), timeoutSeconds * 1000))),
      ...(leave ? [leave.stalled] : []),
    ]);
    clearTimeout(timeout);
    leave?.stop();
    const tEnd = now();
    const directoryLatencyMs = await directory;
    const proxyStats = ctx.proxy.stats();
    const machine = await measure.end();

    // 3. stop everyone, collect the last counters
    const stopped = Array.from({ length: spec.peers }, (_, i) => waitFor(i, "stopped", 20_000).catch(() => null));
    for (let i = 0; i < spec.peers; i++) ctx.pool.send(i, { type: "stop", slot: i, runId });
    const finals = await Promise.all(stopped);
    finals.forEach((m, i) => m?.type === "stopped" && m.sample && samples[i]!.push(m.sample));
    if (spec.mode === "p2p") {
      const seedStopped = waitFor(seedSlot, "stopped", 20_000).catch(() => null);
      ctx.pool.send(seedSlot, { type: "stop", slot: seedSlot, runId });
      await seedStopped;
    }

    const departure = leave?.departure() ?? null;
    const record: RunRecord = buildRecord({
      spec,
      runId,
      t0,
      tEnd,
      bound,
      pieces,
      capacities,
      // with the seed gone, not finishing is the outcome being measured, not a failed run
      timedOut: timedOut && !departure,
      timeoutSeconds,
      errors,
      problems,
      samples,
      doneAt,
      seedSamples,
      proxyStats,
      directoryLatencyMs,
      machine,
      sampleMs,
      trackerOf: (i) => proxyStats.trackerByPeer[ctx.pool.peerIdOf(i)] ?? null,
      departure,
    });
    return record;
  } finally {
    for (const off of unsubscribe) off();
    await rm(path.join(ctx.workDir, runId), { recursive: true, force: true });
  }
}

/**
 * Legout's transient state, for real: stops the seed once its counter shows k copies uploaded, and resolves
 * `stalled` once no leecher has gained a piece for `stallSeconds` after that (the swarm is stuck: some piece
 * left with the seed).
 */
function watchSeedDeparture(spec: RealRunSpec, ctx: RealRunContext, seedSlot: number, runId: string, seedSamples: PeerSample[], samples: PeerSample[][]) {
  let departedAt: number | null = null;
  let surviving: number | null = null;
  let lastProgress = now();
  let lastHeld = -1;
  let resolveStalled: () => void = () => undefined;
  const stalled = new Promise<void>((resolve) => (resolveStalled = resolve));
  const pieces = Math.ceil(spec.fileBytes / spec.pieceBytes);
  const baseline = seedSamples.at(-1)?.uploaded ?? 0;
  const timer = setInterval(() => {
    const latest = samples.map((list) => list.at(-1)?.have ?? "");
    const held = latest.reduce((a, h) => a + piecesHeld(h), 0);
    if (held !== lastHeld) {
      lastHeld = held;
      lastProgress = now();
    }
    if (departedAt === null && (seedSamples.at(-1)?.uploaded ?? 0) - baseline >= spec.seedLeavesAfterCopies! * spec.fileBytes) {
      departedAt = now();
      surviving = diversityOf(latest, pieces).distinct;
      ctx.pool.send(seedSlot, { type: "stop", slot: seedSlot, runId });
    }
    if (departedAt !== null && now() - lastProgress > (spec.stallSeconds ?? 15) * 1000) resolveStalled();
  }, 250);
  return {
    stalled,
    stop: () => clearInterval(timer),
    departure: () => (departedAt === null ? null : { at: departedAt, surviving: surviving! }),
  };
}
