// Starts the real local system (`scripts/start.mjs` → wrangler dev → workerd) on a free loopback port with a
// throwaway state directory, for the lab, end-to-end tests and benchmarks. Resolves once wrangler reports Ready.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { exitReported, stopProcessGroup, waitUntilReady } from "./process-group";

export type LocalWorker = {
  /** http://127.0.0.1:<port> */
  httpUrl: string;
  /** ws://127.0.0.1:<port> */
  wsUrl: string;
  port: number;
  /** Process group of wrangler and workerd (the lab reads their CPU time from /proc). */
  pgid: number;
  /** Everything the process printed so far (for failure messages). */
  output: () => string;
  /** Settles with the launcher's exit code when it exits (on its own or by stop()). */
  exited: Promise<number | null>;
  stop: () => Promise<void>;
};

const root = fileURLToPath(new URL("..", import.meta.url));

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

export type LocalWorkerOptions = {
  vars?: Record<string, string>;
  timeoutMs?: number;
  /** Where the throwaway state directory goes (default: the system's temporary folder). */
  stateRoot?: string;
};

/**
 * A free port is only free until someone takes it: another process may bind the one `freePort` saw between
 * its check and wrangler's listen. Such a start is tried again on fresh ports, a few times.
 */
export async function startLocalWorker(options: LocalWorkerOptions = {}): Promise<LocalWorker> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(options);
    } catch (error) {
      if (attempt >= 3 || !/address already in use/i.test(String(error))) throw error;
    }
  }
}

async function startOnce(options: LocalWorkerOptions): Promise<LocalWorker> {
  const port = await freePort();
  const stateDir = await mkdtemp(path.join(options.stateRoot ?? tmpdir(), "edgeswarm-state-"));
  const varArgs = Object.entries(options.vars ?? {}).flatMap(([k, v]) => ["--var", `${k}:${v}`]);
  // Each instance gets its own inspector port: several workers starting at once would all take 9229.
  let inspectorPort = await freePort();
  while (inspectorPort === port) inspectorPort = await freePort();
  const inspectorArgs = ["--inspector-port", String(inspectorPort)];
  const child: ChildProcess = spawn(process.execPath, [path.join(root, "scripts/start.mjs"), ...varArgs, ...inspectorArgs], {
    cwd: root,
    env: { ...process.env, PORT: String(port), EDGESWARM_STATE_DIR: stateDir, WRANGLER_LOG: "info" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group, so stop() takes workerd down with it
  });
  let output = "";
  let stopping = false;
  let ready = false; // a failed start is waitUntilReady's to report
  const onData = (chunk: Buffer) => {
    output += chunk.toString();
    // The launcher keeps the port after wrangler died under it; a test then meets one failed request, so say why.
    if (/wrangler dev exited on its own/.test(chunk.toString())) {
      process.stderr.write(`\nlocal worker on port ${port}: wrangler dev restarted under it; its last output:\n${output.slice(-8_000)}\n`);
    }
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const exited = exitReported(child, `local worker on port ${port}`, () => output, () => stopping || !ready);

  const stop = async () => {
    stopping = true;
    await stopProcessGroup(child);
    await rm(stateDir, { recursive: true, force: true });
  };

  await waitUntilReady(child, { what: "local worker", ready: /Ready on http:\/\/127\.0\.0\.1/, output: () => output, timeoutMs: options.timeoutMs ?? 60_000, stop });
  ready = true;

  return {
    httpUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    port,
    pgid: child.pid!,
    output: () => output,
    exited,
    stop,
  };
}
