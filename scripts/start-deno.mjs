#!/usr/bin/env node
// `npm run start:deno`: everything (tracker, directory, page) in one Deno process on http://127.0.0.1:8787
// (PORT, HOST, EDGESWARM_DB=./edgeswarm.sqlite and the settings of README "Deno" from the environment).
// Builds the page if it changed, then runs worker/deno/server.ts with the deno binary from npm.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { denoBinary, denoServerArgs } from "./deno-binary.mjs";
import { runForwardingSignals } from "./run-child.mjs";

const root = fileURLToPath(new URL("..", import.meta.url));

const run = (command, args, env = process.env) => runForwardingSignals(command, args, { cwd: root, env });

const built = await run(process.execPath, [fileURLToPath(new URL("build-page.mjs", import.meta.url))]);
if (built !== 0) process.exit(built);
// Relative to where it was started, like any path a user types; the server runs in the repository.
const db = path.resolve(process.env.EDGESWARM_DB ?? "./edgeswarm.sqlite");
process.exit(await run(denoBinary(), denoServerArgs(db), { ...process.env, EDGESWARM_DB: db }));
