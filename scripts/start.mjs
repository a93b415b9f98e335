#!/usr/bin/env node
// `npm start`: everything on http://127.0.0.1:8787 (PORT overrides) with local state, no account, no network.
// Applies the D1 migrations to the local database, then runs `wrangler dev`. Extra arguments go to wrangler.
import { fileURLToPath } from "node:url";
import { runForwardingSignals } from "./run-child.mjs";

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

const run = (args) => runForwardingSignals(process.execPath, [wrangler, ...args], { cwd: root, env });

// Non-interactive stdin makes wrangler apply without asking.
const migrated = await run(["d1", "migrations", "apply", "DB", "--local", ...persist]);
if (migrated !== 0) process.exit(migrated);
const code = await run(["dev", "--ip", "127.0.0.1", "--port", port, ...persist, ...process.argv.slice(2)]);
process.exit(code);
