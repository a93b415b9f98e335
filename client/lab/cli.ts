// `npm run lab`: central vs peer-driven distribution measured on real WebTorrent peers (separate Node
// processes) against d_cs and d_p2p, plus the piece-level simulator past what one machine runs.
// Writes results.json, results.csv, report.md and SVG/PNG plots. Layer: client/lab (Node entry point).
import { randomBytes } from "node:crypto";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import cliProgress from "cli-progress";
import { startLocalWorker, type LocalWorker } from "../../scripts/local-worker";
import { boundFor, type Mode } from "./bounds";
import { labEnvironment } from "./environment";
import { runSearchLabCommand } from "./discovery/search-lab";
import { startOriginProxy, type OriginProxy } from "./origin-proxy";
import { completionCdfSpec, diversitySpec, serverVsPeerBytesSpec, timeVsPeersSpec, writePlot } from "./plots";
import { PeerPool, runReal } from "./real-run";
import { recordFromSimulation, toCsv, type RunRecord } from "./records";
import { checkGoals, renderReport, type EndgameComparison, type LabEnvironment, type LabSettings } from "./report";
import { simulate, type SimConfig, type Strategy } from "./simulator";
import { formatBytes } from "../lib/index";
import { formatRate, parseList, parseRate, parseSize } from "./units";

const HELP = `npm run lab -- [options]

  --peers LIST        real peer counts (default 1,2,4,8,16)
  --size SIZE         file size (default 2MiB)
  --piece SIZE        piece size (default 32KiB: 64 pieces; webtorrent's rarest-first costs CPU per piece²)
  --server-up RATE    server upload u_s, bit/s (default 8Mbit)
  --peer-up RATE      peer upload u (default 2Mbit)
  --peer-down RATE    peer download d (default 8Mbit; "unlimited" allowed)
  --modes LIST        cs,p2p,hybrid (default all three)
  --strategy LIST     p2p piece strategies: rarest,sequential (default both); hybrid uses the first
  --web-seed-policy   hybrid: leechers use the product's web seed policy (client/lib/web-seed-policy.ts: the
                      server only when peers cannot serve) instead of asking the web seed all along
  --repeat N          runs per point (default 1)
  --per-host K        leechers per peer host process (default 8): several WebTorrent clients share a process
  --nice N            niceness of the peer hosts (default 5): the runner, its pacing proxy and the worker first
  --out DIR           output folder (default lab-out/)
  --server URL        use a running edgeswarm (needs --lab-key = its LAB_KEY) instead of starting one
  --lab-key KEY       the server's LAB_KEY (for --server)
  --simulate          simulator only (no network): N up to 10,000
  --sim-peers LIST    N for the simulated curves (default 1,2,4,8,16,32,64,128,256; with --simulate up to 10000)
  --no-sim            skip the simulator (real runs only)
  --seed N            simulator PRNG seed (default 1)
  --from FILE         no runs: re-render report.md and the plots from a results.json into --out
  --search            finding content instead (issue 14): central index vs flooding vs supernodes vs Chord,
                      simulated (no server); writes search.json, search.csv, search.md and plots into --out
  --help
`;

const ANNOUNCE_INTERVAL_SECONDS = 5; // the local worker's: peers discover each other within a few seconds

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      peers: { type: "string", default: "1,2,4,8,16" },
      size: { type: "string", default: "2MiB" },
      piece: { type: "string", default: "32KiB" },
      "server-up": { type: "string", default: "8Mbit" },
      "peer-up": { type: "string", default: "2Mbit" },
      "peer-down": { type: "string", default: "8Mbit" },
      modes: { type: "string", default: "cs,p2p,hybrid" },
      strategy: { type: "string", default: "rarest,sequential" },
      repeat: { type: "string", default: "1" },
      "per-host": { type: "string", default: "8" },
      nice: { type: "string", default: "5" },
      "web-seed-policy": { type: "boolean", default: false },
      out: { type: "string", default: "lab-out" },
      server: { type: "string" },
      "lab-key": { type: "string" },
      simulate: { type: "boolean", default: false },
      "sim-peers": { type: "string" },
      "no-sim": { type: "boolean", default: false },
      seed: { type: "string", default: "1" },
      from: { type: "string" },
      search: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (values.from) {
    // re-render report and plots from a results.json (e.g. the committed docs/lab run)
    const results = JSON.parse(await readFile(values.from, "utf8")) as LabResults;
    await writeOutputs(path.resolve(values.out), results);
    return 0;
  }
  const modes = parseList(values.modes, (m) => {
    if (m !== "cs" && m !== "p2p" && m !== "hybrid") throw new RangeError(`unknown mode ${m}`);
    return m as Mode;
  });
  const strategies = parseList(values.strategy, (s) => {
    if (s !== "rarest" && s !== "sequential") throw new RangeError(`unknown strategy ${s}`);
    return s as Strategy;
  });
  const positiveInt = (s: string) => {
    const n = Number(s);
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`not a positive integer: ${s}`);
    return n;
  };
  if (values.search) {
    await runSearchLabCommand({ out: values.out, seed: positiveInt(values.seed) });
    return 0;
  }
  const peers = parseList(values.peers, positiveInt).sort((a, b) => a - b);
  const fileBytes = parseSize(values.size);
  const pieceBytes = parseSize(values.piece);
  const serverUp = parseRate(values["server-up"]);
  const peerUp = parseRate(values["peer-up"]);
  const peerDown = parseRate(values["peer-down"]);
  const repeat = positiveInt(values.repeat);
  const perHost = positiveInt(values["per-host"]);
  const nice = Number(values.nice);
  if (!Number.isInteger(nice) || nice < -20 || nice > 19) throw new RangeError(`--nice must be an integer in -20…19: ${values.nice}`);
  const seed = positiveInt(values.seed);
  if (!Number.isFinite(serverUp) || !Number.isFinite(peerUp)) throw new RangeError("upload rates must be finite");
  const simulateOnly = values.simulate;
  const simPeers = values["sim-peers"]
    ? parseList(values["sim-peers"], positiveInt)
    : simulateOnly
      ? [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 10000]
      : [1, 2, 4, 8, 16, 32, 64, 128, 256];
  const out = path.resolve(values.out);
  await mkdir(out, { recursive: true });

  const started = Date.now();
  const records: RunRecord[] = [];
  // Strategies are compared in p2p (the issue's rarest vs sequential question). cs has none; hybrid runs the
  // first one given (rarest by default): sequential with a web seed degenerates into client-server, every
  // leecher asking the server for the same next piece (the simulator shows it), and would only cost time.
  const pairs = (mode: Mode): Strategy[] => (mode === "p2p" ? strategies : mode === "hybrid" ? [strategies[0]!] : ["rarest"]);
  const simBase = (mode: Mode, strategy: Strategy, n: number): SimConfig => ({
    mode,
    strategy,
    peers: n,
    fileBits: fileBytes * 8,
    pieceBits: pieceBytes * 8,
    serverUp,
    peerUp,
    peerDown,
    seed,
    announceSeconds: ANNOUNCE_INTERVAL_SECONDS,
  });
  let server = values.server ?? "local worker (started by the lab)";

  // ---- real runs
  if (!simulateOnly) {
    let worker: LocalWorker | null = null;
    let proxy: OriginProxy | null = null;
    let pool: PeerPool | null = null;
    const cleanup = async () => {
      await pool?.close().catch(() => undefined);
      await proxy?.close().catch(() => undefined);
      await worker?.stop().catch(() => undefined);
    };
    const onSignal = () => void cleanup().finally(() => process.exit(130));
    process.once("SIGINT", onSignal);
    process.once("SIGTERM", onSignal);
    const tty = process.stderr.isTTY;
    const log = (line: string) => (tty ? undefined : process.stderr.write(line + "\n"));
    const workDir = path.join(os.tmpdir(), `edgeswarm-lab-${randomBytes(4).toString("hex")}`);
    try {
      let serverUrl = values.server;
      let labKey = values["lab-key"] ?? process.env.LAB_KEY ?? "";
      if (!serverUrl) {
        labKey = randomBytes(16).toString("hex");
        log("lab: starting the local worker…");
        worker = await startLocalWorker({ vars: { LAB_KEY: labKey, ANNOUNCE_INTERVAL_SECONDS: String(ANNOUNCE_INTERVAL_SECONDS) } });
        serverUrl = worker.httpUrl;
        server = `local worker ${serverUrl} (wrangler dev / workerd)`;
      }
      proxy = await startOriginProxy({ upstream: serverUrl, rateBytesPerSecond: null });
      pool = await PeerPool.start({ leechers: Math.max(...peers), seed: modes.includes("p2p"), perHost, nice });
      log(`lab: ${pool.size} peers in ${pool.hosts.length} host processes (nice ${nice})`);
      const plan: { mode: Mode; strategy: Strategy; n: number; r: number }[] = [];
      for (let r = 0; r < repeat; r++) for (const n of peers) for (const mode of modes) for (const strategy of pairs(mode)) plan.push({ mode, strategy, n, r });
      const bar = tty ? new cliProgress.SingleBar({ format: "lab {bar} {value}/{total} runs | {run}", hideCursor: true }, cliProgress.Presets.shades_classic) : null;
      bar?.start(plan.length, 0, { run: "" });
      for (const [i, step] of plan.entries()) {
        const name = `${step.mode}${step.mode === "cs" ? "" : `/${step.strategy}`} N=${step.n}${repeat > 1 ? ` #${step.r + 1}` : ""}`;
        bar?.update(i, { run: name });
        const record = await runReal(
          { mode: step.mode, strategy: step.strategy, peers: step.n, repeat: step.r, fileBytes, serverUp, peerUp, peerDown, pieceBytes, webSeedPolicy: values["web-seed-policy"] },
          { pool, proxy, serverUrl, labKey, workDir, workerPgid: worker?.pgid },
        );
        if (!values["no-sim"]) {
          // the simulator with this run's measured start-up: the median time to a first payload byte
          const starts = record.peerRecords.map((p) => p.firstByteSeconds).filter((t): t is number => t !== null).sort((a, b) => a - b);
          const startup = starts.length ? starts[Math.floor(starts.length / 2)]! : 0.5;
          const result = simulate({ ...simBase(step.mode, step.strategy, step.n), connectSeconds: startup, requestSeconds: startup });
          record.simulatedSeconds = Number.isFinite(result.distributionSeconds) ? result.distributionSeconds : null;
          record.simError = record.simulatedSeconds !== null && record.distributionSeconds ? (record.simulatedSeconds - record.distributionSeconds) / record.distributionSeconds : null;
        }
        records.push(record);
        log(`lab: ${name}: ${record.distributionSeconds?.toFixed(2) ?? "–"} s (bound ${record.bound.toFixed(2)} s, ×${record.ratio?.toFixed(2) ?? "–"})${record.valid ? "" : ` INVALID: ${record.problems.join("; ")}`}`);
      }
      bar?.update(plan.length, { run: "done" });
      bar?.stop();
    } finally {
      process.off("SIGINT", onSignal);
      process.off("SIGTERM", onSignal);
      await cleanup();
      await rm(workDir, { recursive: true, force: true });
    }
  }

  // ---- simulated curves (and the endgame question)
  const endgame: EndgameComparison[] = [];
  if (!values["no-sim"]) {
    const plan: { mode: Mode; strategy: Strategy; n: number }[] = [];
    for (const n of simPeers) for (const mode of modes) for (const strategy of pairs(mode)) plan.push({ mode, strategy, n });
    const bar = process.stderr.isTTY ? new cliProgress.SingleBar({ format: "sim {bar} {value}/{total} | {run}", hideCursor: true }, cliProgress.Presets.shades_classic) : null;
    bar?.start(plan.length, 0, { run: "" });
    for (const [i, step] of plan.entries()) {
      bar?.update(i, { run: `${step.mode}/${step.strategy} N=${step.n}` });
      const config = simBase(step.mode, step.strategy, step.n);
      // sequential swarms can take many times their bound: give up at 10× (reported as not finishing)
      const result = simulate({ ...config, maxSeconds: 10 * boundFor(config.mode, { ...config, peers: config.peers }) });
      records.push(recordFromSimulation(result));
    }
    bar?.stop();
    if (modes.includes("p2p")) {
      for (const n of simPeers.filter((n) => n >= 2 && n <= 1024)) {
        const without = simulate(simBase("p2p", "rarest", n));
        const withEndgame = simulate({ ...simBase("p2p", "rarest", n), endgame: true });
        const maxTail = (r: typeof without) => Math.max(...r.tailSeconds.filter(Number.isFinite));
        endgame.push({
          peers: n,
          withoutSeconds: Number.isFinite(without.distributionSeconds) ? without.distributionSeconds : null,
          withSeconds: Number.isFinite(withEndgame.distributionSeconds) ? withEndgame.distributionSeconds : null,
          maxTailWithout: maxTail(without),
          maxTailWith: maxTail(withEndgame),
        });
      }
    }
  }

  // ---- outputs
  const settings: LabSettings = {
    fileBytes,
    pieceBytes,
    serverUp,
    peerUp,
    peerDown,
    peers,
    modes,
    strategies,
    repeat,
    server: simulateOnly ? "none (simulation)" : server,
    simulateOnly,
    simPeers,
    announceIntervalSeconds: simulateOnly || values.server ? null : ANNOUNCE_INTERVAL_SECONDS,
  };
  const environment = labEnvironment(started);
  await writeOutputs(out, { settings, environment, records, endgame });
  return 0;
}

type LabResults = { settings: LabSettings; environment: LabEnvironment; records: RunRecord[]; endgame: EndgameComparison[] };

/** results.json, results.csv, report.md and the plots, from the records (also used by --from). */
async function writeOutputs(out: string, results: LabResults): Promise<void> {
  const { settings, environment, records, endgame } = results;
  const { fileBytes, serverUp, peerUp, peerDown, peers } = settings;
  await mkdir(out, { recursive: true });
  const real = records.filter((r) => r.kind === "real");
  const sim = records.filter((r) => r.kind === "sim");
  const plots: string[] = [];
  const caption = `${formatBytes(fileBytes, { trimZeros: true })}, u_s ${formatRate(serverUp)}, u ${formatRate(peerUp)}, d ${formatRate(peerDown)}`;
  if (real.length > 0) {
    const simAtReal = sim.filter((r) => r.peers <= Math.max(...peers));
    plots.push(...(await writePlot(out, "time-vs-peers", timeVsPeersSpec([...real, ...simAtReal], "Distribution time vs N: real peers, simulator, bounds", caption))));
  }
  if (sim.length > 0) plots.push(...(await writePlot(out, "time-vs-peers-simulated", timeVsPeersSpec(sim, "Simulated distribution time vs N", caption))));
  if (records.some((r) => r.peerRecords.length > 0)) plots.push(...(await writePlot(out, "completion-cdf", completionCdfSpec(records))));
  if (records.length > 0) plots.push(...(await writePlot(out, "server-vs-peer-bytes", serverVsPeerBytesSpec(records))));
  const diversityRecords = real.length > 0 ? real : sim.filter((r) => r.peers <= 1024);
  if (diversityRecords.some((r) => r.mode === "p2p" && r.diversity.length > 0)) plots.push(...(await writePlot(out, "piece-diversity", diversitySpec(diversityRecords))));

  const goals = checkGoals(records, real.length > 0 ? "real" : "sim");
  // six significant digits are far below the measurement noise and keep the file small
  const round = (_key: string, v: unknown) => (typeof v === "number" && Number.isFinite(v) && !Number.isInteger(v) ? Number(v.toPrecision(6)) : v);
  await writeFile(path.join(out, "results.json"), JSON.stringify({ settings, environment, goals, endgame, records }, round, 1));
  await writeFile(path.join(out, "results.csv"), toCsv(records));
  await writeFile(path.join(out, "report.md"), renderReport({ settings, environment, records, endgame, plots }));
  process.stdout.write(`lab: wrote ${path.relative(process.cwd(), out) || "."}/report.md, results.json, results.csv and ${plots.length} plot files\n`);
  for (const g of goals) process.stdout.write(`  ${g.met === null ? "n/a" : g.met ? "met" : "NOT MET"}: ${g.goal} — ${g.detail}\n`);
  const invalid = real.filter((r) => !r.valid).length;
  if (invalid > 0) process.stdout.write(`lab: ${invalid} run(s) flagged invalid (see report.md)\n`);
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`lab: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
