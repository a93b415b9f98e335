// `npm run lab`: central vs peer-driven distribution measured on real WebTorrent peers (separate Node
// processes) against d_cs and d_p2p, plus the piece-level simulator past what one machine runs.
// Writes results.json, results.csv, report.md and SVG/PNG plots. Layer: client/lab (Node entry point).
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { parseArgs } from "node:util";
import cliProgress from "cli-progress";
import { boundFor, type Mode } from "./bounds";
import { labEnvironment } from "./environment";
import { runSearchLabCommand } from "./discovery/search-lab";
import { runIncentivesCommand } from "./incentives-lab";
import { completionCdfSpec, cpuSpec, pieceCopiesSpec, serverVsPeerBytesSpec, timeVsPeersSpec, whereTimeGoesSpec, writePlot } from "./plots";
import { ANNOUNCE_INTERVAL_SECONDS, startRealLab } from "./real-lab";
import { runReal } from "./real-run";
import { recordFromSimulation, toCsv, type RunRecord } from "./records";
import { median } from "./measures";
import { checkGoals, renderReport, type EndgameComparison, type LabEnvironment, type LabSettings, type TextbookRow } from "./report";
import { simulate, type SimConfig, type Strategy } from "./simulator";
import { formatBytes } from "../lib/index";
import { formatRate, parseList, parseRate, parseSize } from "./units";

const HELP = `npm run lab -- [options]

  --peers LIST        real peer counts (default 1,2,4,8,16)
  --size SIZE         file size (default 8MiB: d_p2p is 17–54 s, well above the 10 s rechoke and 5 s announce)
  --piece SIZE        piece size (default 32KiB: 256 pieces; larger pieces spread more slowly through the swarm)
  --server-up RATE    server upload u_s, bit/s (default 4Mbit)
  --peer-up RATE      peer upload u (default 1Mbit)
  --peer-down RATE    peer download d (default 4Mbit; "unlimited" allowed)
  --modes LIST        cs,p2p,hybrid (default all three)
  --strategy LIST     p2p piece strategies: rarest,sequential (default both); hybrid uses the first
  --hotswap RULE      the peers' hot-swap: never (client/lib's default), endgame (only once every block is
                      requested) or always (webtorrent's); the simulator follows
  --web-seed-policy   hybrid: leechers use the product's web seed policy (client/lib/web-seed-policy.ts: the
                      server only when peers cannot serve) instead of asking the web seed all along
  --repeat N          runs per point (default 3; tables show the median and min–max)
  --per-host K        leechers per peer host process (default 4): several WebTorrent clients share a process
  --nice N            niceness of the peer hosts (default 5): the runner, its pacing proxy and the worker first
  --out DIR           output folder (default lab-out/)
  --server URL        use a running edgeswarm (needs --lab-key = its LAB_KEY) instead of starting one
  --lab-key KEY       the server's LAB_KEY (for --server)
  --simulate          simulator only (no network): N up to 10,000
  --sim-peers LIST    N for the simulated curves (default 1,2,4,8,16,32,64,128,256; with --simulate up to 10000)
  --no-sim            skip the simulator (real runs only)
  --no-textbook       skip the textbook case (F/u = 1 h, u_s = 10u; N = 1000 takes a minute or two)
  --seed N            simulator PRNG seed (default 1)
  --from FILE         no runs: re-render report.md and the plots from a results.json into --out
  --incentives        incentives instead (issue 14, part two): free riders at 0/10/30% of the leechers (real N = 10
                      with --peers, the simulator at N = 10,100,1000 with --sim-peers) and the seed leaving after one
                      copy, rarest vs sequential; writes incentives.json, report.md and plots into --out
  --search            finding content instead (issue 14): central index vs flooding vs supernodes vs Chord,
                      simulated (no server); writes search.json, search.csv, search.md and plots into --out
  --help
`;

/** WebRTC connection set-up on loopback and one HTTP request through the proxy, as the simulator pays them. */
const SIM_CONNECT_SECONDS = 0.2;
const SIM_REQUEST_SECONDS = 0.02;

/**
 * The simulator's one-off start-up for a measured first byte: the part before the first connection (p2p) or
 * request (cs, hybrid), which the simulator then pays itself.
 */
function startupFor(mode: Mode, firstByteSeconds: number | null): Partial<SimConfig> {
  const first = firstByteSeconds ?? 0.5;
  const own = mode === "p2p" ? SIM_CONNECT_SECONDS : SIM_REQUEST_SECONDS;
  return { startupSeconds: Math.max(0, first - own), connectSeconds: SIM_CONNECT_SECONDS, requestSeconds: SIM_REQUEST_SECONDS };
}

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      peers: { type: "string", default: "1,2,4,8,16" },
      size: { type: "string", default: "8MiB" },
      piece: { type: "string", default: "32KiB" },
      "server-up": { type: "string", default: "4Mbit" },
      "peer-up": { type: "string", default: "1Mbit" },
      "peer-down": { type: "string", default: "4Mbit" },
      modes: { type: "string", default: "cs,p2p,hybrid" },
      strategy: { type: "string", default: "rarest,sequential" },
      repeat: { type: "string", default: "3" },
      "per-host": { type: "string", default: "4" },
      nice: { type: "string", default: "5" },
      "web-seed-policy": { type: "boolean", default: false },
      hotswap: { type: "string", default: "never" },
      out: { type: "string", default: "lab-out" },
      server: { type: "string" },
      "lab-key": { type: "string" },
      simulate: { type: "boolean", default: false },
      "sim-peers": { type: "string" },
      "no-sim": { type: "boolean", default: false },
      "no-textbook": { type: "boolean", default: false },
      seed: { type: "string", default: "1" },
      from: { type: "string" },
      search: { type: "boolean", default: false },
      incentives: { type: "boolean", default: false },
      help: { type: "boolean", default: false },
    },
    allowPositionals: false,
  });
  if (values.help) {
    process.stdout.write(HELP);
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
  if (!values.incentives && values.from) {
    // re-render report and plots from a results.json (e.g. the committed docs/lab run)
    const results = JSON.parse(await readFile(values.from, "utf8")) as LabResults;
    await writeOutputs(path.resolve(values.out), results);
    return 0;
  }
  if (values.incentives) {
    await runIncentivesCommand({
      out: values.out,
      simulateOnly: values.simulate,
      realPeers: values.peers === "1,2,4,8,16" ? 10 : Math.max(...peers),
      simPeers: values["sim-peers"] ? parseList(values["sim-peers"], positiveInt) : [10, 100, 1000],
      fractions: [0, 0.1, 0.3],
      repeat: positiveInt(values.repeat),
      fileBytes: parseSize(values.size),
      pieceBytes: parseSize(values.piece),
      serverUp: parseRate(values["server-up"]),
      peerUp: parseRate(values["peer-up"]),
      peerDown: parseRate(values["peer-down"]),
      perHost: positiveInt(values["per-host"]),
      nice: Number(values.nice),
      seed: positiveInt(values.seed),
      server: values.server,
      labKey: values["lab-key"],
      from: values.from,
    });
    return 0;
  }
  const fileBytes = parseSize(values.size);
  const pieceBytes = parseSize(values.piece);
  const serverUp = parseRate(values["server-up"]);
  const peerUp = parseRate(values["peer-up"]);
  const peerDown = parseRate(values["peer-down"]);
  const repeat = positiveInt(values.repeat);
  const hotswap = values.hotswap;
  if (hotswap !== "endgame" && hotswap !== "always" && hotswap !== "never") throw new RangeError(`--hotswap must be endgame, always or never: ${hotswap}`);
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
  const log = (line: string) => (process.stderr.isTTY ? undefined : process.stderr.write(line + "\n"));
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
    hotswap,
  });
  let server = values.server ?? "local worker (started by the lab)";

  // ---- real runs
  if (!simulateOnly) {
    const lab = await startRealLab({ leechers: Math.max(...peers), seed: modes.includes("p2p"), perHost, nice, server: values.server, labKey: values["lab-key"], log });
    server = lab.server;
    const { pool, proxy, serverUrl, labKey, workDir, workerPgid } = lab.ctx;
    try {
      const plan: { mode: Mode; strategy: Strategy; n: number; r: number }[] = [];
      for (let r = 0; r < repeat; r++) for (const n of peers) for (const mode of modes) for (const strategy of pairs(mode)) plan.push({ mode, strategy, n, r });
      const bar = process.stderr.isTTY ? new cliProgress.SingleBar({ format: "lab {bar} {value}/{total} runs | {run}", hideCursor: true }, cliProgress.Presets.shades_classic) : null;
      bar?.start(plan.length, 0, { run: "" });
      for (const [i, step] of plan.entries()) {
        const name = `${step.mode}${step.mode === "cs" ? "" : `/${step.strategy}`} N=${step.n}${repeat > 1 ? ` #${step.r + 1}` : ""}`;
        bar?.update(i, { run: name });
        const record = await runReal(
          { mode: step.mode, strategy: step.strategy, peers: step.n, repeat: step.r, fileBytes, serverUp, peerUp, peerDown, pieceBytes, webSeedPolicy: values["web-seed-policy"], hotswap },
          { pool, proxy, serverUrl, labKey, workDir, workerPgid },
        );
        if (!values["no-sim"]) {
          // the simulator with this run's measured start-up (median first byte), paid once per leecher
          const result = simulate({ ...simBase(step.mode, step.strategy, step.n), ...startupFor(step.mode, record.startupSeconds ?? null), seed: seed + step.r });
          record.simulatedSeconds = Number.isFinite(result.distributionSeconds) ? result.distributionSeconds : null;
          record.simError = record.simulatedSeconds !== null && record.distributionSeconds ? (record.simulatedSeconds - record.distributionSeconds) / record.distributionSeconds : null;
        }
        records.push(record);
        log(
          `lab: ${name}: ${record.distributionSeconds?.toFixed(2) ?? "–"} s (bound ${record.bound.toFixed(2)} s, ×${record.ratio?.toFixed(3) ?? "–"}, start-up ${record.startupSeconds?.toFixed(2) ?? "–"} s` +
            `${record.simulatedSeconds ? `, sim ${record.simulatedSeconds.toFixed(2)} s` : ""})${record.valid ? "" : ` INVALID: ${record.problems.join("; ")}`}${record.cpuLimited ? ` CPU-LIMITED: ${(record.cpuReasons ?? []).join("; ")}` : ""}`,
        );
      }
      bar?.update(plan.length, { run: "done" });
      bar?.stop();
    } finally {
      await lab.close();
    }
  }

  // ---- simulated curves (start-up as measured in the real results of each mode, else 0.5 s)
  const endgame: EndgameComparison[] = [];
  const textbook: TextbookRow[] = [];
  if (!values["no-sim"]) {
    const measuredStartup = (mode: Mode) => median(records.filter((r) => r.kind === "real" && r.mode === mode && r.valid && !r.cpuLimited).map((r) => r.startupSeconds).filter((t): t is number => typeof t === "number"));
    const plan: { mode: Mode; strategy: Strategy; n: number }[] = [];
    for (const n of simPeers) for (const mode of modes) for (const strategy of pairs(mode)) plan.push({ mode, strategy, n });
    const bar = process.stderr.isTTY ? new cliProgress.SingleBar({ format: "sim {bar} {value}/{total} | {run}", hideCursor: true }, cliProgress.Presets.shades_classic) : null;
    bar?.start(plan.length, 0, { run: "" });
    for (const [i, step] of plan.entries()) {
      bar?.update(i, { run: `${step.mode}/${step.strategy} N=${step.n}` });
      const config = { ...simBase(step.mode, step.strategy, step.n), ...startupFor(step.mode, measuredStartup(step.mode) ?? 0.5) };
      // sequential swarms can take many times their bound: give up at 10× (reported as not finishing)
      const result = simulate({ ...config, maxSeconds: 10 * boundFor(config.mode, { ...config, peers: config.peers }) });
      records.push(recordFromSimulation(result));
    }
    bar?.stop();
    if (modes.includes("p2p")) {
      // the endgame question at the lab's settings: our peers (no hot-swap), hot-swaps in the endgame, webtorrent
      // as is (hot-swap always); median of 3 seeds
      for (const n of simPeers.filter((n) => n >= 2 && n <= 64)) {
        const startup = startupFor("p2p", measuredStartup("p2p") ?? 0.5);
        const runs = (extra: Partial<SimConfig>) => [1, 2, 3].map((s) => simulate({ ...simBase("p2p", "rarest", n), ...startup, ...extra, seed: seed + s }));
        const summary = (rs: ReturnType<typeof runs>) => ({
          seconds: median(rs.map((r) => r.distributionSeconds).filter(Number.isFinite)),
          tail: median(rs.map((r) => Math.max(...r.tailSeconds.filter(Number.isFinite)))),
          redundant: median(rs.map((r) => r.redundantBits / (n * fileBytes * 8))),
        });
        const a = summary(runs({ hotswap: "never" }));
        const b = summary(runs({ hotswap: "endgame" }));
        const c = summary(runs({ hotswap: "always" }));
        endgame.push({ peers: n, withoutSeconds: a.seconds, withSeconds: b.seconds, maxTailWithout: a.tail, maxTailWith: b.tail, redundantWithout: a.redundant, redundantWith: b.redundant, alwaysSeconds: c.seconds, maxTailAlways: c.tail, redundantAlways: c.redundant });
      }
    }
    if (!values["no-textbook"]) {
      // Kurose & Ross's example: F/u = 1 h, u_s = 10u, d unlimited; one block per piece
      const u = 1e6;
      const F = 3600 * u;
      for (const [n, pieces] of [[10, 1024], [100, 256], [100, 1024], [1000, 1024]] as const) {
        log(`lab: textbook case N=${n}, ${pieces} pieces…`);
        const r = simulate({ mode: "p2p", strategy: "rarest", peers: n, fileBits: F, pieceBits: F / pieces, blockBits: F / pieces, serverUp: 10 * u, peerUp: u, peerDown: Infinity, seed, hotswap });
        const finite = Number.isFinite(r.distributionSeconds);
        textbook.push({ peers: n, pieces, seconds: finite ? r.distributionSeconds : null, bound: r.bound, ratio: finite ? r.distributionSeconds / r.bound : null, redundant: r.redundantBits / (n * F) });
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
    perHost,
    nice,
  };
  const environment = labEnvironment(started);
  await writeOutputs(out, { settings, environment, records, endgame, textbook });
  return 0;
}

type LabResults = { settings: LabSettings; environment: LabEnvironment; records: RunRecord[]; endgame: EndgameComparison[]; textbook?: TextbookRow[] };

/** results.json, results.csv, report.md and the plots, from the records (also used by --from). */
async function writeOutputs(out: string, results: LabResults): Promise<void> {
  const { settings, environment, records, endgame, textbook } = results;
  const { fileBytes, serverUp, peerUp, peerDown, peers } = settings;
  await mkdir(out, { recursive: true });
  const real = records.filter((r) => r.kind === "real");
  const sim = records.filter((r) => r.kind === "sim");
  const plots: string[] = [];
  const caption = `${formatBytes(fileBytes, { trimZeros: true })}, u_s ${formatRate(serverUp)}, u ${formatRate(peerUp)}, d ${formatRate(peerDown)}`;
  if (real.length > 0) {
    const simAtReal = sim.filter((r) => r.peers <= Math.max(...peers));
    plots.push(...(await writePlot(out, "time-vs-peers", timeVsPeersSpec([...real, ...simAtReal], "Distribution time vs N: real peers (median, min–max), simulator, bounds", caption))));
    plots.push(...(await writePlot(out, "where-time-goes", whereTimeGoesSpec(real))));
    // the machine during the heaviest run: a CPU-limited one if any, else the largest p2p (rarest) run
    const heavy = real.find((r) => r.cpuLimited && (r.cpuSamples?.length ?? 0) > 0) ?? [...real].filter((r) => r.mode === "p2p" && r.strategy === "rarest" && (r.cpuSamples?.length ?? 0) > 0).sort((a, b) => b.peers - a.peers)[0];
    if (heavy) plots.push(...(await writePlot(out, "cpu", cpuSpec(heavy))));
  }
  if (sim.length > 0) plots.push(...(await writePlot(out, "time-vs-peers-simulated", timeVsPeersSpec(sim, "Simulated distribution time vs N", caption))));
  if (records.some((r) => r.peerRecords.length > 0)) plots.push(...(await writePlot(out, "completion-cdf", completionCdfSpec(records))));
  if (records.length > 0) plots.push(...(await writePlot(out, "server-vs-peer-bytes", serverVsPeerBytesSpec(records))));
  if (records.some((r) => r.mode === "p2p" && r.diversity.length > 0)) plots.push(...(await writePlot(out, "piece-copies", pieceCopiesSpec(real.length > 0 ? real : sim.filter((r) => r.peers <= 1024)))));

  const goals = checkGoals(records, real.length > 0 ? "real" : "sim");
  // six significant digits are far below the measurement noise and keep the file small
  const round = (_key: string, v: unknown) => (typeof v === "number" && Number.isFinite(v) && !Number.isInteger(v) ? Number(v.toPrecision(6)) : v);
  await writeFile(path.join(out, "results.json"), JSON.stringify({ settings, environment, goals, endgame, textbook, records }, round, 1));
  await writeFile(path.join(out, "results.csv"), toCsv(records));
  await writeFile(path.join(out, "report.md"), renderReport({ settings, environment, records, endgame, textbook, plots }));
  process.stdout.write(`lab: wrote ${path.relative(process.cwd(), out) || "."}/report.md, results.json, results.csv and ${plots.length} plot files\n`);
  for (const g of goals) process.stdout.write(`  ${g.met === null ? "n/a" : g.met ? "met" : "NOT MET"}: ${g.goal} — ${g.detail}\n`);
  const invalid = real.filter((r) => !r.valid).length;
  const limited = real.filter((r) => r.valid && r.cpuLimited).length;
  if (invalid + limited > 0) process.stdout.write(`lab: ${invalid} run(s) invalid, ${limited} CPU-limited: not results (see report.md)\n`);
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`lab: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
