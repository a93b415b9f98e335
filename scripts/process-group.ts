// Children started in their own process group (`detached: true`): waiting until one says it is ready, and
// stopping it together with everything it started (SIGTERM to the group, SIGKILL if it lingers). For the local
// worker, the Deno host, coturn and other helpers of tests and the lab. Layer: scripts.
import type { ChildProcess } from "node:child_process";

export async function stopProcessGroup(child: ChildProcess, graceMs = 5_000): Promise<void> {
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name);
    } catch {
      // already gone
    }
  };
  // Long gone: its id may belong to someone else's group by now.
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  signal("SIGTERM");
  const timer = setTimeout(() => signal("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
  // What the leader left behind is killed too: workerd blocks SIGTERM and counts on wrangler to end it, and
  // one orphaned when wrangler went first was seen spinning at half a core. The group's id stays taken while
  // any member remains, so this reaches only them.
  signal("SIGKILL");
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

/**
 * Settles with the child's exit code. One that exits unasked (`expected()` false) is reported on stderr with
 * the end of its output: a test that meets a dead server otherwise fails far from the cause.
 */
export function exitReported(child: ChildProcess, what: string, output: () => string, expected: () => boolean): Promise<number | null> {
  return new Promise((resolve) =>
    child.once("exit", (code, signal) => {
      if (!expected()) process.stderr.write(`\n${what} exited unexpectedly (${signal ?? code}); its last output:\n${output().slice(-8_000)}\n`);
      resolve(code);
    }),
  );
}
