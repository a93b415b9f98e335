// Where the `deno` binary from npm is: its platform package (@deno/<os>-<arch>[-glibc]), which `npm ci` installs
// without any install script (npm here runs none). node_modules/.bin/deno works too, but its first run rewires
// itself through Node, which two processes starting at once could race on. Layer: scripts.
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

export function denoBinary() {
  const arch = process.arch === "arm64" ? "arm64" : "x64";
  const candidates = {
    linux: [`linux-${arch}-glibc`],
    darwin: [`darwin-${arch}`],
    win32: [`win32-${arch}`],
  }[process.platform] ?? [];
  for (const name of candidates) {
    const binary = path.join(root, "node_modules/@deno", name, process.platform === "win32" ? "deno.exe" : "deno");
    if (existsSync(binary)) return binary;
  }
  const bin = path.join(root, "node_modules/.bin/deno");
  if (existsSync(bin)) return bin;
  throw new Error("deno is not installed: run `npm ci` (it is a devDependency)");
}

/**
 * `deno run` with what the server needs: the network, the settings, the repository (read), the database (write).
 * EDGESWARM_DENO_FLAGS adds flags (e.g. `--inspect=127.0.0.1:9330` to profile the server under a benchmark).
 */
export function denoServerArgs(dbPath) {
  const db = path.resolve(dbPath);
  const writable = [db, `${db}-wal`, `${db}-shm`, `${db}-journal`].join(",");
  const extra = (process.env.EDGESWARM_DENO_FLAGS ?? "").split(" ").filter(Boolean);
  return ["run", "--sloppy-imports", "--allow-net", "--allow-env", "--allow-read", `--allow-write=${writable}`, ...extra, path.join(root, "worker/deno/server.ts")];
}
