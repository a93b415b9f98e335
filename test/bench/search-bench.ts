// `npm run bench:search`: the directory's search latency at 100k and 1M entries, and publish throughput.
// Bundles the real worker, applies the real migrations to a throwaway local D1, and runs it in Miniflare
// (workerd). The fill goes through POST /api/torrents (share lists of 1000 JSON entries: that is the publish
// throughput); live counts are written to swarm_stats the way the swarm Durable Objects do, and reach the
// torrents through the migration's triggers. Then a fixed query mix, through GET /api/search, per size.
// BENCH_HOST=deno runs the same against the Deno host (worker/deno/server.ts: the same app, SQLite through
// node:sqlite) over real HTTP, its "D1" columns then the SQLite time the routes report the same way.
// Options (env): BENCH_SIZES=100000,1000000  BENCH_RUNS=40  BENCH_KEEP=1 (keep the state directory)  BENCH_HOST
// BENCH_DESCRIBED=0.4 (the share of entries with a description; 0 = none, as before issue 12).
// BENCH_STATE=<dir kept by BENCH_KEEP> measures a directory filled by an earlier run (one size, no fill;
// Miniflare only): for trying a change to the queries without waiting for the fill again. BENCH_ONLY=<text>
// measures only the queries whose label holds it.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { loadavg, tmpdir } from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Miniflare } from "miniflare";
import { seededRandom } from "../../client/lab/sim/random";
import { denoBinary } from "../../scripts/deno-binary.mjs";
import { startLocalHost } from "../../scripts/local-host";

const root = fileURLToPath(new URL("../..", import.meta.url));
const wrangler = path.join(root, "node_modules/wrangler/bin/wrangler.js");
const run = promisify(execFile);
const offline = { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" };
const DATABASE_ID = "00000000-0000-0000-0000-000000000000"; // wrangler.toml's placeholder: the local file's name

const SIZES = (process.env.BENCH_SIZES ?? "100000,1000000").split(",").map(Number);
const RUNS = Number(process.env.BENCH_RUNS ?? 40);
const SHARE_LIST = 1000;
const DESCRIBED = Number(process.env.BENCH_DESCRIBED ?? 0.4);
const FILL_CONCURRENCY = 2;
const REUSED_STATE = process.env.BENCH_STATE;
const ONLY = process.env.BENCH_ONLY; // measure only the queries whose label holds this text
if (REUSED_STATE && (process.env.BENCH_HOST === "deno" || SIZES.length !== 1)) throw new Error("BENCH_STATE needs the Miniflare host and one size in BENCH_SIZES");

// --- realistic entries: names from word lists with dots, dashes, brackets, years, resolutions ---

const COMMON = (
  "the of and love night day black white red blue dark light last first new old world city river road house " +
  "star moon sun fire water stone iron gold silver king queen war peace life death time man woman girl boy " +
  "dream secret story song heart mind soul ghost shadow blood winter summer spring autumn ocean island " +
  "mountain forest garden street station bridge tower castle empire kingdom legend hunter killer doctor " +
  "angel devil dragon wolf tiger eagle lion horse bird storm rain snow wind thunder lightning silent lost " +
  "hidden broken wild free great little big long short deep high cold hot sweet bitter golden crystal " +
  "electric digital cosmic final eternal ancient modern future past return rise fall escape journey " +
  "mission project operation protocol system network machine engine rocket planet galaxy universe"
).split(" ");
const SYLLABLES = "ka lo mi ra ven tor sel dun pha qui zor bel mar nik ost rul sam tev ulm wyn xal yor zet".split(" ");
const GROUPS = "SPARKS AMIABLE RARBG NTb FLUX CMRG EVO YTS GalaxyRG TGx ETHEL KOGi SiGMA PSA QxR".split(" ");
const RESOLUTIONS = ["480p", "720p", "1080p", "1080p", "2160p"];
const SOURCES = ["BluRay", "WEB-DL", "WEBRip", "HDTV", "DVDRip"];
const CODECS = ["x264", "x265", "HEVC", "H.264", "AV1"];
const AUDIO = ["FLAC", "MP3 320", "MP3 V0", "AAC", "ALAC"];
const DISTROS = ["ubuntu", "debian", "fedora", "archlinux", "mint", "opensuse", "alpine", "kali", "rocky", "manjaro"];

/** A vocabulary of ~20k words: the common ones first, then pseudo-words; picked with a 1/rank (Zipf) law. */
function vocabulary(): string[] {
  const words = [...COMMON];
  const seen = new Set(words);
  const random = seededRandom(7);
  while (words.length < 20_000) {
    const syllables = 2 + Math.floor(random() * 3);
    const word = Array.from({ length: syllables }, () => SYLLABLES[Math.floor(random() * SYLLABLES.length)]).join("");
    if (!seen.has(word)) {
      seen.add(word);
      words.push(word);
    }
  }
  return words;
}
const VOCAB = vocabulary();

/**
 * Words of descriptions that names do not use (so a query of them matches descriptions alone), the common
 * ones first; a description mixes them with the names' vocabulary (so `love` matches in both indexes).
 */
const DESCRIPTION_WORDS = (
  "includes complete edition remastered original quality version release collection extras bonus uncut " +
  "subtitles commentary soundtrack lossless documentary anthology bootleg restored widescreen director " +
  "interview booklet artwork scans chapters translation narrated unabridged illustrated annotated vinyl " +
  "rip encoded checked verified mirror official archive retail proper internal repack limited deluxe " +
  "anniversary criterion imported rare vintage pristine uncensored extended theatrical festival premiere"
).split(" ");

type Entry = { info_hash: string; name: string; piece_length: number; files: { path: string; length: number }[]; tags: string[]; description?: string };

function generator(seed: number) {
  const random = seededRandom(seed);
  // Descriptions draw from a stream of their own: the names are those of runs without descriptions.
  const describing = seededRandom(seed + 1);
  const description = (): string | undefined => {
    if (describing() >= DESCRIBED) return undefined;
    const words = Array.from({ length: 6 + Math.floor(describing() * 20) }, () => {
      if (describing() < 0.3) return VOCAB[Math.min(VOCAB.length - 1, Math.floor(Math.exp(describing() * Math.log(VOCAB.length))) - 1)]!;
      return DESCRIPTION_WORDS[Math.min(DESCRIPTION_WORDS.length - 1, Math.floor(Math.exp(describing() * Math.log(DESCRIPTION_WORDS.length))) - 1)]!;
    });
    return `${words.join(" ")}.`;
  };
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1));
  const zipfWord = () => VOCAB[Math.min(VOCAB.length - 1, Math.floor(Math.exp(random() * Math.log(VOCAB.length))) - 1)]!;
  const title = (min: number, max: number) =>
    Array.from({ length: int(min, max) }, () => {
      const w = zipfWord();
      return w[0]!.toUpperCase() + w.slice(1);
    });
  const hash = () => Array.from({ length: 40 }, () => "0123456789abcdef"[Math.floor(random() * 16)]).join("");
  const big = (min: number, max: number) => Math.floor(min + random() * (max - min));

  return (): Entry => {
    const kind = random();
    const year = int(1950, 2025);
    let name: string;
    let files: { path: string; length: number }[];
    let tags: string[];
    if (kind < 0.3) {
      name = `${title(1, 4).join(".")}.${year}.${pick(RESOLUTIONS)}.${pick(SOURCES)}.${pick(CODECS)}-${pick(GROUPS)}`;
      files = [{ path: `${name}.mkv`, length: big(7e8, 2e10) }, { path: `${name}.nfo`, length: int(500, 5000) }];
      if (random() < 0.5) files.push({ path: `Sample/${name}-sample.mkv`, length: big(1e7, 9e7) });
      if (random() < 0.6) files.push({ path: `Subs/English.srt`, length: int(3e4, 2e5) }, { path: `Subs/Spanish.srt`, length: int(3e4, 2e5) });
      tags = ["video", "movie"];
    } else if (kind < 0.55) {
      const show = title(1, 3).join(".");
      const season = String(int(1, 12)).padStart(2, "0");
      const tail = `${pick(RESOLUTIONS)}.${pick(SOURCES)}.${pick(CODECS)}-${pick(GROUPS)}`;
      const pack = random() < 0.4;
      name = pack ? `${show}.S${season}.${tail}` : `${show}.S${season}E${String(int(1, 24)).padStart(2, "0")}.${tail}`;
      const episodes = pack ? int(6, 12) : 1;
      files = Array.from({ length: episodes }, (_, i) => ({
        path: `${show}.S${season}E${String(i + 1).padStart(2, "0")}.${tail}.mkv`,
        length: big(2e8, 3e9),
      }));
      tags = ["video", "tv"];
    } else if (kind < 0.75) {
      const artist = title(1, 3).join(" ");
      const album = title(1, 4).join(" ");
      const format = pick(AUDIO);
      name = `${artist} - ${album} (${year}) [${format}]`;
      const ext = format.startsWith("MP3") ? "mp3" : format === "AAC" || format === "ALAC" ? "m4a" : "flac";
      files = Array.from({ length: int(8, 14) }, (_, i) => ({
        path: `${String(i + 1).padStart(2, "0")} - ${title(1, 4).join(" ")}.${ext}`,
        length: big(3e6, 6e7),
      }));
      files.push({ path: "cover.jpg", length: int(5e4, 2e6) });
      tags = ["audio", "music"];
    } else if (kind < 0.85) {
      const distro = pick(DISTROS);
      const version = `${int(16, 26)}.${pick(["04", "10"])}${random() < 0.3 ? `.${int(1, 5)}` : ""}`;
      const flavour = pick(["desktop", "server", "netinst", "live", "minimal"]);
      const arch = pick(["amd64", "arm64", "x86_64", "i386"]);
      name = `${distro}-${version}-${flavour}-${arch}.iso`;
      files = [{ path: name, length: big(3e8, 6e9) }];
      if (random() < 0.4) files.push({ path: `${name}.sha256`, length: 100 }, { path: `${name}.sig`, length: 600 });
      tags = ["software", "linux"];
    } else if (kind < 0.95) {
      const author = title(2, 2).join(" ");
      const book = title(1, 5).join(" ");
      const format = pick(["EPUB", "PDF", "MOBI"]);
      name = `${author} - ${book} (${year}) [${format}]`;
      files = [{ path: `${author} - ${book}.${format.toLowerCase()}`, length: big(2e5, 3e7) }];
      if (random() < 0.3) files.push({ path: `${author} - ${book}.azw3`, length: big(2e5, 3e7) });
      tags = ["book"];
    } else {
      const dataset = title(1, 3).join("_").toLowerCase();
      name = `${dataset}_${year}-${String(int(1, 12)).padStart(2, "0")}`;
      files = Array.from({ length: int(2, 8) }, (_, i) => ({ path: `data/${dataset}_part${i}.csv.gz`, length: big(1e7, 5e9) }));
      files.push({ path: "README.md", length: int(500, 20000) });
      tags = ["data"];
    }
    return { info_hash: hash(), name, piece_length: 2 ** int(16, 24), files, tags, description: description() };
  };
}

// --- the system under test ---

/** The directory under test: its HTTP API, SQL on its database (for the benchmark's own set-up), and a stop. */
type System = {
  stateDir: string;
  fetch: (path: string, init?: RequestInit) => Promise<Response>;
  sql: <T>(query: string, params: unknown[]) => Promise<T | null>;
  stop: () => Promise<void>;
};

async function startSystem(): Promise<System> {
  return process.env.BENCH_HOST === "deno" ? startDenoSystem() : startMiniflareSystem();
}

/** The Deno host on a database in a state directory; set-up SQL runs in a second Deno process on the same file. */
async function startDenoSystem(): Promise<System> {
  const stateDir = await mkdtemp(path.join(tmpdir(), "edgeswarm-search-bench-"));
  const dbPath = path.join(stateDir, "directory.sqlite");
  // wrangler.toml's write limit (20 a minute) is per client address, and the Deno host reads it from there:
  // behind a proxy (BEHIND_PROXY=1) it takes the address from X-Forwarded-For, so the fill's publishes each
  // come from an address of their own, as the Miniflare system lifts the limit instead.
  const host = await startLocalHost({ host: "deno", dbPath, timeoutMs: 60_000, vars: { BEHIND_PROXY: "1" } });
  let requests = 0;
  const fromAnAddress = () => {
    requests++;
    return `10.${(requests >> 16) & 255}.${(requests >> 8) & 255}.${requests & 255}`;
  };
  const script = `import { DatabaseSync } from "node:sqlite";
    const [file, query, params] = Deno.args;
    const db = new DatabaseSync(file);
    db.exec("PRAGMA busy_timeout = 30000");
    // The set-up SQL's math (D1 has SQLite's math functions; Deno's SQLite is built without them).
    db.function("exp", Math.exp);
    db.function("ln", Math.log);
    console.log(JSON.stringify(db.prepare(query).get(...JSON.parse(params)) ?? null));`;
  return {
    stateDir,
    fetch: (route, init) => fetch(`${host.httpUrl}${route}`, { ...init, headers: { ...(init?.headers as Record<string, string>), "x-forwarded-for": fromAnAddress() } }),
    sql: async <T>(query: string, params: unknown[]) => {
      const { stdout } = await run(denoBinary(), ["eval", "--quiet", script, dbPath, query, JSON.stringify(params)], { cwd: root, maxBuffer: 1 << 20 });
      return JSON.parse(stdout) as T | null;
    },
    stop: () => host.stop(),
  };
}

async function startMiniflareSystem(): Promise<System> {
  const stateDir = REUSED_STATE ?? (await mkdtemp(path.join(tmpdir(), "edgeswarm-search-bench-")));
  const dist = path.join(stateDir, "dist");
  await run(process.execPath, [wrangler, "deploy", "--dry-run", "--outdir", dist], { cwd: root, env: offline });
  await run(process.execPath, [wrangler, "d1", "migrations", "apply", "DB", "--local", "--persist-to", stateDir], { cwd: root, env: offline });
  const mf = new Miniflare({
    modules: true,
    scriptPath: path.join(dist, "index.js"),
    modulesRoot: dist,
    compatibilityDate: "2026-04-01",
    compatibilityFlags: ["nodejs_compat"],
    d1Databases: { DB: DATABASE_ID },
    d1Persist: path.join(stateDir, "v3", "d1"),
    durableObjects: { SWARMS: "SwarmObject" },
    durableObjectsPersist: path.join(stateDir, "v3", "do"),
    // wrangler.toml's write limit is per address; the fill publishes thousands of share lists from one.
    ratelimits: { PUBLISH_RATE_LIMIT: { simple: { limit: 1_000_000, period: 60 } } },
    cf: false,
  });
  await mf.ready;
  return {
    stateDir,
    fetch: (route, init) => mf.dispatchFetch(`http://bench.local${route}`, init as never) as unknown as Promise<Response>,
    sql: async <T>(query: string, params: unknown[]) => (await mf.getD1Database("DB")).prepare(query).bind(...params).first<T>(),
    stop: () => mf.dispose(),
  };
}

let publishDbMs = 0;

async function post(system: System, body: unknown): Promise<{ status: number; created: number }> {
  const res = await system.fetch(`/api/torrents`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as { entries?: { created: boolean }[]; error?: { message: string } };
  if (res.status >= 300) throw new Error(`publish answered ${res.status}: ${JSON.stringify(json.error)}`);
  publishDbMs += Number(/db;dur=([\d.]+)/.exec(res.headers.get("server-timing") ?? "")?.[1] ?? 0);
  return { status: res.status, created: json.entries?.filter((e) => e.created).length ?? 0 };
}

/** Publishes `count` entries in share lists; returns entries per second. */
async function fill(system: System, next: () => Entry, count: number): Promise<number> {
  const started = performance.now();
  publishDbMs = 0;
  let sent = 0;
  let lastReport = started;
  const worker = async () => {
    while (sent < count) {
      const n = Math.min(SHARE_LIST, count - sent);
      sent += n;
      await post(system, Array.from({ length: n }, next));
      const now = performance.now();
      if (now - lastReport > 15_000) {
        lastReport = now;
        const seconds = (now - started) / 1000;
        process.stdout.write(`  … ${sent} entries, ${Math.round(sent / seconds)}/s (D1 busy ${Math.round((publishDbMs / 1000 / seconds) * 100)}% of the time)\n`);
      }
    }
  };
  await Promise.all(Array.from({ length: FILL_CONCURRENCY }, worker));
  return count / ((performance.now() - started) / 1000);
}

/** Live counts for ~15% of the torrents (Zipf-like seeders), upserted into 0001's swarm_stats as the swarm objects do. */
async function seedSwarmStats(system: System, fromId: number): Promise<void> {
  await system.sql(
    `INSERT INTO swarm_stats (info_hash, complete, incomplete, downloaded, updated_at)
     SELECT info_hash, CAST(exp((abs(random()) % 10000) / 10000.0 * ln(2000)) AS INTEGER) - 1, abs(random()) % 30,
       abs(random()) % 5000, ?2
     FROM torrents WHERE id > ?1 AND abs(random()) % 100 < 15
     ON CONFLICT (info_hash) DO UPDATE SET complete = excluded.complete, incomplete = excluded.incomplete`,
    [fromId, Date.now()],
  );
}

// --- measurement ---

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

/** `refused`: the directory must answer 400 (issue 10's bar: every hostile class is refused or cheap). */
type Query = { label: string; params: string; deepPages?: number; refused?: boolean };

const QUERIES: Query[] = [
  { label: "common word", params: "q=love" },
  { label: "common word, 2 words", params: "q=night+1080p" },
  { label: "rare word", params: `q=${VOCAB[15_000]}` },
  { label: "phrase", params: `q=${encodeURIComponent('"black river"')}` },
  { label: "prefix", params: "q=cast*" },
  { label: "file-name words", params: "q=ubuntu+24.04+desktop" },
  { label: "sort by seeders", params: "q=love&sort=seeders" },
  { label: "browse, alive, by seeders", params: "sort=seeders&alive=1" },
  { label: "browse newest", params: "sort=added" },
  { label: "tag + size filter", params: "q=night&tag=tv&min_size=1000000000" },
  { label: "deep page (10th)", params: "q=love&sort=added&limit=20", deepPages: 9 },
  { label: "deep page (10th) by relevance", params: "q=night&limit=20", deepPages: 9 },
  // Hostile classes (issue 10): what an attacker would type, beside the ordinary queries above.
  { label: "hostile: combining marks as a prefix", params: `q=${encodeURIComponent("\u0301\u0301*")}`, refused: true },
  { label: "hostile: same, sort by seeders", params: `q=${encodeURIComponent("\u0301\u0301*")}&sort=seeders`, refused: true },
  { label: "hostile: one-letter prefixes", params: `q=${encodeURIComponent("a* b* c*")}`, refused: true },
  { label: "hostile: three two-letter prefixes", params: `q=${encodeURIComponent("th* lo* ni*")}` },
  { label: "hostile: three prefixes, sort by seeders", params: `q=${encodeURIComponent("th* lo* ni*")}&sort=seeders` },
  { label: "hostile: four prefixes", params: `q=${encodeURIComponent("th* lo* ni* da*")}`, refused: true },
  { label: "hostile: 8 common words", params: `q=${encodeURIComponent("the love night day black white red blue")}` },
  { label: "hostile: 9 words", params: `q=${encodeURIComponent("the love night day black white red blue dark")}`, refused: true },
  { label: "hostile: one word 50 times", params: `q=${encodeURIComponent(Array.from({ length: 50 }, () => "the").join(" "))}` },
  { label: "hostile: 12-word phrase", params: `q=${encodeURIComponent('"the love night day black white red blue dark light last first"')}`, refused: true },
  { label: "hostile: 10-word phrase", params: `q=${encodeURIComponent('"the love night day black white red blue dark light"')}` },
  { label: "hostile: 10-word phrase as a prefix", params: `q=${encodeURIComponent('"the love night day black white red blue dark li"*')}` },
  { label: "hostile: 10-word phrase, newest", params: `q=${encodeURIComponent('"the love night day black white red blue dark light"')}&sort=added` },
  { label: "hostile: 8 common words, sort by size", params: `q=${encodeURIComponent("the love night day black white red blue")}&sort=size` },
  { label: "hostile: exclusions only", params: `q=${encodeURIComponent("-love -night")}`, refused: true },
  { label: "hostile: 4 common exclusions", params: `q=${encodeURIComponent("love -night -day -black -white")}` },
  { label: "hostile: exclusion prefixes", params: `q=${encodeURIComponent("love -th* -lo* -ni*")}` },
  { label: "hostile: exclusion prefixes that exclude nothing for sure", params: `q=${encodeURIComponent("love -th* -ni* -da*")}` },
  { label: "hostile: half the entries, sort by seeders", params: "q=video&sort=seeders" },
  { label: "hostile: common word, live only, newest", params: "q=love&alive=1&sort=added" },
  { label: "hostile: half the entries, sort by size", params: "q=video&sort=size" },
  // Words of descriptions (issue 12): matched in the description index alone, or in both.
  { label: "description word", params: "q=remastered" },
  { label: "rare description word", params: "q=premiere" },
  { label: "description words, 2", params: "q=original+edition" },
  { label: "description word, sort by seeders", params: "q=remastered&sort=seeders" },
  { label: "description word, sort by size", params: "q=remastered&sort=size" },
  { label: "description word, sort by name", params: "q=remastered&sort=name" },
  { label: "description word, newest", params: "q=remastered&sort=added" },
  { label: "description word, tag + alive", params: "q=remastered&tag=movie&alive=1" },
  { label: "deep page (10th), description word by relevance", params: "q=remastered&limit=20", deepPages: 9 },
  { label: "hostile: common description words, 8", params: `q=${encodeURIComponent("includes complete edition remastered original quality version release")}` },
  { label: "hostile: three prefixes in descriptions", params: `q=${encodeURIComponent("in* co* re*")}` },
  { label: "hostile: same, sort by size", params: `q=${encodeURIComponent("in* co* re*")}&sort=size` },
  { label: "hostile: common in names and descriptions, sort by name", params: "q=the&sort=name" },
  { label: "hostile: description word, 4 common exclusions", params: `q=${encodeURIComponent("includes -complete -edition -remastered -original")}` },
];

type Narrowed = { newest_entries: number; of_entries: number; ranked_by: string[] } | null;

async function search(system: System, params: string, refused = false): Promise<{ ms: number; dbMs: number; hits: number; next: string | null; narrowed: Narrowed }> {
  const started = performance.now();
  const res = await system.fetch(`/api/search?${params}`);
  const body = (await res.json()) as { hits?: unknown[]; next_cursor?: string | null; narrowed?: Narrowed; error?: unknown };
  const ms = performance.now() - started;
  if (res.status !== (refused ? 400 : 200)) throw new Error(`search ${params} answered ${res.status}: ${JSON.stringify(body.error)}`);
  if (refused) return { ms, dbMs: 0, hits: 0, next: null, narrowed: null }; // refused before the database
  const dbMs = Number(/db;dur=([\d.]+)/.exec(res.headers.get("server-timing") ?? "")?.[1] ?? NaN);
  return { ms, dbMs, hits: body.hits!.length, next: body.next_cursor ?? null, narrowed: body.narrowed ?? null };
}

/** What a search covered (issue 10's cost plan): every entry, or the newest N and the words it ranked by. */
function coverage(narrowed: Narrowed): string {
  if (!narrowed) return "all";
  const window = narrowed.newest_entries < narrowed.of_entries ? `newest ${Math.round(narrowed.newest_entries / 1000)}k` : "all";
  return narrowed.ranked_by.length > 0 ? `${window}, ranked by ${narrowed.ranked_by.join(" ")}` : window;
}

type Measured = { p50: number; p99: number; dbP50: number; dbP99: number; hits: number; searched: string };

async function measure(system: System, query: Query): Promise<Measured> {
  let params = query.params;
  for (let page = 0; page < (query.deepPages ?? 0); page++) {
    const { next } = await search(system, params);
    if (!next) break;
    params = `${query.params}&cursor=${next}`;
  }
  for (let i = 0; i < 3; i++) await search(system, params, query.refused); // warm-up
  const samples: number[] = [];
  const dbSamples: number[] = [];
  let hits = 0;
  let searched = "";
  for (let i = 0; i < RUNS; i++) {
    const result = await search(system, params, query.refused);
    samples.push(result.ms);
    dbSamples.push(result.dbMs);
    hits = result.hits;
    searched = query.refused ? "—" : coverage(result.narrowed);
  }
  samples.sort((a, b) => a - b);
  dbSamples.sort((a, b) => a - b);
  return { p50: percentile(samples, 50), p99: percentile(samples, 99), dbP50: percentile(dbSamples, 50), dbP99: percentile(dbSamples, 99), hits, searched };
}

async function main(): Promise<void> {
  console.log(`search bench: sizes ${SIZES.join(", ")}, ${RUNS} runs per query, share lists of ${SHARE_LIST}`);
  const system = await startSystem();
  // Interrupted: take workerd down and remove the state rather than leave them behind.
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      void system
        .stop()
        .catch(() => {})
        .then(() => (REUSED_STATE ? undefined : rm(system.stateDir, { recursive: true, force: true })))
        .finally(() => process.exit(130));
    });
  }
  const table: string[] = [];
  try {
    const next = generator(42);
    let filled = 0;
    let seeded = 0;
    for (const size of SIZES) {
      const started = performance.now();
      if (REUSED_STATE) filled = (await system.sql<{ n: number }>(`SELECT count(*) AS n FROM torrents`, []))!.n;
      const count = Math.max(0, size - filled);
      const rate = count === 0 ? NaN : await fill(system, next, count);
      const busy = count === 0 ? NaN : Math.round((publishDbMs / 1000 / (count / rate)) * 100);
      filled = Math.max(size, filled);
      if (count > 0) await seedSwarmStats(system, seeded);
      seeded = (await system.sql<{ id: number }>(`SELECT max(id) AS id FROM torrents`, []))!.id;
      const fillSeconds = (performance.now() - started) / 1000;
      console.log(
        `\n${size} entries: filled in ${fillSeconds.toFixed(0)} s (publish ${Math.round(rate)} entries/s in share lists of ${SHARE_LIST}; D1 busy ${busy}% of it)`,
      );

      // Single-entry publishes on top of the filled directory.
      const singleStarted = performance.now();
      const singles = 200;
      for (let i = 0; i < singles; i++) await post(system, next());
      const singleRate = singles / ((performance.now() - singleStarted) / 1000);
      filled += singles;

      const rows: string[] = [];
      const all: number[] = [];
      for (const query of QUERIES.filter((q) => !ONLY || q.label.includes(ONLY))) {
        const result = await measure(system, query);
        all.push(result.p99);
        // Parameters as typed (marks and all), but with control and direction characters shown as codes.
        const shown = decodeURIComponent(query.params).replace(/[\u0300-\u036f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
        rows.push(
          `| ${query.label} | \`${shown}\` | ${result.p50.toFixed(1)} | ${result.p99.toFixed(1)} | ${Number(result.dbP50.toFixed(1))} | ${Number(result.dbP99.toFixed(1))} | ${query.refused ? "400" : result.hits} | ${result.searched} |`,
        );
      }
      const header = [
        `### ${size.toLocaleString("en")} entries`,
        `publish: ${Math.round(rate)} entries/s in share lists of ${SHARE_LIST}; ${singleRate.toFixed(0)} single-entry publishes/s`,
        `machine load average while measuring: ${loadavg()[0]!.toFixed(1)} (${process.env.BENCH_NOTE ?? "2 cores"}); ${Math.round(DESCRIBED * 100)}% of entries with a description`,
        "",
        "Hits 400: refused with a 400 before the database (D1 columns 0). D1 includes the cost probes. Searched: every entry,",
        "or the newest N when the words are too common to search all within the cost budget (the answer's `narrowed`).",
        "",
        "| query | parameters | p50 ms | p99 ms | D1 p50 ms | D1 p99 ms | hits | searched |",
        "|---|---|---:|---:|---:|---:|---:|---|",
      ];
      const block = [...header, ...rows, `worst p99: ${Math.max(...all).toFixed(1)} ms`].join("\n");
      console.log(block);
      table.push(block);
    }
  } finally {
    await system.stop();
    if (process.env.BENCH_KEEP || REUSED_STATE) console.log(`state kept in ${system.stateDir}`);
    else await rm(system.stateDir, { recursive: true, force: true });
  }
  console.log(`\n## Search benchmark (npm run bench:search)\n\n${table.join("\n\n")}`);
}

await main();
