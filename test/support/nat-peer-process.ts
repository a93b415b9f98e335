// Starts nat-peer.ts inside a lab namespace and follows its JSON-line reports. Test support, Node only.
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { NatPeerCommand, NatPeerEvent } from "./nat-peer";
import type { NatLab } from "./netns";

const SCRIPT = fileURLToPath(new URL("./nat-peer.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export type NatPeerProcess = {
  events: NatPeerEvent[];
  /** Everything it wrote to stderr (for failure messages). */
  stderr: () => string;
  /** Resolves with the first report (from now or earlier) that `match` accepts; rejects on timeout or exit. */
  waitFor<T extends NatPeerEvent>(match: (event: NatPeerEvent) => event is T, timeoutMs: number, what: string): Promise<T>;
  /** Closes its stdin (it leaves the swarm and releases its TURN allocations), then waits for it to exit. */
  stop(): Promise<void>;
};

export function spawnNatPeer(lab: NatLab, ns: string, command: NatPeerCommand): NatPeerProcess {
  const child: ChildProcess = lab.spawnIn(ns, process.execPath, ["--import", "tsx", SCRIPT, JSON.stringify(command)], {
    cwd: ROOT,
    stdio: ["pipe", "pipe", "pipe"],
  });
  const events: NatPeerEvent[] = [];
  const waiters = new Set<() => void>();
  let stderr = "";
  let partial = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    partial += chunk.toString();
    const lines = partial.split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) {
      if (!line.trim()) continue;
      try {
        events.push(JSON.parse(line) as NatPeerEvent);
      } catch {
        stderr += `(stdout) ${line}\n`; // a library's stray print; not a report
      }
    }
    for (const check of [...waiters]) check();
  });
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));

  return {
    events,
    stderr: () => stderr,
    waitFor(match, timeoutMs, what) {
      return new Promise((resolve, reject) => {
        const describe = () => `\nreports: ${events.map((e) => JSON.stringify(e)).join("\n")}\nstderr: ${stderr.slice(-3000)}`;
        const timer = setTimeout(() => finish(new Error(`timed out after ${timeoutMs} ms waiting for ${what}${describe()}`)), timeoutMs);
        const onExit = (code: number | null) => finish(new Error(`the peer in ${ns} exited (${code}) before ${what}${describe()}`));
        const check = () => {
          const found = events.find(match);
          if (found) finish(undefined, found);
        };
        function finish(error?: Error, event?: NatPeerEvent) {
          clearTimeout(timer);
          waiters.delete(check);
          child.off("exit", onExit);
          if (error) reject(error);
          else resolve(event as never);
        }
        waiters.add(check);
        child.once("exit", onExit);
        check();
      });
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.stdin!.end();
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, "SIGKILL"); // it did not leave in time; the lab must still come down
        } catch {
          // already gone
        }
      }, 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
