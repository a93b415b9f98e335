// Our tracker in one workerd process driven by Miniflare directly — the same worker bundle, bindings and
// SQLite-backed Durable Objects as `wrangler dev`, but without the proxy workerd that wrangler dev puts in
// front of the worker (nor the static-assets router: requests reach the worker first). Run as a child process by tracker-bench.ts (`--runtime=miniflare`): argv[2] is the
// bundle made by `wrangler deploy --dry-run --outdir`, argv[3] a throwaway state directory. Reports
// {type:"listening", port} over IPC and runs until disconnected.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { Miniflare } from "miniflare";

const root = fileURLToPath(new URL("../..", import.meta.url));
const [bundleDir, stateDir] = process.argv.slice(2);
if (!bundleDir || !stateDir) throw new Error("usage: miniflare-tracker.ts <bundle dir> <state dir>");

// Mirrors wrangler.toml (kept small on purpose: only what the tracker needs).
const toml = readFileSync(path.join(root, "wrangler.toml"), "utf8");
const field = (name: string) => new RegExp(`^${name}\\s*=\\s*"([^"]*)"`, "m").exec(toml)?.[1];

// The same local D1 migrations `npm start` applies, into the layout wrangler uses under --persist-to.
const wrangler = path.join(root, "node_modules/wrangler/bin/wrangler.js");
const migrate = spawnSync(process.execPath, [wrangler, "d1", "migrations", "apply", "DB", "--local", "--persist-to", stateDir], {
  cwd: root,
  env: { ...process.env, WRANGLER_SEND_METRICS: "false", CLOUDFLARE_CF_FETCH_ENABLED: "false" },
  encoding: "utf8",
});
if (migrate.status !== 0) throw new Error(`d1 migrations failed:\n${migrate.stdout}\n${migrate.stderr}`);

const mf = new Miniflare({
  host: "127.0.0.1",
  port: 0,
  modules: true,
  scriptPath: path.join(bundleDir, "index.js"),
  modulesRoot: bundleDir, // module names are relative to it; the default (cwd) would make them "../…"
  compatibilityDate: field("compatibility_date"),
  compatibilityFlags: ["nodejs_compat"],
  // USAGE_PROBE: the benchmark reads the cost counters (GET /internal/usage).
  bindings: { ANNOUNCE_INTERVAL_SECONDS: field("ANNOUNCE_INTERVAL_SECONDS") ?? "120", USAGE_PROBE: "1" },
  durableObjects: {
    SWARMS: { className: "SwarmObject", useSQLite: true },
  },
  d1Databases: { DB: field("database_id") ?? "edgeswarm" },
  r2Buckets: ["FILES"], // the lab's file routes; unused by the tracker but bound as in wrangler.toml
  r2Persist: path.join(stateDir, "v3", "r2"),
  durableObjectsPersist: path.join(stateDir, "v3", "do"),
  d1Persist: path.join(stateDir, "v3", "d1"),
  cf: false,
});
const url = await mf.ready;

process.send?.({ type: "listening", port: Number(url.port) });
process.on("disconnect", () => void mf.dispose().then(() => process.exit(0)));
