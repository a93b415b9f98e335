// Starts edgeswarm locally on either host, for end-to-end tests and benchmarks: "workerd" (wrangler dev, as
// `npm start`; scripts/local-worker.ts) or "deno" (worker/deno/server.ts in one Deno process, as
// `npm run start:deno`), on a free loopback port with throwaway state. One shape for both, so a suite can run
// against each. Resolves once the server says it is ready.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { denoBinary, denoServerArgs } from "./deno-binary.mjs";
import { freePort, startLocalWorker, type LocalWorker } from "./local-worker";
import { exitReported, stopProcessGroup, waitUntilReady } from "./process-group";

export type HostKind = "workerd" | "deno";
export const HOSTS: HostKind[] = ["workerd", "deno"];

/** The hosts a shared suite runs against: both, or those named in EDGESWARM_HOSTS (e.g. "deno" while iterating). */
export function hostsUnderTest(): HostKind[] {
  const named = process.env.EDGESWARM_HOSTS?.split(",").map((h) => h.trim()).filter(Boolean);
  if (!named || named.length === 0) return HOSTS;
  const unknown = named.filter((h) => !HOSTS.includes(h as HostKind));
  if (unknown.length > 0) throw new Error(`EDGESWARM_HOSTS: unknown host ${unknown.join(", ")} (hosts: ${HOSTS.join(", ")})`);
  return named as HostKind[];
}

export type LocalHost = LocalWorker & {
  host: HostKind;
  /** The process serving the tracker (Deno only: workerd's are found by the benchmark itself). */
  serverPid?: number;
};

export type LocalHostOptions = {
  host: HostKind;
  vars?: Record<string, string>;
  timeoutMs?: number;
  /** Deno: the directory's SQLite file, kept after stop (a restart test starts again on it); default a temporary one. */
  dbPath?: string;
  /** Deno: the port to listen on (a restart keeps its URL); default a free one. */
  port?: number;
};

const root = fileURLToPath(new URL("..", import.meta.url));

export async function startLocalHost(options: LocalHostOptions): Promise<LocalHost> {
  if (options.host === "workerd") return { ...(await startLocalWorker(options)), host: "workerd" };
  // A port chosen here may be taken by another process before Deno binds it: try again on a fresh one.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startDeno(options);
    } catch (error) {
      if (options.port !== undefined || attempt >= 3 || !/address already in use|AddrInUse/i.test(String(error))) throw error;
    }
  }
}

async function startDeno(options: LocalHostOptions): Promise<LocalHost> {
  const port = options.port ?? (await freePort());
  const stateDir = options.dbPath ? null : await mkdtemp(path.join(tmpdir(), "edgeswarm-deno-"));
  const dbPath = options.dbPath ?? path.join(stateDir!, "edgeswarm.sqlite");
  const child = spawn(denoBinary(), denoServerArgs(dbPath), {
    cwd: root,
    env: { ...process.env, ...options.vars, PORT: String(port), HOST: "127.0.0.1", EDGESWARM_DB: dbPath, NO_COLOR: "1" },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true, // its own process group: stop() takes it down whatever happens to the test
  });
  let output = "";
  const onData = (chunk: Buffer) => (output += chunk.toString());
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  let stopping = false;
  let ready = false; // a failed start is waitUntilReady's to report
  const exited = exitReported(child, `deno host on port ${port}`, () => output, () => stopping || !ready);

  const stop = async () => {
    stopping = true;
    await stopProcessGroup(child);
    if (stateDir) await rm(stateDir, { recursive: true, force: true });
  };

  await waitUntilReady(child, { what: "deno host", ready: /edgeswarm \(Deno\) ready on/, output: () => output, timeoutMs: options.timeoutMs ?? 30_000, stop });
  ready = true;

  return {
    host: "deno",
    httpUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    port,
    serverPid: child.pid,
    pgid: child.pid!, // detached: the server leads its own process group
    output: () => output,
    exited,
    stop,
  };
}
