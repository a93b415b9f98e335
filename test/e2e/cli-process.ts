// The `edgeswarm` command as a child process (client/cli/bin.mjs, as `npx edgeswarm` runs it), for end-to-end
// tests: output collected, waits with deadlines, and every process killed by its test's cleanup.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { eventually } from "./wait";

export const BIN = fileURLToPath(new URL("../../client/cli/bin.mjs", import.meta.url));

export type Exit = { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string };

export class Cli {
  stdout = "";
  stderr = "";
  readonly exited: Promise<Exit>;
  private readonly child;

  constructor(server: string, args: string[], running: Set<Cli>, env: Record<string, string> = {}) {
    this.child = spawn(process.execPath, [BIN, ...args], {
      env: { ...process.env, EDGESWARM_SERVER: server, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child.stdout.on("data", (chunk: Buffer) => (this.stdout += chunk.toString()));
    this.child.stderr.on("data", (chunk: Buffer) => (this.stderr += chunk.toString()));
    this.exited = new Promise((resolve) =>
      this.child.once("close", (code, signal) => {
        running.delete(this);
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr });
      }),
    );
    running.add(this);
  }

  /** Waits until the output so far matches. */
  async waitFor(stream: "stdout" | "stderr", pattern: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
    return eventually(async () => this[stream].match(pattern) ?? undefined, {
      timeoutMs,
      pauseMs: 50,
      what: `${pattern} on ${stream}; so far:\nstdout: ${this.stdout}\nstderr: ${this.stderr}`,
    });
  }

  kill(signal: NodeJS.Signals): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }
}

/** Runs a command to its end (killed after `timeoutMs`). */
export function runCli(server: string, args: string[], running: Set<Cli>, timeoutMs = 90_000): Promise<Exit> {
  const cli = new Cli(server, args, running);
  const timer = setTimeout(() => cli.kill("SIGKILL"), timeoutMs);
  return cli.exited.finally(() => clearTimeout(timer));
}
