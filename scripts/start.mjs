#!/usr/bin/env node
// `npm start`: everything on http://127.0.0.1:8787 (PORT overrides) with local state, no account, no network.
// Applies the D1 migrations to the local database, then runs `wrangler dev`. Extra arguments go to wrangler.
import { createServer } from "node:net";
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

// wrangler 4.86, the last release that runs on Node 20, exits when its dev proxy loses one request to the
// worker — a kept-alive connection closed just as a request is written on it (workers-sdk#15317; fixed in
// releases that need Node 22). The state is on disk, so a server that had been serving is started again on
// the same port once its processes have let go of it, a few times at most; one that fails to start is not.
const RESTARTS = { max: 5, withinMs: 10 * 60_000 };
const restartedAt = [];
let stopping = false;
let running = false;
// While wrangler runs it gets the signal too and its exit ends the loop; between runs, nothing is left to stop.
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    stopping = true;
    if (!running) process.exit(signal === "SIGINT" ? 130 : 143);
  });
}
for (;;) {
  const serving = watchServing();
  running = true;
  const code = await run(["dev", "--ip", "127.0.0.1", "--port", port, ...persist, ...process.argv.slice(2)]);
  running = false;
  serving.stop();
  const now = Date.now();
  while (restartedAt.length > 0 && restartedAt[0] < now - RESTARTS.withinMs) restartedAt.shift();
  if (stopping || code === 0 || !serving.served() || restartedAt.length >= RESTARTS.max) process.exit(code);
  if (!(await portFrees(10_000))) {
    console.error(`\nedgeswarm: wrangler dev exited (code ${code}) but port ${port} is still taken; not starting it again\n`);
    process.exit(code);
  }
  restartedAt.push(now);
  console.error(`\nedgeswarm: wrangler dev exited on its own (code ${code}) after serving; starting it again on port ${port}, state kept (restart ${restartedAt.length} of at most ${RESTARTS.max} in ${RESTARTS.withinMs / 60_000} min)\n`);
}

/** Whether this start's server answered on the port (polled until it does; a start always finds the port free). */
function watchServing() {
  let served = false;
  let stopped = false;
  let timer;
  const poll = async () => {
    served = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.ok, () => false);
    if (served) console.log(`\nedgeswarm: serving the page on http://127.0.0.1:${port}/ and the tracker on ws://127.0.0.1:${port}/announce\n`);
    else if (!stopped) timer = setTimeout(poll, 1_000);
  };
  timer = setTimeout(poll, 1_000);
  return {
    served: () => served,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

/** Waits until nothing listens on the port (an exiting wrangler's runtime may hold it a moment longer). */
async function portFrees(timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const free = await new Promise((resolve) => {
      const probe = createServer().once("error", () => resolve(false));
      probe.listen(Number(port), "127.0.0.1", () => probe.close(() => resolve(true)));
    });
    if (free || Date.now() > deadline) return free;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
