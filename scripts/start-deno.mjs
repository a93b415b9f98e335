#!/usr/bin/env node
// `npm run start:deno`: everything (tracker, directory, page) in one Deno process on http://127.0.0.1:8787
// (PORT, HOST, EDGESWARM_DB=./edgeswarm.sqlite and the settings of README "Deno" from the environment).
// Builds the page if it changed, then runs worker/deno/server.ts with the deno binary from npm.
import { spawn } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { denoBinary, denoServerArgs } from "./deno-binary.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));

function run(command, args, env = process.env) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, env, stdio: ["ignore", "inherit", "inherit"] });
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

const built = await run(process.execPath, [fileURLToPath(new URL("build-page.mjs", import.meta.url))]);
if (built !== 0) process.exit(built);
// Relative to where it was started, like any path a user types; the server runs in the repository.
const db = path.resolve(process.env.EDGESWARM_DB ?? "./edgeswarm.sqlite");
process.exit(await run(denoBinary(), denoServerArgs(db), { ...process.env, EDGESWARM_DB: db }));
