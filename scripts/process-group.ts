// Children started in their own process group (`detached: true`): waiting until one says it is ready, and
// stopping it together with everything it started (SIGTERM to the group, SIGKILL if it lingers). For the local
// worker, the Deno host, coturn and other helpers of tests and the lab. Layer: scripts.
import type { ChildProcess } from "node:child_process";

export async function stopProcessGroup(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name);
    } catch {
      // already gone
    }
  };
  signal("SIGTERM");
  const timer = setTimeout(() => signal("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

/**
 * Resolves once the child's output (read through `output`, fed by stdout and stderr) matches `ready`; rejects,
 * after `stop()`, when it exits first or `timeoutMs` passes — with what it printed, so a failed start says why.
 */
export function waitUntilReady(
  child: ChildProcess,
  options: { what: string; ready: RegExp; output: () => string; timeoutMs: number; stop: () => Promise<void> },
): Promise<void> {
  const { what, ready, output, timeoutMs, stop } = options;
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => done(new Error(`${what} not ready after ${timeoutMs} ms:\n${output()}`)), timeoutMs);
    const check = () => {
      if (ready.test(output())) done();
    };
    const onExit = (code: number | null) => done(new Error(`${what} exited (${code}) before ready:\n${output()}`));
    function done(error?: Error) {
      clearTimeout(timer);
      child.stdout!.off("data", check);
      child.stderr!.off("data", check);
      child.off("exit", onExit);
      if (error) void stop().then(() => reject(error));
      else resolve();
    }
    child.stdout!.on("data", check);
    child.stderr!.on("data", check);
    child.once("exit", onExit);
  });
}
