// The `edgeswarm` command: seed, get, search and info against one deployment, on the Node entry of the client
// library. Exit codes are in output.ts (EXIT) and docs/cli.md. Layer: client/cli.
import { createRequire } from "node:module";
import cliProgress from "cli-progress";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import {
  DEFAULT_SERVER,
  DirectoryClient,
  EdgeswarmError,
  FileExistsError,
  NotFoundError,
  UnsafeNameError,
  UsageError,
  asEdgeswarmError,
  describeNarrowed,
  formatBytes,
  formatDuration,
  normalizeServer,
  parseFileSelection,
  parseTarget,
  uploadWebSeed,
  type EdgeswarmPeer,
} from "../lib/index";
import { zodParsers } from "../lib/directory-schemas";
import type { NodePeerOptions } from "../lib/node";
import { EXIT, detailsText, exitCodeFor, fileListText, parseRate, progressFields, searchTable, terminalBlock, terminalJson, terminalText } from "./output";

/** WebTorrent and node-datachannel take a while to load: only the commands that move data load them. */
const loadNode = () => import("../lib/node");

const version = (createRequire(import.meta.url)("../../package.json") as { version: string }).version;

type Globals = { server: string; json?: boolean; verbose?: boolean };

// Everything printed passes terminalBlock: whatever a peer or publisher put in a name, only our own newlines
// reach the terminal (fields are also cleaned one by one, so theirs cannot start a line of ours).
const out = (line: string) => process.stdout.write(`${terminalBlock(line)}\n`);
/** Human messages go to stderr, so stdout stays the command's result (and pure JSON under --json). */
const say = (line: string) => process.stderr.write(`${terminalBlock(line)}\n`);
const t = terminalText;

/** Ends the process once the peer (if any) has left its swarms. */
async function exit(code: number, peer?: EdgeswarmPeer): Promise<never> {
  if (peer) await withDeadline(peer.stop(), 5_000);
  process.exit(code);
}

function withDeadline(promise: Promise<unknown>, ms: number): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    void promise.catch(() => undefined).then(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}

async function fail(error: unknown, globals: Globals, peer?: EdgeswarmPeer): Promise<never> {
  const failure = asEdgeswarmError(error, "failed");
  if (globals.json) say(terminalJson({ error: { code: failure.code, message: failure.message } }));
  else say(`edgeswarm: ${t(failure.message)}${hintFor(failure)}`);
  return exit(exitCodeFor(failure.code), peer);
}

/** What the user can do about a refusal that only a flag lifts. */
function hintFor(failure: EdgeswarmError): string {
  if (failure instanceof UnsafeNameError && failure.problem === "dotfile") return " (--allow-dotfiles writes it)";
  if (failure instanceof FileExistsError && failure.overwritable) return " (choose another --output folder, or --overwrite to replace it)";
  return "";
}

/**
 * Ctrl-C (or SIGTERM) leaves the swarms cleanly — every torrent announces `stopped` — then exits with
 * `code()`; a second Ctrl-C exits at once.
 */
function stopOnSignals(peer: EdgeswarmPeer, code: () => number, onStop?: () => void): void {
  let stopping = false;
  const onSignal = () => {
    if (stopping) process.exit(EXIT.interrupted);
    stopping = true;
    onStop?.();
    say("Stopping: leaving the swarm (Ctrl-C again to quit at once)…");
    void exit(code(), peer);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
}

function globalsOf(command: Command): Globals {
  const globals = command.optsWithGlobals() as Globals;
  return { ...globals, server: normalizeServer(globals.server) };
}

// --- option parsers (commander hands them the raw text) ---

function positiveInt(what: string) {
  return (text: string) => {
    const value = Number(text);
    if (!Number.isInteger(value) || value <= 0) throw new InvalidArgumentError(`${what} must be a positive whole number`);
    return value;
  };
}

function seconds(text: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new InvalidArgumentError("must be a number of seconds (0 waits forever)");
  return value;
}

function rate(text: string): number {
  try {
    return parseRate(text);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function tagList(text: string, previous: string[] = []): string[] {
  return [...previous, ...text.split(/[\s,]+/).filter(Boolean)];
}

// --- commands ---

type SeedOpts = {
  name?: string;
  tag?: string[];
  description?: string;
  publish: boolean;
  publishKey?: string;
  uploads?: number;
  uploadLimit?: number;
  webSeed?: boolean;
  token?: string;
};

async function seedCommand(paths: string[], opts: SeedOpts, command: Command): Promise<void> {
  const globals = globalsOf(command);
  const { createNodePeer } = await loadNode();
  const peer = createNodePeer({ server: globals.server, uploads: opts.uploads, uploadLimit: opts.uploadLimit });
  stopOnSignals(peer, () => EXIT.ok); // Ctrl-C is how seeding ends
  if (globals.verbose) peer.on("warning", (message) => say(`warning: ${t(message)}`));
  peer.on("error", (error) => void fail(error, globals, peer));
  if (!globals.json) say(`Hashing ${paths.join(", ")}…`);
  let seeding;
  try {
    seeding = await peer.seed(paths.length === 1 ? paths[0]! : paths, {
      name: opts.name,
      tags: opts.tag,
      description: opts.description,
      publish: opts.publish,
      publishKey: opts.publishKey,
    });
  } catch (error) {
    return fail(error, globals, peer);
  }
  const listed = seeding.listing !== null;
  // --web-seed: the edge keeps a copy of the bytes (BEP 19), which downloads use when peers cannot serve.
  let webSeed: string | null = null;
  if (opts.webSeed) {
    const token = seeding.token ?? opts.token;
    if (!listed || !token) {
      return fail(new UsageError(listed ? "--web-seed needs the publisher token: this torrent was listed before, pass --token <token>" : "--web-seed needs the torrent listed in the directory"), globals, peer);
    }
    const bar = new cliProgress.SingleBar({ format: "Storing at the edge {bar} {percentage}% | {sent}/{size}", barsize: 24, hideCursor: true, noTTYOutput: true, notTTYSchedule: 2_000 }, cliProgress.Presets.shades_classic);
    if (!globals.json) bar.start(seeding.length, 0, { sent: formatBytes(0), size: formatBytes(seeding.length) });
    try {
      webSeed = await uploadWebSeed(peer.directory, { torrent: seeding.torrent, token, onProgress: (sent) => !globals.json && bar.update(sent, { sent: formatBytes(sent) }) });
    } catch (error) {
      if (!globals.json) bar.stop();
      return fail(error, globals, peer);
    }
    if (!globals.json) bar.stop();
  }
  if (globals.json) {
    out(
      terminalJson({
        info_hash: seeding.infoHash,
        name: seeding.name,
        size: seeding.length,
        files: seeding.files,
        magnet: seeding.magnet,
        share_link: seeding.shareLink,
        listed,
        token: seeding.token,
        publish_error: seeding.publishError?.message ?? null,
        web_seed: webSeed,
      }),
    );
  } else {
    out(`Seeding "${t(seeding.name)}" (${formatBytes(seeding.length)}, ${seeding.files.length} file${seeding.files.length === 1 ? "" : "s"})`);
    out(`  info hash   ${seeding.infoHash}`);
    out(`  magnet      ${seeding.magnet}`);
    out(`  share link  ${seeding.shareLink}`);
    if (seeding.token) out(`  token       ${seeding.token}  (publisher token: keep it to edit or delete the listing)`);
    if (webSeed) out(`  web seed    ${t(webSeed)}  (the edge serves the bytes when peers cannot)`);
    if (seeding.publishError) say(`warning: seeding, but not listed in the directory: ${t(seeding.publishError.message)}`);
    else if (!opts.publish) say("Not listed in the directory (--no-publish): share the magnet.");
    else say(seeding.listing?.created ? `Listed in the directory at ${globals.server}.` : `Already listed in the directory at ${globals.server}.`);
    say("Seeding until Ctrl-C.");
  }
  // Keep running: the WebTorrent client holds the process open; signals end it.
  seeding.torrent.once("close", () => {
    if (peer.stopped) return; // Ctrl-C
    say("edgeswarm: the torrent stopped seeding");
    void exit(EXIT.failure, peer);
  });
}

type GetOpts = {
  output?: string;
  allowDotfiles?: boolean;
  overwrite?: boolean;
  keepTrackers?: boolean;
  timeout: number;
  sequential?: boolean;
  verify: boolean;
  seed?: boolean;
  uploads?: number;
  uploadLimit?: number;
  downloadLimit?: number;
  select?: string;
  list?: boolean;
};

async function getCommand(words: string[], opts: GetOpts, command: Command): Promise<void> {
  const globals = globalsOf(command);
  const target = words.join(" ");
  let select: number[] | undefined;
  try {
    parseTarget(target); // usage errors before anything connects
    if (opts.select !== undefined) select = parseFileSelection(opts.select);
  } catch (error) {
    return fail(error, globals);
  }
  if (opts.list) return listCommand(target, opts, globals);
  const peerOptions: NodePeerOptions = {
    server: globals.server,
    keepOtherTrackers: Boolean(opts.keepTrackers),
    strategy: opts.sequential ? "sequential" : "rarest",
    noPeersTimeoutMs: opts.timeout * 1000,
    uploads: opts.uploads,
    uploadLimit: opts.uploadLimit,
    downloadLimit: opts.downloadLimit,
  };
  const { createNodePeer, downloadsFolder } = await loadNode();
  const output = opts.output ?? downloadsFolder();
  const peer = createNodePeer(peerOptions);
  let complete = false;
  const bar = new cliProgress.SingleBar(
    {
      format: "{bar} {percentage}% | {held}/{size} | ↓ {down} ↑ {up} | {peers} | pieces {pieces} | ETA {timeLeft}",
      barsize: 24,
      hideCursor: true,
      // Not a terminal (a pipe, a log): a plain line every 2 s instead of redrawing.
      noTTYOutput: true,
      notTTYSchedule: 2_000,
    },
    cliProgress.Presets.shades_classic,
  );
  let barRunning = false;
  const stopBar = () => {
    if (barRunning) bar.stop();
    barRunning = false;
  };
  stopOnSignals(peer, () => (complete ? EXIT.ok : EXIT.interrupted), stopBar);
  if (globals.verbose) peer.on("warning", (message) => say(`warning: ${t(message)}`));

  if (!globals.json) say(`Looking up ${t(target)} at ${globals.server}…`);
  const download = peer.download(target, {
    path: output,
    verify: opts.verify,
    keepSeeding: Boolean(opts.seed),
    select,
    allowDotfiles: Boolean(opts.allowDotfiles),
    overwrite: Boolean(opts.overwrite),
  });
  if (!globals.json) {
    download.on("resolved", (r) => {
      const size = r.size === null ? "" : ` (${formatBytes(r.size)})`;
      const count = (n: number, what: string) => `${n} ${what}${n === 1 ? "" : "s"}`;
      const peers = r.listing ? `, ${count(r.listing.seeders, "seeder")}, ${count(r.listing.leechers, "leecher")}` : "";
      const others = r.otherHits > 0 ? ` — ${r.otherHits} other hit${r.otherHits === 1 ? "" : "s"}; \`edgeswarm search\` lists them` : "";
      say(`Found "${t(r.name ?? r.infoHash)}"${size}${peers}, info hash ${r.infoHash}${others}`);
      say(`Connecting to peers (giving up after ${opts.timeout > 0 ? formatDuration(opts.timeout * 1000) : "never"} without one)…`);
    });
    download.on("metadata", (info) => {
      if (info.selected) {
        const bytes = info.selected.reduce((sum, i) => sum + (info.files[i]?.length ?? 0), 0);
        say(`Fetching ${info.selected.length} of ${info.files.length} files (${formatBytes(bytes)}): ${info.selected.map((i) => i + 1).join(", ")}`);
      }
    });
    // WebTorrent checks what the folder already holds before fetching: a re-run after an interruption
    // continues from the intact pieces.
    download.on("checked", ({ held, pieces }) => {
      if (held > 0) say(`Resuming: ${held} of ${pieces} pieces already in ${output} match their hashes; fetching the rest.`);
      const progress = download.progress()!;
      bar.start(1000, Math.floor(progress.fraction * 1000), { ...progressFields(progress) });
      barRunning = true;
    });
    download.on("progress", (progress) => {
      if (barRunning) bar.update(Math.floor(progress.fraction * 1000), progressFields(progress));
    });
    download.on("verifying", () => {
      stopBar();
      say("Verifying every piece on disk…");
    });
  }
  let result;
  try {
    result = await download.result;
  } catch (error) {
    stopBar();
    return fail(error, globals, peer);
  }
  stopBar();
  complete = true;
  const where = result.path ?? "(WebTorrent's temporary folder)";
  if (globals.json) {
    out(
      terminalJson({
        info_hash: result.infoHash,
        name: result.name,
        size: result.length,
        path: result.path,
        files: result.files,
        elapsed_ms: result.elapsedMs,
        verified: result.verified ? { ok: result.verified.ok, pieces_checked: download.progress()?.pieces.total ?? null } : null,
        selected: result.selected?.map((i) => i + 1) ?? null,
        resumed_pieces: result.resumedPieces,
        received: result.received,
        web_seed: result.webSeed
          ? { url: result.webSeed.url, bytes_from_edge: result.webSeed.edgeBytes, bytes_from_peers: result.webSeed.peerBytes, changes: result.webSeed.changes }
          : null,
      }),
    );
  } else {
    const verified = result.verified ? `, all ${download.progress()?.pieces.total ?? ""} pieces verified` : ", not verified (--no-verify)";
    const resumed = result.resumedPieces > 0 ? `; ${formatBytes(result.received)} fetched, ${result.resumedPieces} pieces were already here` : "";
    out(`Downloaded "${t(result.name)}" (${formatBytes(result.length)}) to ${where} in ${formatDuration(result.elapsedMs)}${verified}${resumed}`);
  }
  if (opts.seed) {
    if (!globals.json) say("Seeding until Ctrl-C.");
    return;
  }
  return exit(EXIT.ok, peer);
}

/** `get --list`: the files with their numbers (for --select) and sizes; downloads nothing, writes nothing. */
async function listCommand(target: string, opts: GetOpts, globals: Globals): Promise<void> {
  const { createNodePeer } = await loadNode();
  // The same trackers as the download it previews: this deployment's alone unless --keep-trackers.
  const peer = createNodePeer({ server: globals.server, keepOtherTrackers: Boolean(opts.keepTrackers), noPeersTimeoutMs: opts.timeout * 1000 });
  stopOnSignals(peer, () => EXIT.interrupted);
  let info;
  try {
    info = await peer.inspect(target);
  } catch (error) {
    return fail(error, globals, peer);
  }
  if (globals.json) {
    out(
      terminalJson({
        info_hash: info.infoHash,
        name: info.name,
        size: info.length,
        piece_length: info.pieceLength,
        pieces: info.pieces,
        files: info.files.map((f) => ({ number: f.index + 1, path: f.path, length: f.length })),
        trackers: info.trackers,
      }),
    );
  } else {
    out(fileListText(info));
  }
  return exit(EXIT.ok, peer);
}

type SearchOpts = { sort?: string; limit?: number; tag?: string[]; alive?: boolean };

async function searchCommand(words: string[], opts: SearchOpts, command: Command): Promise<void> {
  const globals = globalsOf(command);
  const directory = new DirectoryClient(globals.server, { parsers: zodParsers });
  const q = words.join(" ");
  let reply;
  try {
    reply = await directory.search({ q, sort: opts.sort as never, limit: opts.limit, tags: opts.tag, alive: opts.alive });
  } catch (error) {
    return fail(error, globals);
  }
  if (globals.json) out(terminalJson(reply));
  if (reply.hits.length === 0) {
    if (!globals.json) say(q ? `Nothing found for "${t(q)}" at ${globals.server}.` : `The directory at ${globals.server} is empty.`);
    return exit(EXIT.notFound);
  }
  if (!globals.json) {
    out(searchTable(reply.hits, process.stdout.isTTY ? process.stdout.columns : undefined));
    if (reply.narrowed) say(`(${t(describeNarrowed(reply.narrowed, (word) => `"${word}"`))})`);
    if (reply.next_cursor) say(`(more results: narrow the words, or raise --limit up to 100)`);
  }
  return exit(EXIT.ok);
}

async function infoCommand(target: string, _opts: unknown, command: Command): Promise<void> {
  const globals = globalsOf(command);
  const directory = new DirectoryClient(globals.server, { parsers: zodParsers });
  try {
    const parsed = parseTarget(target);
    if (parsed.kind === "words") throw new UsageError(`not an info hash: ${target} (40 hexadecimal characters, a magnet link or a share link)`);
    const details = await directory.details(parsed.infoHash);
    if (!details) throw new NotFoundError(`no torrent with info hash ${parsed.infoHash} in the directory at ${globals.server}`);
    out(globals.json ? terminalJson(details) : detailsText(details, directory.deployment.shareLink(details.info_hash)));
  } catch (error) {
    return fail(error, globals);
  }
  return exit(EXIT.ok);
}

export function buildProgram(): Command {
  const program = new Command()
    .name("edgeswarm")
    .description("Share and fetch files peer to peer (WebRTC) through an edgeswarm deployment's tracker and directory.")
    .version(version)
    .addOption(new Option("--server <url>", "the edgeswarm deployment").env("EDGESWARM_SERVER").default(DEFAULT_SERVER))
    .option("--json", "machine-readable output on stdout (errors as JSON on stderr)")
    .option("--verbose", "also print tracker and connection warnings")
    .showHelpAfterError("(edgeswarm --help lists the commands)")
    .exitOverride();

  program
    .command("seed")
    .description("hash files or folders, list them in the directory and seed them until Ctrl-C")
    .argument("<paths...>", "files or folders (one is seeded in place; several are copied into a temporary store)")
    .option("--name <name>", "torrent name (default: the file or folder name)")
    .option("--tag <tags>", "directory tags, comma-separated; repeatable", tagList)
    .option("--description <text>", "directory description")
    .addOption(new Option("--publish-key <key>", "the directory's publish key, if it requires one").env("EDGESWARM_PUBLISH_KEY"))
    .option("--no-publish", "seed without listing it in the directory")
    .option("--uploads <n>", "upload slots (peers unchoked at once; default 10)", positiveInt("--uploads"))
    .option("--upload-limit <rate>", "upload cap in bytes/s (e.g. 500k, 2M)", rate)
    .option("--web-seed", "also store the bytes at the edge, which serves them when peers cannot (BEP 19 web seed)")
    .option("--token <token>", "publisher token of an earlier listing (for --web-seed)")
    .action(seedCommand);

  program
    .command("get")
    .description("download a magnet link, an info hash, a share link or the best search hit; verifies it on disk")
    .argument("<target...>", "magnet link, info hash, share link, or search words")
    .option("-o, --output <dir>", "folder to save into (default: your Downloads folder)")
    .option("--allow-dotfiles", "write names that start with '.' (.bashrc, .ssh/…); refused otherwise")
    .option("--overwrite", "replace files that exist although an earlier run of this download did not create them")
    .option("--keep-trackers", "also announce to the trackers a magnet names besides this deployment")
    .option("--timeout <seconds>", "give up when no peer is connected for this long (0 = never)", seconds, 60)
    .option("--sequential", "fetch pieces in order (default: rarest first)")
    .option("--no-verify", "skip reading the files back to check every piece")
    .option("--seed", "keep seeding after the download until Ctrl-C")
    .option("--uploads <n>", "upload slots (default 10)", positiveInt("--uploads"))
    .option("--upload-limit <rate>", "upload cap in bytes/s (e.g. 500k, 2M)", rate)
    .option("--download-limit <rate>", "download cap in bytes/s", rate)
    .option("--select <files>", "only these files, by the numbers --list prints: e.g. 2,5-7")
    .option("--list", "print the files with their numbers and sizes, download nothing")
    .action(getCommand);

  program
    .command("search")
    .description("search the directory: name, size, seeders, leechers, info hash")
    .argument("[words...]", 'words, "phrases", -exclusions, prefix* (none: everything)')
    .addOption(new Option("--sort <field>", "order").choices(["relevance", "seeders", "size", "added", "name"]))
    .option("--limit <n>", "hits to show (1-100, default 20)", positiveInt("--limit"))
    .option("--tag <tags>", "only torrents with these tags (comma-separated; repeatable)", tagList)
    .option("--alive", "only torrents with live peers")
    .action(searchCommand);

  program
    .command("info")
    .description("a torrent's directory entry: files, peers, magnet, share link")
    .argument("<hash>", "info hash (or a magnet or share link)")
    .action(infoCommand);

  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are not failures; the message was printed already.
      const ok = error.code === "commander.helpDisplayed" || error.code === "commander.version" || error.code === "commander.help";
      process.exit(ok ? EXIT.ok : EXIT.usage);
    }
    if (error instanceof EdgeswarmError) return fail(error, { server: DEFAULT_SERVER, json: argv.includes("--json") });
    throw error;
  }
}

await main(process.argv);
