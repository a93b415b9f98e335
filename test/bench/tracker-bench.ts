// `npm run bench:tracker`: load-tests our tracker (wrangler dev → workerd, both endpoints; optionally the same
// tracker on the Deno host) against bittorrent-tracker's Server on this machine, alternating between them, and prints a markdown table to
// stdout (progress goes to stderr). Trackers and load generators run in separate processes; CPU and memory
// come from /proc. Options (all optional):
//   --duration=10 --warmup=2      seconds measured, seconds of warm-up after every peer's first announce
//   --sizes=200x20,1000x100       peers x swarms
//   --pace=18 --burst=10          per-socket pacing (msg/s, burst) for paced runs; our limit is 20/s, burst 60
//   --generators=2                load-generator processes
//   --no-ref-unpaced              skip the closed-loop (unpaced) reference run
//   --ours-unpaced                add an unpaced run of ours (shows the rate limit at work)
//   --runtime=miniflare           how ours runs: miniflare (default: the worker's bundle in one workerd, as
//                                 Cloudflare runs it, minus Cloudflare's front), wrangler (`wrangler dev`, as
//                                 `npm start`: every request also crosses wrangler's dev proxy — one Durable
//                                 Object that pipes every socket, a development convenience), deno (one Deno
//                                 process, as `npm run start:deno`), both (= miniflare,wrangler), or a list
//                                 (--runtime=miniflare,deno). Deno also runs unpaced with its per-socket rate
//                                 limit lifted (SOCKET_MESSAGES_PER_SECOND): its capacity beside the unpaced reference.
//   --only=ours-direct,reference  run only these targets; --rounds=N keeps each configuration's median
//   --cpu-prof=DIR                V8 CPU profiles of the generators and the reference
//   --flash=5000x100 --flash-rate=400 --flash-duration=60
//                                 the flash crowd: every socket connects at once, then the crowd announces at
//                                 this total rate (open loop) for this long; --flash=none skips it
// Ours on workerd runs with USAGE_PROBE=1, so every run also counts what it would cost on Cloudflare (per announce
// cycle: Durable Object requests, RPC calls, WebSocket messages, storage and D1 rows; priced by
// cloudflare-prices.ts). On Deno those columns are "–": CPU comes from /proc of the deno process.
import { fork, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { cpus, tmpdir, totalmem } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { startLocalHost } from "../../scripts/local-host";
import { startLocalWorker, type LocalWorker } from "../../scripts/local-worker";
import { CLOUDFLARE_PRICES, billedDoRequests, dollars, usageDelta, type Usage } from "./cloudflare-prices";
import type { FromGenerator, GeneratorConfig, ToGenerator, WindowStats } from "./load-generator";
import { machineCpu, measure, processTree, readCmdline, type ProcInfo } from "./proc-stats";

// ---- Options ----

const argv = new Map(
  process.argv.slice(2).map((arg) => {
    const [key, value] = arg.replace(/^--/, "").split("=");
    return [key!, value ?? "true"] as const;
  }),
);
const num = (key: string, fallback: number) => (argv.has(key) ? Number(argv.get(key)) : fallback);
const opts = {
  durationS: num("duration", 10),
  warmupS: num("warmup", 2),
  pace: num("pace", 18),
  burst: num("burst", 10),
  generators: num("generators", 2),
  rounds: num("rounds", 1),
  offers: num("offers", 5),
  sdpBytes: num("sdp", 300),
  sizes: (argv.get("sizes") ?? "200x20,1000x100").split(",").map((s) => {
    const [peers, swarms] = s.split("x").map(Number);
    return { peers: peers!, swarms: swarms! };
  }),
  refUnpaced: !argv.has("no-ref-unpaced"),
  oursUnpaced: argv.has("ours-unpaced"),
  runtimes: (argv.get("runtime") === "both" ? ["miniflare", "wrangler"] : (argv.get("runtime") ?? "miniflare").split(",")) as Runtime[],
  only: argv.get("only")?.split(","),
  cpuProf: argv.get("cpu-prof"),
  flash: argv.get("flash") === "none" ? null : (() => {
    const [peers, swarms] = (argv.get("flash") ?? "5000x100").split("x").map(Number);
    return { peers: peers!, swarms: swarms! };
  })(),
  flashRate: num("flash-rate", 400),
  flashDurationS: num("flash-duration", 60),
};

const root = fileURLToPath(new URL("../..", import.meta.url));
/**
 * Ours keeps its local state (Durable Object storage, D1) in memory (tmpfs) when the machine has one: on
 * Cloudflare those writes are remote and never stall the tracker's thread, while a local disk's fsync on a
 * shared machine would measure the disk (seen: a flash crowd served at 29% with the tracker 82% idle).
 */
const STATE_ROOT = existsSync("/dev/shm") ? "/dev/shm" : tmpdir();
const here = fileURLToPath(new URL(".", import.meta.url));
const log = (...parts: unknown[]) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}]`, ...parts);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Rejects after `ms` so that no step of a run can hang the benchmark. */
function within<T>(ms: number, what: string, promise: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: nothing after ${ms} ms`)), ms))),
  ]);
}

// ---- Child processes we started (stopped by pid on the way out) ----

const children = new Set<ChildProcess>();
let worker: LocalWorker | null = null;

function forkTs(file: string, args: string[] = [], profile = false): ChildProcess {
  const execArgv = ["--import", "tsx", ...(profile && opts.cpuProf ? ["--cpu-prof", `--cpu-prof-dir=${opts.cpuProf}`] : [])];
  const child = fork(path.join(here, file), args, { execArgv, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

async function killChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await within(5000, "child exit", exited).catch(() => child.kill("SIGKILL"));
}

/** Asks an IPC child to finish on its own (so --cpu-prof can write its profile); SIGTERM if it does not. */
async function disconnectChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  if (child.connected) child.disconnect();
  await within(8000, "child exit", exited).catch(() => killChild(child));
}

async function cleanup(): Promise<void> {
  await Promise.allSettled([...oursRunning.keys()].map(stopOurs));
  await Promise.allSettled([...children].map(killChild));
  await worker?.stop().catch(() => undefined);
  worker = null;
}

function nextMessage<T extends { type: string }>(child: ChildProcess, type: string, ms: number): Promise<T> {
  return within(
    ms,
    `waiting for "${type}" from pid ${child.pid}`,
    new Promise<T>((resolve, reject) => {
      const onMessage = (message: T) => {
        if (message.type !== type) return;
        child.off("message", onMessage);
        child.off("exit", onExit);
        resolve(message);
      };
      const onExit = (code: number | null) => reject(new Error(`pid ${child.pid} exited (${code}) before "${type}"`));
      child.on("message", onMessage);
      child.once("exit", onExit);
    }),
  );
}

// ---- Trackers under test ----

type Target = "ours-direct" | "ours-mux" | "reference";
type Runtime = "wrangler" | "miniflare" | "deno";

type TrackerHandle = {
  /** Processes whose CPU and memory are the tracker's. */
  serverPids: number[];
  /** Helper processes off the data path (wrangler's or Miniflare's Node side), measured apart. */
  helperPids: number[];
  describe: (pid: number) => string;
  url: (target: Target, infoHash: string) => string;
  /** Ours: the cost counters (GET /internal/usage). */
  usage?: () => Promise<Usage>;
  stop: () => Promise<void>;
};

const probe = (httpBase: string) => async (): Promise<Usage> => {
  const response = await fetch(`${httpBase}/internal/usage`);
  if (!response.ok) throw new Error(`usage probe answered ${response.status}`);
  return (await response.json()) as Usage;
};

const oursUrl = (base: string) => (target: Target, infoHash: string) =>
  target === "ours-direct" ? `${base}/announce/${infoHash}` : `${base}/announce`;

async function startWrangler(): Promise<TrackerHandle> {
  worker = await startLocalWorker({ vars: { USAGE_PROBE: "1" }, stateRoot: STATE_ROOT });
  const local = worker;
  // startLocalWorker spawns scripts/start.mjs (its own process group) → wrangler (node) → workerd ×2.
  const launcher = processTree(process.pid).find((p) => readCmdline(p.pid).includes("scripts/start.mjs"));
  if (!launcher) throw new Error("cannot find the scripts/start.mjs process");
  const tree = processTree(launcher.pid).filter((p) => p.pgrp === launcher.pgrp);
  const workerd = tree.filter((p) => p.comm === "workerd");
  if (workerd.length === 0) throw new Error("no workerd process under the local worker");
  // The worker's own workerd is started with an inspector; the other one is wrangler's proxy in front of it.
  const roles = new Map(workerd.map((p) => [p.pid, readCmdline(p.pid).includes("--inspector-addr") ? "worker" : "dev proxy"]));
  return {
    serverPids: workerd.map((p) => p.pid),
    helperPids: tree.filter((p) => p.comm !== "workerd").map((p) => p.pid),
    describe: (pid) => `workerd ${pid} (${roles.get(pid) ?? "?"})`,
    url: oursUrl(local.wsUrl),
    usage: probe(local.httpUrl),
    stop: async () => {
      await local.stop();
      worker = null;
    },
  };
}

let bundleDir: string | null = null;

/** `wrangler deploy --dry-run`: the exact bundle wrangler dev serves, for Miniflare to run. Built once. */
async function bundle(): Promise<string> {
  if (bundleDir) return bundleDir;
  const dir = await mkdtemp(path.join(tmpdir(), "edgeswarm-bundle-"));
  const wrangler = path.join(root, "node_modules/wrangler/bin/wrangler.js");
  const child = spawn(process.execPath, [wrangler, "deploy", "--dry-run", "--outdir", dir], {
    cwd: root,
    env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  const code = await within(120_000, "wrangler deploy --dry-run", new Promise((resolve) => child.once("exit", resolve)));
  if (code !== 0) throw new Error(`wrangler deploy --dry-run exited with ${code}`);
  return (bundleDir = dir);
}

async function startMiniflare(): Promise<TrackerHandle> {
  const stateDir = await mkdtemp(path.join(STATE_ROOT, "edgeswarm-mf-state-"));
  const child = forkTs("miniflare-tracker.ts", [await bundle(), stateDir]);
  const { port } = await nextMessage<{ type: string; port: number }>(child, "listening", 60_000);
  const workerd = processTree(child.pid!).filter((p) => p.comm === "workerd");
  return {
    serverPids: workerd.map((p) => p.pid),
    helperPids: [child.pid!],
    describe: (pid) => `workerd ${pid} (worker, Miniflare)`,
    url: oursUrl(`ws://127.0.0.1:${port}`),
    usage: probe(`http://127.0.0.1:${port}`),
    stop: async () => {
      await disconnectChild(child);
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}

/** Lifts the Deno host's per-socket message limit for a capacity run (20/s would cap a closed loop). */
const UNLIMITED_RATE = "1000000";

/** A fresh Deno host per run, as the reference: it starts in about a second. */
async function startDeno(spec: RunSpec): Promise<TrackerHandle> {
  const capacity = spec.kind === "closed" && !spec.paced;
  const host = await startLocalHost({ host: "deno", vars: capacity ? { SOCKET_MESSAGES_PER_SECOND: UNLIMITED_RATE } : {} });
  return {
    serverPids: [host.serverPid!],
    helperPids: [],
    describe: (pid) => `deno ${pid}`,
    url: oursUrl(host.wsUrl),
    stop: () => host.stop(),
  };
}

const oursRunning = new Map<Runtime, TrackerHandle>();

async function ours(runtime: Runtime): Promise<TrackerHandle> {
  let handle = oursRunning.get(runtime);
  if (!handle) {
    handle = runtime === "miniflare" ? await startMiniflare() : await startWrangler();
    oursRunning.set(runtime, handle);
  }
  return handle;
}

async function stopOurs(runtime: Runtime): Promise<void> {
  const handle = oursRunning.get(runtime);
  oursRunning.delete(runtime);
  await handle?.stop();
}

async function startReference(): Promise<TrackerHandle> {
  const child = forkTs("reference-tracker.ts", [], true);
  const { port } = await nextMessage<{ type: string; port: number }>(child, "listening", 30_000);
  return {
    serverPids: [child.pid!],
    helperPids: [],
    describe: (pid) => `node ${pid} (bittorrent-tracker)`,
    url: () => `ws://127.0.0.1:${port}/`,
    stop: () => disconnectChild(child),
  };
}

// ---- One measured run ----

type Size = { peers: number; swarms: number };
/** closed: each peer announces again once answered (capacity); flash: all connect at once, then an open loop. */
type RunSpec = { size: Size; target: Target; runtime: Runtime; paced: boolean; kind: "closed" | "flash" };

type RunResult = {
  spec: RunSpec;
  connected: number;
  connectMs: number;
  primeMs: number;
  stats: WindowStats; // summed over generators; latencies merged
  wallS: number;
  serverCpuS: number;
  serverCpuByPid: { what: string; cores: number }[];
  helperCpuS: number;
  generatorCpuS: number;
  busiestGeneratorCores: number;
  machineBusyS: number;
  serverRssBytes: number;
  serverRssIdleBytes: number;
  /** Ours: what the measured window cost (counters' difference). */
  usage: Usage | null;
  connectFailed: number;
};

function mergeStats(all: WindowStats[]): WindowStats {
  const failures: Record<string, number> = {};
  for (const s of all) for (const [reason, n] of Object.entries(s.failures)) failures[reason] = (failures[reason] ?? 0) + n;
  const sum = (pick: (s: WindowStats) => number) => all.reduce((acc, s) => acc + pick(s), 0);
  const frames = sum((s) => s.announcesSent + s.answersSent);
  return {
    seconds: sum((s) => s.seconds) / all.length,
    announcesSent: sum((s) => s.announcesSent),
    announceReplies: sum((s) => s.announceReplies),
    offersReceived: sum((s) => s.offersReceived),
    answersSent: sum((s) => s.answersSent),
    answersReceived: sum((s) => s.answersReceived),
    failures,
    announceTimeouts: sum((s) => s.announceTimeouts),
    strayReplies: sum((s) => s.strayReplies),
    socketsClosedByServer: sum((s) => s.socketsClosedByServer),
    latenciesMs: all.flatMap((s) => s.latenciesMs),
    meanPacingWaitMs: frames > 0 ? sum((s) => s.meanPacingWaitMs * (s.announcesSent + s.answersSent)) / frames : 0,
  };
}

/** The server went away mid-run (wrangler dev restarts workerd when a source file changes). */
class RestartedError extends Error {}

async function run(spec: RunSpec): Promise<RunResult> {
  const { peers, swarms } = spec.size;
  const fresh = spec.target === "reference" || spec.runtime === "deno";
  const tracker = spec.target === "reference" ? await startReference() : spec.runtime === "deno" ? await startDeno(spec) : await ours(spec.runtime);
  const generators: ChildProcess[] = [];
  const send = (child: ChildProcess, message: ToGenerator) => child.send(message);
  try {
    const serverRssIdleBytes = measure(tracker.serverPids).rssBytes;
    const hashes = Array.from({ length: swarms }, () => randomBytes(20).toString("hex"));
    const count = Math.min(opts.generators, swarms);
    for (let g = 0; g < count; g++) generators.push(forkTs("load-generator.ts", [], true));
    const ready = await Promise.all(
      generators.map((child, g) => {
        const mine = hashes.filter((_, i) => i % count === g); // whole swarms per generator
        const config: GeneratorConfig = {
          urls: mine.map((hash) => tracker.url(spec.target, hash)),
          swarms: mine,
          peersPerSwarm: Math.round(peers / swarms),
          offersPerAnnounce: opts.offers,
          sdpBytes: opts.sdpBytes,
          pacing: spec.paced && spec.kind === "closed" ? { ratePerSecond: opts.pace, burst: opts.burst } : null,
          announceEveryMs: spec.kind === "flash" ? (peers / opts.flashRate) * 1000 : null,
          // A flash crowd connects every socket at once.
          connectConcurrency: spec.kind === "flash" ? peers : 32,
          connectTimeoutMs: 30_000,
          announceTimeoutMs: 15_000,
        };
        const reply = nextMessage<Extract<FromGenerator, { type: "ready" }>>(child, "ready", 120_000);
        send(child, { type: "start", config });
        return reply;
      }),
    );
    const connected = ready.reduce((n, r) => n + r.connected, 0);
    const connectFailed = ready.reduce((n, r) => n + r.failed, 0);
    const firstError = ready.find((r) => r.firstError)?.firstError;
    log(`  ${connected}/${peers} sockets open in ${Math.max(...ready.map((r) => r.connectMs)).toFixed(0)} ms${firstError ? ` (first error: ${firstError})` : ""}`);

    // Closed loops: every peer's first announce is answered before the warm-up starts: creating swarms (for
    // ours, Durable Objects) is start-up cost, not the steady state measured here. A flash crowd's first
    // announces are part of the measured window.
    let primeMs = 0;
    if (spec.kind === "closed") {
      const primeStarted = performance.now();
      const primed = Promise.all(generators.map((c) => nextMessage<Extract<FromGenerator, { type: "primed" }>>(c, "primed", 90_000)));
      for (const c of generators) send(c, { type: "go" });
      await primed;
      primeMs = performance.now() - primeStarted;
      log(`  every first announce answered after ${primeMs.toFixed(0)} ms; warm-up ${opts.warmupS} s`);
      await sleep(opts.warmupS * 1000);
    }

    const genPids = generators.map((c) => c.pid!);
    const started = Promise.all(generators.map((c) => nextMessage(c, "window-started", 10_000)));
    const t0 = performance.now();
    const server0 = measure(tracker.serverPids);
    const helper0 = measure(tracker.helperPids);
    const gen0 = measure(genPids);
    const machine0 = machineCpu();
    const usage0 = await tracker.usage?.();
    for (const c of generators) send(c, { type: "window-start" });
    await started;
    if (spec.kind === "flash") {
      const going = Promise.all(generators.map((c) => nextMessage(c, "primed", 10_000)));
      for (const c of generators) send(c, { type: "go" });
      await going;
    }
    await sleep((spec.kind === "flash" ? opts.flashDurationS : opts.durationS) * 1000);
    const windows = Promise.all(generators.map((c) => nextMessage<Extract<FromGenerator, { type: "window" }>>(c, "window", 30_000)));
    for (const c of generators) send(c, { type: "window-end" });
    const server1 = measure(tracker.serverPids);
    const helper1 = measure(tracker.helperPids);
    const gen1 = measure(genPids);
    const machine1 = machineCpu();
    const wallS = (performance.now() - t0) / 1000;
    const stats = mergeStats((await windows).map((w) => w.stats));
    const usage1 = await tracker.usage?.();

    const vanished = tracker.serverPids.filter((pid) => !server1.perPid.has(pid));
    const closesExpected = (spec.target !== "reference" && !spec.paced) || spec.kind === "flash"; // flash: closes are a result
    if (vanished.length > 0 || (stats.socketsClosedByServer > 0 && !closesExpected)) {
      if (!fresh) await stopOurs(spec.runtime); // start afresh on the next attempt
      throw new RestartedError(`server restarted or closed sockets (pids gone: ${vanished.join(",") || "none"}, sockets closed: ${stats.socketsClosedByServer})`);
    }
    const delta = (a: Map<number, ProcInfo>, b: Map<number, ProcInfo>) =>
      [...b.values()].map((p) => ({ pid: p.pid, cpuS: p.cpuSeconds - (a.get(p.pid)?.cpuSeconds ?? 0) }));
    const result: RunResult = {
      spec,
      connected,
      connectMs: Math.max(...ready.map((r) => r.connectMs)),
      primeMs,
      stats,
      wallS,
      serverCpuS: server1.cpuSeconds - server0.cpuSeconds,
      serverCpuByPid: delta(server0.perPid, server1.perPid).map((p) => ({ what: tracker.describe(p.pid), cores: p.cpuS / wallS })),
      helperCpuS: helper1.cpuSeconds - helper0.cpuSeconds,
      generatorCpuS: gen1.cpuSeconds - gen0.cpuSeconds,
      busiestGeneratorCores: Math.max(...delta(gen0.perPid, gen1.perPid).map((p) => p.cpuS / wallS)),
      machineBusyS: machine1.busySeconds - machine0.busySeconds,
      serverRssBytes: server1.rssBytes,
      serverRssIdleBytes,
      usage: usage0 && usage1 ? usageDelta(usage0, usage1) : null,
      connectFailed,
    };
    // The generators need not close politely: the server is stopped right after.
    await Promise.allSettled(
      generators.map(async (c) => {
        const stopped = nextMessage(c, "stopped", 15_000);
        send(c, { type: "stop" });
        await stopped;
      }),
    );
    return result;
  } finally {
    await Promise.allSettled(generators.map(disconnectChild));
    // Ours on workerd keeps running for the next run of the same runtime (fresh info hashes each time):
    // starting wrangler dev costs seconds. The reference and the Deno host are a fresh process per run.
    if (fresh) await tracker.stop();
    else await sleep(1000); // let the closed sockets' clean-up finish before the next run measures
  }
}

// ---- Report ----

function label(spec: RunSpec): string {
  const name = {
    "ours-direct": "ours `/announce/<hash>`",
    "ours-mux": "ours `/announce`",
    reference: "bittorrent-tracker",
  }[spec.target];
  const runtime = spec.target === "reference" ? "" : spec.runtime === "wrangler" ? " via wrangler dev" : spec.runtime === "deno" ? " on Deno" : "";
  const unpaced = spec.target !== "reference" && spec.runtime === "deno" ? " **unpaced** (rate limit lifted)" : " **unpaced**";
  return `${name}${runtime}${spec.paced || spec.kind === "flash" ? "" : unpaced}`;
}

function percentile(sorted: number[], q: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

type Row = { r: RunResult; announces: number; offers: number; answers: number; failures: number; p50: number; p99: number; cpuCores: number; cpuMsPerAnnounce: number };

function toRow(r: RunResult): Row {
  const s = r.stats;
  const sorted = [...s.latenciesMs].sort((a, b) => a - b);
  return {
    r,
    announces: s.announceReplies / s.seconds,
    offers: s.offersReceived / s.seconds,
    answers: s.answersReceived / s.seconds,
    failures: Object.values(s.failures).reduce((a, b) => a + b, 0) / s.seconds,
    p50: percentile(sorted, 0.5),
    p99: percentile(sorted, 0.99),
    cpuCores: r.serverCpuS / r.wallS,
    cpuMsPerAnnounce: s.announceReplies > 0 ? (r.serverCpuS * 1000) / s.announceReplies : NaN,
  };
}

const fmt = (digits: number) => (n: number) => (Number.isFinite(n) ? n.toFixed(digits) : "–");
const [f0, f1, f2] = [fmt(0), fmt(1), fmt(2)];
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
/** Share of the pacing budget used: frames sent ÷ (sockets × pace). Near 100%: the pacing was the limit. */
const pacingUse = (r: RunResult) =>
  r.spec.paced ? (r.stats.announcesSent + r.stats.answersSent) / r.stats.seconds / (r.connected * opts.pace) : NaN;

function report(rows: Row[]): string {
  const cores = cpus().length;
  const out: string[] = [
    `Tracker benchmark, ${new Date().toISOString().slice(0, 10)}: Node ${process.version}, ${cores} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GB. ` +
      `Per run: every peer's first announce answered, ${opts.warmupS} s warm-up, ${opts.durationS} s measured; runs alternate ours / reference.`,
    "",
    `Load: P WebSocket peers in S swarms. Each peer announces with ${opts.offers} offers (${opts.sdpBytes}-byte SDP), announces again as soon ` +
      `as the reply arrives, and answers every offer it gets. **Paced** (default) runs hold every socket to ${opts.pace} msg/s ` +
      `(burst ${opts.burst}), under our per-socket limit of 20/s (burst 60), for both trackers alike. "Pacing use" = messages sent ÷ ` +
      `(P × ${opts.pace}/s): near 100% the pacing was the limit (at most ≈ P × ${opts.pace} / ${1 + opts.offers} announces/s); below it, the server was. ` +
      `**Unpaced** runs are plain closed loops.`,
    "",
    "| peers / swarms | tracker | announces/s | pacing use | offers/s | answers/s | failures/s | p50 ms | p99 ms | server CPU (cores) | CPU ms / announce | server RSS MB (run start → end) | generator CPU (cores) | other load (cores) | join s (connect + first announce) |",
    "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
  ];
  for (const x of rows) {
    const { r } = x;
    const { peers, swarms } = r.spec.size;
    const use = pacingUse(r);
    const lost = r.connected < peers ? ` (${r.connected} connected)` : "";
    const other = (r.machineBusyS - r.serverCpuS - r.helperCpuS - r.generatorCpuS) / r.wallS;
    out.push(
      `| ${peers} / ${swarms}${lost} | ${label(r.spec)} | ${f0(x.announces)} | ${Number.isFinite(use) ? `${f0(100 * use)}%` : "–"} | ` +
        `${f0(x.offers)} | ${f0(x.answers)} | ${f1(x.failures)} | ${f1(x.p50)} | ${f1(x.p99)} | ${f2(x.cpuCores)} | ${f2(x.cpuMsPerAnnounce)} | ` +
        `${mb(r.serverRssIdleBytes)} → ${mb(r.serverRssBytes)} | ${f2(r.generatorCpuS / r.wallS)} | ${f2(Math.max(0, other))} | ${f1(r.connectMs / 1000)} + ${f1(r.primeMs / 1000)} |`,
    );
  }
  out.push(
    "",
    "Ours ÷ bittorrent-tracker at the same size. Against the paced reference (same offered load): announces/s (higher is better), " +
      "p99 and CPU per announce (lower is better). Against the unpaced reference: announces/s ÷ its closed-loop throughput, i.e. " +
      "ours' paced throughput as a share of the reference's capacity on this machine. * = both sides were held back by the pacing " +
      "(≥ 95% use), so that ratio says nothing about capacity.",
    "",
  );
  out.push("| peers / swarms | ours | announces/s | p99 | CPU per announce | announces/s ÷ unpaced reference |", "|---|---|--:|--:|--:|--:|");
  const bound = (x: Row) => pacingUse(x.r) >= 0.95;
  for (const size of opts.sizes) {
    const ref = rows.find((x) => x.r.spec.size === size && x.r.spec.target === "reference" && x.r.spec.paced);
    const refUnpaced = rows.find((x) => x.r.spec.size === size && x.r.spec.target === "reference" && !x.r.spec.paced);
    if (!ref) continue;
    for (const x of rows.filter((y) => y.r.spec.size === size && y.r.spec.target !== "reference" && y.r.spec.paced)) {
      const star = bound(x) && bound(ref) ? "*" : "";
      const capacity = refUnpaced ? `${f2(x.announces / refUnpaced.announces)}×${bound(x) ? " (ours pacing-bound)" : ""}` : "–";
      out.push(
        `| ${size.peers} / ${size.swarms} | ${label(x.r.spec)} | ${f2(x.announces / ref.announces)}×${star} | ${f2(x.p99 / ref.p99)}× | ` +
          `${f2(x.cpuMsPerAnnounce / ref.cpuMsPerAnnounce)}× | ${capacity} |`,
      );
    }
  }
  const capacityRows = rows.filter((x) => x.r.spec.target !== "reference" && !x.r.spec.paced && x.r.spec.runtime === "deno");
  if (capacityRows.length > 0) {
    out.push(
      "",
      "Capacity: ours on Deno unpaced (its per-socket rate limit lifted) ÷ bittorrent-tracker unpaced, both closed loops " +
        "as fast as answered. Goals: announce cycles/s ≥ 2×, CPU per cycle ≤ 0.5×.",
      "",
      "| peers / swarms | ours | announce cycles/s | CPU per cycle | p99 |",
      "|---|---|--:|--:|--:|",
    );
    for (const x of capacityRows) {
      const ref = rows.find((y) => y.r.spec.size === x.r.spec.size && y.r.spec.target === "reference" && !y.r.spec.paced);
      if (!ref) continue;
      out.push(
        `| ${x.r.spec.size.peers} / ${x.r.spec.size.swarms} | ${label(x.r.spec)} | ${f2(x.announces / ref.announces)}× | ` +
          `${f2(x.cpuMsPerAnnounce / ref.cpuMsPerAnnounce)}× | ${f2(x.p99 / ref.p99)}× |`,
      );
    }
  }
  out.push("");
  for (const x of rows) {
    const s = x.r.stats;
    const reasons = Object.entries(s.failures).map(([reason, n]) => `"${reason}" ×${n}`);
    if (reasons.length === 0 && s.announceTimeouts === 0 && s.socketsClosedByServer === 0) continue;
    out.push(
      `- ${x.r.spec.size.peers} peers, ${label(x.r.spec)}: ${reasons.join(", ") || "no failure frames"}; ` +
        `${s.announceTimeouts} announces unanswered after 15 s; ${s.socketsClosedByServer} sockets closed by the server.`,
    );
  }
  out.push(
    "",
    `Server CPU and RSS: ours = its workerd process (via Miniflare by default; with \`--runtime=wrangler\` also wrangler dev's proxy ` +
      `workerd, the split printed on stderr), Node's side excluded; one instance serves all of ours' runs, each with fresh ` +
      `swarms, its local state in memory. bittorrent-tracker = a fresh Node child process per run. ` +
      `CPU per announce covers the whole cycle (the announce, its ${opts.offers} offers and their ${opts.offers} answers). Latency: ` +
      `announce written → reply read. Failure frames are counted apart, never as answered announces. The load comes from ` +
      `${opts.generators} generator processes on the same ${cores} cores; "other load" is CPU used by anything else meanwhile — ` +
      `compare runs only when it is near 0. Locally one workerd thread runs all of ours' Durable Objects (as one Node thread runs ` +
      `bittorrent-tracker), so ≈1.0 core on the worker's process means that thread was the limit. \`npm run bench:floor\` measures ` +
      `what workerd itself spends per message, the floor under ours' CPU per cycle. Ours on Deno = the one deno process (all ` +
      `its threads), a fresh one per run.`,
  );
  return out.join("\n");
}

/** What one announce cycle (an announce, its offers relayed, their answers relayed) costs on Cloudflare. */
function costReport(rows: Row[]): string {
  const out = [
    "Cost per announce cycle, counted by ours' usage probe over each measured window (cycles = announces answered) and priced " +
      "with Cloudflare's published prices (test/bench/cloudflare-prices.ts): billed Durable Object requests = requests + RPC calls + " +
      `alarms + incoming WebSocket messages ÷ ${CLOUDFLARE_PRICES.doWsMessagesPerRequest}. $ per million cycles adds storage and D1 rows; ` +
      "duration is left out (hibernatable sockets: idle objects cost none) and so is the worker's CPU (Standard: $0.02 per million CPU ms; " +
      "see the CPU columns above).",
    "",
    "| run | tracker | DO requests | RPC calls | WS in | WS out | storage rows r / w | D1 writes (rows) | objects created | billed requests | $ per million cycles | CPU ms per cycle |",
    "|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
  ];
  for (const x of rows) {
    const u = x.r.usage;
    const cycles = x.r.stats.announceReplies;
    const run = `${x.r.spec.kind === "flash" ? "flash " : ""}${x.r.spec.size.peers} / ${x.r.spec.size.swarms}`;
    if (!u || cycles === 0) {
      if (x.r.spec.target === "reference" || x.r.spec.runtime === "deno") {
        out.push(`| ${run} | ${label(x.r.spec)} | – | – | – | – | – | – | – | – | – | ${f2(x.cpuMsPerAnnounce)} |`);
      }
      continue;
    }
    const per = (n: number) => n / cycles;
    out.push(
      `| ${run} | ${label(x.r.spec)} | ${f2(per(u.doRequests))} | ${f2(per(u.doRpc))} | ${f2(per(u.doWsIn))} | ${f2(per(u.doWsOut))} | ` +
        `${f2(per(u.storageRowsRead))} / ${f2(per(u.storageRowsWritten))} | ${f2(per(u.d1Writes))} (${f2(per(u.d1RowsWritten))}) | ${f2(per(u.objectsCreated))} | ` +
        `**${f2(per(billedDoRequests(u)))}** | $${f2(per(dollars(u)) * 1e6)} | ${f2(x.cpuMsPerAnnounce)} |`,
    );
  }
  return out.join("\n");
}

function flashReport(rows: Row[]): string {
  if (rows.length === 0) return "";
  const f = opts.flash!;
  const out = [
    `Flash crowd: ${f.peers} sockets over ${f.swarms} swarms connect all at once, then announce (5 offers each, every offer answered) ` +
      `at ${opts.flashRate}/s in total, open loop (each socket every ${f1(f.peers / opts.flashRate)} s, random phase), for ${opts.flashDurationS} s. ` +
      `Goal: all connected, none dropped, ≥ 95% of the rate served, p99 ≤ 250 ms.`,
    "",
    "| tracker | connected | connect s | dropped by server | announces/s served | served ÷ offered | p50 ms | p99 ms | unanswered | failure frames | server CPU (cores) |",
    "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
  ];
  for (const x of rows) {
    const s = x.r.stats;
    const failures = Object.values(s.failures).reduce((a, b) => a + b, 0);
    out.push(
      `| ${label(x.r.spec)} | ${x.r.connected} / ${f.peers} | ${f1(x.r.connectMs / 1000)} | ${s.socketsClosedByServer} | ${f0(x.announces)} | ` +
        `${f0((100 * x.announces) / opts.flashRate)}% | ${f1(x.p50)} | ${f1(x.p99)} | ${s.announceTimeouts} | ${failures} | ${f2(x.cpuCores)} |`,
    );
  }
  return out.join("\n");
}

// ---- Main ----

function plan(): RunSpec[] {
  const specs: RunSpec[] = [];
  const closed = (size: Size, target: Target, runtime: Runtime, paced: boolean): RunSpec => ({ size, target, runtime, paced, kind: "closed" });
  for (const size of opts.sizes) {
    for (let round = 0; round < opts.rounds; round++) {
      const [first, ...more] = opts.runtimes;
      const order: RunSpec[] = [closed(size, "ours-direct", first!, true), closed(size, "reference", first!, true), closed(size, "ours-mux", first!, true)];
      if (opts.refUnpaced) order.push(closed(size, "reference", first!, false));
      for (const runtime of more) order.push(closed(size, "ours-direct", runtime, true), closed(size, "ours-mux", runtime, true));
      if (opts.oursUnpaced && first !== "deno") order.push(closed(size, "ours-direct", first!, false));
      // Deno's capacity: closed loops as fast as answered, beside the unpaced reference.
      if (opts.runtimes.includes("deno")) order.push(closed(size, "ours-direct", "deno", false), closed(size, "ours-mux", "deno", false));
      specs.push(...order.filter((s) => !opts.only || opts.only.includes(s.target)));
    }
  }
  if (opts.flash) {
    for (const runtime of opts.runtimes) {
      for (const target of ["ours-direct", "ours-mux"] as const) specs.push({ size: opts.flash, target, runtime, paced: false, kind: "flash" });
    }
    specs.push({ size: opts.flash, target: "reference", runtime: opts.runtimes[0]!, paced: false, kind: "flash" });
  }
  return specs.filter((s) => !opts.only || opts.only.includes(s.target));
}

async function main(): Promise<void> {
  const startedAt = Date.now();
  const results: RunResult[] = [];
  for (const spec of plan()) {
    log(`${spec.size.peers} peers / ${spec.size.swarms} swarms — ${label(spec)}`);
    let result: RunResult | undefined;
    for (let attempt = 1; !result; attempt++) {
      try {
        result = await run(spec);
      } catch (error) {
        if (!(error instanceof RestartedError) || attempt >= 3) throw error;
        log(`  ${error.message}; running it again`);
      }
    }
    const x = toRow(result);
    log(`  server CPU: ${result.serverCpuByPid.map((p) => `${p.what} ${f2(p.cores)}`).join(", ")} cores`);
    log(
      `  ${f0(x.announces)} announces/s, ${f0(x.offers)} offers/s, ${f0(x.answers)} answers/s, p50 ${f1(x.p50)} ms, p99 ${f1(x.p99)} ms; ` +
        `generators ${f2(result.generatorCpuS / result.wallS)} cores (busiest ${f2(result.busiestGeneratorCores)}), ` +
        `pacing wait ${f1(result.stats.meanPacingWaitMs)} ms/frame`,
    );
    results.push(result);
  }
  // With several rounds, each configuration keeps its median run (by announces/s).
  const byConfig = new Map<string, Row[]>();
  for (const r of results) {
    const key = `${r.spec.kind}|${r.spec.size.peers}|${r.spec.target}|${r.spec.runtime}|${r.spec.paced}`;
    byConfig.set(key, [...(byConfig.get(key) ?? []), toRow(r)]);
  }
  const rows = [...byConfig.values()].map((list) => list.sort((a, b) => a.announces - b.announces)[Math.floor(list.length / 2)]!);
  const closedRows = rows.filter((x) => x.r.spec.kind === "closed");
  console.log([report(closedRows), costReport(rows), flashReport(rows.filter((x) => x.r.spec.kind === "flash"))].join("\n\n"));
  log(`done in ${((Date.now() - startedAt) / 1000).toFixed(0)} s`);
}

const watchdog = setTimeout(() => {
  log("watchdog: still running after 30 minutes; stopping");
  void cleanup().then(() => process.exit(2));
}, 1_800_000);
watchdog.unref();
for (const signal of ["SIGINT", "SIGTERM"] as const) process.once(signal, () => void cleanup().then(() => process.exit(130)));

try {
  await main();
} catch (error) {
  log("failed:", error instanceof Error ? error.stack : error);
  process.exitCode = 1;
} finally {
  await cleanup();
  if (bundleDir) await rm(bundleDir, { recursive: true, force: true });
}
