// What real lab runs stand on: the central server (the local worker, started here, or a running one), the
// runner's pacing proxy and the peer hosts, torn down together (also on Ctrl-C). Layer: client/lab (Node).
import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { startLocalWorker, type LocalWorker } from "../../scripts/local-worker";
import { startOriginProxy, type OriginProxy } from "./origin-proxy";
import { PeerPool, type PeerPoolOptions, type RealRunContext } from "./real-run";

/** The local worker's tracker announce interval: peers discover each other within a few seconds. */
export const ANNOUNCE_INTERVAL_SECONDS = 5;

export type RealLab = { ctx: RealRunContext; server: string; close(): Promise<void> };

export async function startRealLab(options: PeerPoolOptions & { server?: string; labKey?: string; log?: (line: string) => void }): Promise<RealLab> {
  const log = options.log ?? (() => undefined);
  let worker: LocalWorker | null = null;
  let proxy: OriginProxy | null = null;
  let pool: PeerPool | null = null;
  const workDir = path.join(os.tmpdir(), `edgeswarm-lab-${randomBytes(4).toString("hex")}`);
  const close = async () => {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await pool?.close().catch(() => undefined);
    await proxy?.close().catch(() => undefined);
    await worker?.stop().catch(() => undefined);
    await rm(workDir, { recursive: true, force: true });
  };
  const onSignal = () => void close().finally(() => process.exit(130));
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    let serverUrl = options.server;
    let labKey = options.labKey ?? process.env.LAB_KEY ?? "";
    let server = `${serverUrl}`;
    if (!serverUrl) {
      labKey = randomBytes(16).toString("hex");
      log("lab: starting the local worker…");
      worker = await startLocalWorker({ vars: { LAB_KEY: labKey, ANNOUNCE_INTERVAL_SECONDS: String(ANNOUNCE_INTERVAL_SECONDS) } });
      serverUrl = worker.httpUrl;
      server = `local worker ${serverUrl} (wrangler dev / workerd)`;
    }
    proxy = await startOriginProxy({ upstream: serverUrl, rateBytesPerSecond: null });
    pool = await PeerPool.start(options);
    log(`lab: ${pool.size} peers in ${pool.hosts.length} host processes (nice ${options.nice ?? 5})`);
    return { ctx: { pool, proxy, serverUrl, labKey, workDir, workerPgid: worker?.pgid }, server, close };
  } catch (error) {
    await close();
    throw error;
  }
}
