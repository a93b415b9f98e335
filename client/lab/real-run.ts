// Real lab runs: N WebTorrent peers as separate Node processes, the central server behind the runner's
// rate-capping proxy, every byte counted and every cap checked. Layer: client/lab (Node).
import { fork, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdir, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import createTorrent from "create-torrent";
import { boundFor, clientServerBound, peerToPeerBound, type Mode } from "./bounds";
import type { OriginProxy } from "./origin-proxy";
import type { PeerAssignment, PeerSample, PeerToRunner, RunnerToPeer } from "./peer-messages";
import { checkCap, diversityOf, type DiversitySample, type PeerRecord, type RunRecord } from "./records";
import type { Strategy } from "./simulator";

const peerScript = fileURLToPath(new URL("./peer-process.ts", import.meta.url));
const now = () => performance.timeOrigin + performance.now();

/** "-ES0001-" (Azureus-style client tag) + 12 random bytes, hex: how the tracker and other peers know us. */
function labPeerId(): string {
  return Buffer.concat([Buffer.from("-ES0001-"), randomBytes(12)]).toString("hex");
}

type PeerProcess = { child: ChildProcess; peerId: string; listeners: Set<(m: PeerToRunner) => void>; exited: boolean };

/** Long-lived peer processes reused across runs (a fresh WebTorrent client per run inside each). */
export class PeerPool {
  readonly peers: PeerProcess[] = [];
  private constructor() {}

  static async start(size: number, onProgress?: (started: number) => void): Promise<PeerPool> {
    const pool = new PeerPool();
    // a few at a time: each process compiles TypeScript and loads webtorrent + node-datachannel
    for (let i = 0; i < size; i += 4) {
      await Promise.all(Array.from({ length: Math.min(4, size - i) }, () => pool.spawnOne()));
      onProgress?.(pool.peers.length);
    }
    return pool;
  }

  private spawnOne(): Promise<void> {
    const peerId = labPeerId();
    const child = fork(peerScript, [], {
      execArgv: ["--import", "tsx"],
      env: { ...process.env, LAB_PEER_ID: peerId },
      stdio: ["ignore", "ignore", "pipe", "ipc"],
    });
    const peer: PeerProcess = { child, peerId, listeners: new Set(), exited: false };
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
    child.on("message", (m: PeerToRunner) => {
      for (const listener of peer.listeners) listener(m);
    });
    child.on("exit", () => (peer.exited = true));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`peer process not ready after 60 s:\n${stderr}`)), 60_000);
      const onReady = (m: PeerToRunner) => {
        if (m.type !== "ready") return;
        clearTimeout(timer);
        peer.listeners.delete(onReady);
        this.peers.push(peer);
        resolve();
      };
      peer.listeners.add(onReady);
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`peer process exited (${code}) before ready:\n${stderr}`));
      });
    });
  }

  send(index: number, message: RunnerToPeer): void {
    const peer = this.peers[index]!;
    if (!peer.exited && peer.child.connected) peer.child.send(message);
  }

  on(index: number, listener: (m: PeerToRunner) => void): () => void {
    const peer = this.peers[index]!;
    peer.listeners.add(listener);
    return () => peer.listeners.delete(listener);
  }

  async close(): Promise<void> {
    await Promise.all(
      this.peers.map(
        (peer) =>
          new Promise<void>((resolve) => {
            if (peer.exited) return resolve();
            const timer = setTimeout(() => {
              peer.child.kill("SIGKILL");
              resolve();
            }, 5_000);
            peer.child.once("exit", () => {
              clearTimeout(timer);
              resolve();
            });
            if (peer.child.connected) peer.child.send({ type: "exit" } satisfies RunnerToPeer);
            else peer.child.kill("SIGTERM");
          }),
      ),
    );
  }
}

export type RealRunSpec = {
  mode: Mode;
  strategy: Strategy;
  peers: number;
  repeat: number;
  fileBytes: number;
  /** bit/s */
  serverUp: number;
  peerUp: number;
  peerDown: number;
  pieceBytes: number;
  /** hybrid: the product's web seed policy decides when leechers ask the server (default: always). */
  webSeedPolicy?: boolean;
};

export type RealRunContext = {
  pool: PeerPool;
  proxy: OriginProxy;
  /** The central server's own URL (for the directory query and the upload). */
  serverUrl: string;
  labKey: string;
  workDir: string;
  sampleMs?: number;
  /** Give up after max(minTimeoutSeconds, timeoutFactor·bound) seconds. */
  timeoutFactor?: number;
  minTimeoutSeconds?: number;
};

/** A random file of `size` bytes, its torrent (announcing to the proxy's tracker relay) and its server copy. */
async function prepareFile(spec: RealRunSpec, ctx: RealRunContext, runId: string) {
  const data = randomBytes(spec.fileBytes);
  const name = `${runId}.bin`;
  const seedDir = path.join(ctx.workDir, runId, "seed");
  await mkdir(seedDir, { recursive: true });
  await writeFile(path.join(seedDir, name), data);
  const torrent = await new Promise<Uint8Array>((resolve, reject) =>
    createTorrent(
      Buffer.from(data),
      { name, announceList: [[`${ctx.proxy.wsUrl}/announce`]], pieceLength: spec.pieceBytes, createdBy: "edgeswarm lab", private: false },
      (error: Error | null, torrent?: Uint8Array) => (error || !torrent ? reject(error ?? new Error("no torrent")) : resolve(torrent)),
    ),
  );
  if (spec.mode !== "p2p") {
    const response = await fetch(`${ctx.serverUrl}/lab/files/${name}`, { method: "PUT", body: data, headers: { authorization: `Bearer ${ctx.labKey}` } });
    if (!response.ok) throw new Error(`uploading the lab file to the server: ${response.status} ${await response.text()}`);
  }
  return { name, seedDir, torrent: Buffer.from(torrent).toString("base64"), sha256: createHash("sha256").update(data).digest("hex") };
}

async function directoryLatency(serverUrl: string): Promise<number | null> {
  try {
    const started = now();
    const response = await fetch(`${serverUrl}/api/search?q=lab`);
    await response.arrayBuffer();
    return response.status === 404 ? null : now() - started;
  } catch {
    return null;
  }
}

export async function runReal(spec: RealRunSpec, ctx: RealRunContext): Promise<RunRecord> {
  const runId = `${spec.mode}-${spec.strategy}-n${spec.peers}-r${spec.repeat}-${randomBytes(3).toString("hex")}`;
  const sampleMs = ctx.sampleMs ?? 250;
  const capacities = { fileBits: spec.fileBytes * 8, serverUp: spec.serverUp, peerUp: spec.peerUp, peerDown: spec.peerDown, peers: spec.peers };
  const bound = boundFor(spec.mode, capacities);
  const timeoutSeconds = Math.max(ctx.minTimeoutSeconds ?? 60, (ctx.timeoutFactor ?? 6) * bound);
  const pieces = Math.ceil(spec.fileBytes / spec.pieceBytes);
  const file = await prepareFile(spec, ctx, runId);
  const upBytes = spec.peerUp / 8;
  const downBytes = spec.peerDown === Infinity ? null : spec.peerDown / 8;
  const serverBytesPerSecond = spec.serverUp / 8;
  const seedIndex = spec.peers; // leechers use pool slots 0…N−1, the p2p seed slot N
  const seedPeerId = ctx.pool.peers[seedIndex]?.peerId;
  if (ctx.pool.peers.length < spec.peers + (spec.mode === "p2p" ? 1 : 0)) throw new Error("peer pool too small");

  ctx.proxy.setRate(spec.mode === "p2p" ? null : serverBytesPerSecond);
  const problems: string[] = [];
  const samples: PeerSample[][] = Array.from({ length: spec.peers }, () => []);
  const doneAt: (number | null)[] = new Array(spec.peers).fill(null);
  const seedSamples: PeerSample[] = [];
  const unsubscribe: (() => void)[] = [];
  const errors: string[] = [];

  const waitFor = (index: number, type: PeerToRunner["type"], ms: number) =>
    new Promise<PeerToRunner>((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new Error(`peer ${index}: no ${type} within ${ms} ms`));
      }, ms);
      const off = ctx.pool.on(index, (m) => {
        if ("runId" in m && m.runId !== runId) return;
        if (m.type === type) {
          clearTimeout(timer);
          off();
          resolve(m);
        } else if (m.type === "error" && type === "seeding") {
          clearTimeout(timer);
          off();
          reject(new Error(`seed: ${m.message}`));
        }
      });
    });

  const assignment = (role: "seed" | "leecher", index: number): PeerAssignment => ({
    runId,
    mode: spec.mode,
    role,
    torrent: spec.mode === "cs" ? undefined : file.torrent,
    dir: role === "seed" ? file.seedDir : path.join(ctx.workDir, runId, `peer-${index}`),
    strategy: spec.strategy,
    upBytesPerSecond: role === "seed" ? serverBytesPerSecond : upBytes,
    downBytesPerSecond: role === "seed" ? null : downBytes,
    httpUrl: spec.mode === "p2p" ? undefined : `${ctx.proxy.url}/lab/files/${file.name}?peer=${index}`,
    sha256: file.sha256,
    size: spec.fileBytes,
    seedPeerId: spec.mode === "p2p" ? seedPeerId : undefined,
    webSeedPolicy: spec.webSeedPolicy,
    sampleMs,
  });

  let record: RunRecord | null = null;
  try {
    // 1. p2p: the seed verifies its copy and announces before any leecher starts
    if (spec.mode === "p2p") {
      unsubscribe.push(ctx.pool.on(seedIndex, (m) => (m.type === "sample" || m.type === "stopped") && "runId" in m && m.runId === runId && m.sample && seedSamples.push(m.sample)));
      const seeding = waitFor(seedIndex, "seeding", 60_000);
      const announced = waitFor(seedIndex, "announced", 60_000);
      ctx.pool.send(seedIndex, { type: "start", assignment: assignment("seed", seedIndex) });
      await seeding;
      await announced;
    }
    ctx.proxy.reset();

    // 2. all leechers at once; the clock starts now
    const allDone = new Promise<void>((resolve) => {
      let remaining = spec.peers;
      for (let i = 0; i < spec.peers; i++) {
        unsubscribe.push(
          ctx.pool.on(i, (m) => {
            if (!("runId" in m) || m.runId !== runId) return;
            if (m.type === "sample") samples[i]!.push(m.sample);
            else if (m.type === "done") {
              samples[i]!.push(m.sample);
              if (doneAt[i] === null) {
                doneAt[i] = m.t;
                if (--remaining === 0) resolve();
              }
            } else if (m.type === "error") errors.push(`peer ${i}: ${m.message}`);
          }),
        );
      }
    });
    const t0 = now();
    for (let i = 0; i < spec.peers; i++) ctx.pool.send(i, { type: "start", assignment: assignment("leecher", i) });
    const directory = directoryLatency(ctx.serverUrl);
    let timedOut = false;
    await Promise.race([allDone, new Promise<void>((resolve) => setTimeout(() => ((timedOut = true), resolve()), timeoutSeconds * 1000))]);
    const directoryLatencyMs = await directory;
    const proxyStats = ctx.proxy.stats();

    // 3. stop everyone, collect the last counters
    const stopped = Array.from({ length: spec.peers }, (_, i) => waitFor(i, "stopped", 20_000).catch(() => null));
    for (let i = 0; i < spec.peers; i++) ctx.pool.send(i, { type: "stop", runId });
    const finals = await Promise.all(stopped);
    finals.forEach((m, i) => m?.type === "stopped" && m.sample && samples[i]!.push(m.sample));
    if (spec.mode === "p2p") {
      const seedStopped = waitFor(seedIndex, "stopped", 20_000).catch(() => null);
      ctx.pool.send(seedIndex, { type: "stop", runId });
      await seedStopped;
    }

    // 4. the record
    if (timedOut) problems.push(`timed out after ${timeoutSeconds.toFixed(0)} s: ${doneAt.filter((t) => t !== null).length} of ${spec.peers} done`);
    for (const e of errors.slice(0, 5)) problems.push(e);
    const completion = doneAt.map((t) => (t === null ? null : (t - t0) / 1000));
    const distributionSeconds = completion.every((c) => c !== null) ? Math.max(...(completion as number[])) : null;

    const peerRecords: PeerRecord[] = samples.map((list, i) => {
      const last = list[list.length - 1];
      const series = (pick: (s: PeerSample) => number) => [[t0, 0] as [number, number], ...list.map((s) => [s.t, pick(s)] as [number, number])];
      const up = checkCap(series((s) => s.uploaded), upBytes);
      const down = checkCap(series((s) => s.fromServer + s.fromPeers), downBytes);
      if (!up.ok) problems.push(`peer ${i} exceeded its upload cap by ${up.worstExcessBytes.toFixed(0)} B`);
      if (!down.ok) problems.push(`peer ${i} exceeded its download cap by ${down.worstExcessBytes.toFixed(0)} B`);
      const at95 = last?.at95 ?? null;
      const tracker = ctx.pool.peers[i] ? (proxyStats.trackerByPeer[ctx.pool.peers[i]!.peerId] ?? null) : null;
      return {
        index: i,
        completionSeconds: completion[i]!,
        fromServerBytes: last?.fromServer ?? 0,
        fromPeersBytes: last?.fromPeers ?? 0,
        uploadedBytes: last?.uploaded ?? 0,
        maxUploadRate: up.maxRate,
        maxDownloadRate: down.maxRate,
        tailSeconds: doneAt[i] !== null && at95 !== null && spec.mode !== "cs" ? Math.max(0, doneAt[i]! - at95) / 1000 : null,
        firstByteSeconds: last?.firstByteAt ? (last.firstByteAt - t0) / 1000 : null,
        tracker: spec.mode === "cs" ? null : tracker,
      };
    });

    // the server's upload: the proxy (cs, hybrid) or the seed's own counter (p2p)
    const serverSeries: [number, number][] =
      spec.mode === "p2p" ? [[t0, 0], ...seedSamples.filter((s) => s.t >= t0).map((s) => [s.t, s.uploaded] as [number, number])] : proxyStats.servedSamples;
    const seedAtStart = spec.mode === "p2p" ? (seedSamples.filter((s) => s.t < t0).pop()?.uploaded ?? 0) : 0;
    const serverSeriesFromZero = serverSeries.map(([t, b]) => [t, b - (t === t0 ? 0 : seedAtStart)] as [number, number]);
    const server = checkCap(serverSeriesFromZero, serverBytesPerSecond);
    if (!server.ok) problems.push(`server exceeded u_s by ${server.worstExcessBytes.toFixed(0)} B`);
    const serverBytes = spec.mode === "p2p" ? Math.max(0, (seedSamples[seedSamples.length - 1]?.uploaded ?? 0) - seedAtStart) : Object.values(proxyStats.servedByPeer).reduce((a, b) => a + b, 0);
    const peerBytes = peerRecords.reduce((a, p) => a + p.fromPeersBytes, 0);

    // diversity over time from the leechers' bitfields, on a common clock
    const diversity: DiversitySample[] = [];
    let survivingAfterOneCopy: number | null = null;
    if (spec.mode !== "cs" && distributionSeconds !== null) {
      const cursor = new Array(spec.peers).fill(0);
      let serverCursor = 0;
      for (let t = t0; t <= t0 + distributionSeconds * 1000 + sampleMs; t += sampleMs) {
        const latest = samples.map((list, i) => {
          while (cursor[i]! + 1 < list.length && list[cursor[i]! + 1]!.t <= t) cursor[i]!++;
          const s = list[cursor[i]!];
          return s && s.t <= t ? s.have : "";
        });
        const d = diversityOf(latest, pieces);
        diversity.push({ t: (t - t0) / 1000, ...d });
        while (serverCursor + 1 < serverSeriesFromZero.length && serverSeriesFromZero[serverCursor + 1]![0] <= t) serverCursor++;
        if (survivingAfterOneCopy === null && (serverSeriesFromZero[serverCursor]?.[1] ?? 0) >= spec.fileBytes) survivingAfterOneCopy = d.distinct;
      }
    }

    if (distributionSeconds !== null && distributionSeconds < bound) problems.push(`beat its bound: ${distributionSeconds.toFixed(3)} s < ${bound.toFixed(3)} s`);
    const trackerPeers = Object.values(proxyStats.trackerByPeer);
    const tails = peerRecords.map((p) => p.tailSeconds).filter((t): t is number => t !== null);
    record = {
      kind: "real",
      mode: spec.mode,
      strategy: spec.strategy,
      peers: spec.peers,
      repeat: spec.repeat,
      fileBytes: spec.fileBytes,
      pieceBytes: spec.pieceBytes,
      pieces,
      serverUpBits: spec.serverUp,
      peerUpBits: spec.peerUp,
      peerDownBits: spec.peerDown,
      distributionSeconds,
      dcs: clientServerBound(capacities),
      dp2p: peerToPeerBound(capacities),
      bound,
      ratio: distributionSeconds === null ? null : distributionSeconds / bound,
      serverBytes,
      peerBytes,
      trackerMessagesPerPeer: trackerPeers.length ? trackerPeers.reduce((a, p) => a + p.messagesIn + p.messagesOut, 0) / trackerPeers.length : null,
      trackerBytesPerPeer: trackerPeers.length ? trackerPeers.reduce((a, p) => a + p.bytesIn + p.bytesOut, 0) / trackerPeers.length : null,
      directoryLatencyMs,
      diversity,
      survivingAfterOneCopy,
      maxServerRate: server.maxRate,
      maxTailSeconds: tails.length ? Math.max(...tails) : null,
      valid: problems.length === 0,
      problems,
      peerRecords,
    };
    return record;
  } finally {
    for (const off of unsubscribe) off();
    await rm(path.join(ctx.workDir, runId), { recursive: true, force: true });
  }
}
