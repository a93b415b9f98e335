#!/usr/bin/env node
// `npm start`: everything on http://127.0.0.1:8787 (PORT overrides) with local state, no account, no network.
// Applies the D1 migrations to the local database, then runs `wrangler dev`. Extra arguments go to wrangler.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const wrangler = fileURLToPath(new URL("../node_modules/wrangler/bin/wrangler.js", import.meta.url));
const port = process.env.PORT ?? "8787";
const persistTo = process.env.EDGESWARM_STATE_DIR; // tests and benchmarks use a throwaway directory
const persist = persistTo ? ["--persist-to", persistTo] : [];
const env = {
  ...process.env,
  // Keep local runs offline: no telemetry, no request for the `cf` object.
  WRANGLER_SEND_METRICS: "false",
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_LOG: process.env.WRANGLER_LOG ?? "info",
};

function run(args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [wrangler, ...args], { cwd: root, env, stdio: ["ignore", "inherit", "inherit"], ...options });
    const forward = (signal) => child.kill(signal);
    process.on("SIGINT", forward);
    process.on("SIGTERM", forward);
    child.on("error", reject);
    child.on("exit", (code, signal) => {
      process.off("SIGINT", forward);
      process.off("SIGTERM", forward);
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

// Non-interactive stdin makes wrangler apply without asking.
const migrated = await run(["d1", "migrations", "apply", "DB", "--local", ...persist]);
if (migrated !== 0) process.exit(migrated);
const code = await run(["dev", "--ip", "127.0.0.1", "--port", port, ...persist, ...process.argv.slice(2)]);
process.exit(code);
