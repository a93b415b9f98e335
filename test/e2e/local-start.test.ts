// `npm start` (scripts/start.mjs) when wrangler dev dies under it. wrangler 4.86 — the last release for Node 20 —
// exits when its dev proxy loses one request to the worker (workers-sdk#15317), which once took a whole browser
// suite down with it. The launcher starts it again on the same port with the state kept, but only a server that
// had been serving, and only once the port is free.
import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import type { SearchResponse } from "../../protocol/directory";
import { startLocalWorker, type LocalWorker } from "../../scripts/local-worker";
import { processTree, readCmdline } from "../bench/proc-stats";
import { eventually } from "./wait";

let worker: LocalWorker | undefined;
/** Processes a test left running on purpose, killed after it. */
const lingering: number[] = [];

afterEach(async () => {
  await worker?.stop();
  worker = undefined;
  for (const pid of lingering.splice(0)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
});

/** wrangler and its runtime processes die at once, as when wrangler exits; the launcher (the group's leader) stays. */
function killWranglerUnder(launcher: LocalWorker): number {
  const below = processTree(launcher.pgid).filter((p) => p.pid !== launcher.pgid);
  for (const p of below) process.kill(p.pid, "SIGKILL");
  return below.length;
}

const health = (w: LocalWorker) => fetch(`${w.httpUrl}/health`, { signal: AbortSignal.timeout(2_000) }).then((r) => r.ok, () => false);

describe("npm start", () => {
  it("starts wrangler dev again on the same port when it dies after serving, the directory kept", async () => {
    worker = await startLocalWorker();
    const launcher = worker;
    await eventually(async () => (/edgeswarm: serving the page/.test(launcher.output()) ? true : undefined), { timeoutMs: 15_000, what: "the launcher to see it serve" });
    const name = `restart-${randomBytes(4).toString("hex")}`;
    const published = await fetch(`${worker.httpUrl}/api/torrents`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name, info_hash: randomBytes(20).toString("hex"), size: 1000 }),
    });
    expect(published.status).toBe(201);

    expect(killWranglerUnder(worker)).toBeGreaterThanOrEqual(3); // wrangler's two node processes and workerd
    await eventually(async () => (/wrangler dev exited on its own .* starting it again on port/.test(worker!.output()) ? true : undefined), {
      timeoutMs: 15_000,
      what: "the launcher's restart line",
    });
    await eventually(async () => ((await health(worker!)) ? true : undefined), { timeoutMs: 60_000, pauseMs: 250, what: "the server again" });
    const found = (await (await fetch(`${worker.httpUrl}/api/search?q=${name}`)).json()) as SearchResponse;
    expect(found.hits.map((hit) => hit.name)).toEqual([name]);
  });

  it("does not start it again while the port is still held", async () => {
    worker = await startLocalWorker();
    const launcher = worker;
    await eventually(async () => (/edgeswarm: serving the page/.test(launcher.output()) ? true : undefined), { timeoutMs: 15_000, what: "the launcher to see it serve" });
    // wrangler dies, but the runtime holding the port (the dev proxy's workerd) lingers.
    const below = processTree(launcher.pgid).filter((p) => p.pid !== launcher.pgid);
    const holder = below.filter((p) => readCmdline(p.pid).includes(`entry=127.0.0.1:${launcher.port}`));
    expect(holder).toHaveLength(1);
    lingering.push(...holder.map((p) => p.pid));
    for (const p of below) if (!holder.includes(p)) process.kill(p.pid, "SIGKILL");
    expect(await launcher.exited).not.toBe(0);
    expect(worker.output()).toMatch(new RegExp(`port ${launcher.port} is still taken; not starting it again`));
  });
});
