// One child process in the foreground of `npm start` / `npm run start:deno`: its output is ours, Ctrl-C and
// SIGTERM reach it (so wrangler or deno shut down their own children), and its exit code becomes ours.
import { spawn } from "node:child_process";

/** Runs `command args…` to its end with SIGINT/SIGTERM forwarded; resolves its exit code (1 when killed by a signal). */
export function runForwardingSignals(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "inherit", "inherit"], ...options });
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
