// Not part of `npm test` (minutes, gigabytes): the page downloads one large file from a Node seed into OPFS
// and saves it through the service worker, while the browser's memory is sampled — evidence that a download
// is not held in RAM. Run: EDGESWARM_LARGE_MIB=1024 npx vitest run --config vitest.browser.config.ts
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdtemp, open, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import parseTorrent from "parse-torrent";
import type { Torrent } from "webtorrent";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startLocalWorker, type LocalWorker } from "../../scripts/local-worker";
import { openPage, requireChromium, type BrowserPage } from "./support/chromium";
import { nodePeer, publishTorrentFile, torrentOf, type NodePeer } from "./support/node-peers";

const MiB = 1024 * 1024;
const SIZE_MIB = Number(process.env.EDGESWARM_LARGE_MIB ?? 1024);

let worker: LocalWorker;
let seeder: NodePeer;
let browser: BrowserPage | undefined;
let scratch: string;

beforeAll(async () => {
  requireChromium();
  worker = await startLocalWorker({ vars: { ANNOUNCE_INTERVAL_SECONDS: "10" } });
  scratch = await mkdtemp(path.join(tmpdir(), "edgeswarm-large-"));
});

afterAll(async () => {
  await browser?.close();
  await seeder?.destroy();
  await worker?.stop();
  await rm(scratch, { recursive: true, force: true });
});

async function writeRandomFile(file: string, bytes: number): Promise<string> {
  const handle = await open(file, "w");
  const hash = createHash("sha256");
  const block = randomBytes(4 * MiB);
  for (let written = 0; written < bytes; written += block.length) {
    // A fresh prefix per block keeps every piece distinct without generating gigabytes of randomness.
    block.writeUInt32LE(written / block.length, 0);
    randomBytes(4096).copy(block, 4);
    const part = block.subarray(0, Math.min(block.length, bytes - written));
    hash.update(part);
    await handle.write(part);
  }
  await handle.close();
  return hash.digest("hex");
}

async function sha256File(file: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(file, { highWaterMark: 4 * MiB })) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

/** Resident memory (MiB) of the Chromium processes of one profile: the largest process and all together. */
async function chromiumRss(profileDir: string): Promise<{ renderer: number; total: number }> {
  const { stdout } = await promisify(execFile)("ps", ["-eo", "rss=,args="], { maxBuffer: 16 * MiB });
  let renderer = 0;
  let total = 0;
  for (const line of stdout.split("\n")) {
    if (!line.includes(profileDir)) continue;
    const rss = Number(line.trim().split(/\s+/, 1)[0]) / 1024;
    total += rss;
    if (line.includes("--type=renderer")) renderer = Math.max(renderer, rss);
  }
  return { renderer: Math.round(total > 0 ? renderer : 0), total: Math.round(total) };
}

it(`downloads ${SIZE_MIB} MiB into OPFS and saves it without holding it in memory`, { timeout: 60 * 60_000 }, async () => {
  const size = SIZE_MIB * MiB;
  const dataDir = path.join(scratch, "seed");
  const { mkdir } = await import("node:fs/promises");
  await mkdir(dataDir);
  const file = path.join(dataDir, `large-${SIZE_MIB}MiB.bin`);
  const sourceHash = await writeRandomFile(file, size);

  // Hash the pieces once; the seed then starts from that metadata without verifying the file again.
  seeder = await nodePeer("large-seeder");
  const { infoHash, torrentFile } = await torrentOf(file, worker.wsUrl);
  const parsed = await parseTorrent(torrentFile);
  const torrent = await new Promise<Torrent>((resolve, reject) => {
    const t = seeder.client.add({ ...parsed, announce: [seeder.announceUrl(worker.wsUrl, infoHash)] }, { path: dataDir, skipVerify: true } as never, resolve);
    t.once("error", reject);
  });
  expect(torrent.infoHash).toBe(infoHash);
  await publishTorrentFile(worker.httpUrl, torrentFile);

  browser = await openPage(`${worker.httpUrl}/#${infoHash}`, { name: "large" });
  const p = browser;
  const started = Date.now();
  await p.page.getByTestId("download-button").click();
  let peak = { renderer: 0, total: 0, heap: 0 };
  let lastLog = 0;
  for (;;) {
    const done = await p.page.evaluate(() => document.getElementById("torrent-view")?.dataset.done === "true");
    const rss = await chromiumRss(p.profileDir);
    const heap = await p.page.evaluate(() => (performance as unknown as { memory?: { usedJSHeapSize: number } }).memory?.usedJSHeapSize ?? 0);
    peak = { renderer: Math.max(peak.renderer, rss.renderer), total: Math.max(peak.total, rss.total), heap: Math.max(peak.heap, Math.round(heap / MiB)) };
    if (Date.now() - lastLog > 15_000) {
      lastLog = Date.now();
      const progress = await p.page.getByTestId("progress-text").textContent();
      console.log(`${Math.round((Date.now() - started) / 1000)} s: ${progress}; renderer ${rss.renderer} MiB, browser ${rss.total} MiB, JS heap ${Math.round(heap / MiB)} MiB`);
    }
    if (done) break;
    if (Date.now() - started > 50 * 60_000) throw new Error("download not done in 50 minutes");
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  const seconds = (Date.now() - started) / 1000;
  const storage = await p.page.evaluate(async () => (await navigator.storage.estimate()).usage ?? 0);
  await p.screenshot(`large-${SIZE_MIB}MiB-done`);

  const saveStarted = Date.now();
  const [download] = await Promise.all([p.page.waitForEvent("download", { timeout: 60_000 }), p.page.getByTestId("save-file").click()]);
  const saved = await download.path();
  const saveSeconds = (Date.now() - saveStarted) / 1000;
  const after = await chromiumRss(p.profileDir);
  expect((await stat(saved)).size).toBe(size);
  expect(await sha256File(saved)).toBe(sourceHash);

  console.log(
    JSON.stringify({
      sizeMiB: SIZE_MIB,
      downloadSeconds: Math.round(seconds),
      downloadMiBps: Math.round((SIZE_MIB / seconds) * 10) / 10,
      saveSeconds: Math.round(saveSeconds),
      peakRendererRssMiB: peak.renderer,
      peakBrowserRssMiB: peak.total,
      peakJsHeapMiB: peak.heap,
      rssAfterSaveMiB: after,
      opfsUsageMiB: Math.round(storage / MiB),
    }),
  );
  // Far below the file: the pieces went to OPFS, not into the tab's memory.
  expect(peak.renderer).toBeLessThan(Math.max(600, SIZE_MIB / 2));
  expect(p.errors).toEqual([]);
});
