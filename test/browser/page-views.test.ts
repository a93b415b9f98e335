// The page's views in real Chromium against the real local worker: the piece map during a download with
// several peers, previews of images and audio streamed through the service worker, sharing a folder and a
// dropped file — each transfer checked by SHA-256 on the other side.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { nextEvent } from "../e2e/wait";
import { startLocalWorker, type LocalWorker } from "../../scripts/local-worker";
import { openPage, requireChromium, unlabelledControls, type BrowserPage } from "./support/chromium";
import {
  downloadedFiles,
  filesUnder,
  nodePeer,
  publishTorrentFile,
  randomFile,
  seedInNode,
  seedPathInNode,
  sha256,
  startDownloadInNode,
  type NodePeer,
} from "./support/node-peers";

const MiB = 1024 * 1024;
const TRANSFER_MS = 60_000;

let worker: LocalWorker;
const pages: BrowserPage[] = [];
const peers: NodePeer[] = [];
const dirs: string[] = [];

beforeAll(async () => {
  requireChromium();
  worker = await startLocalWorker({ vars: { ANNOUNCE_INTERVAL_SECONDS: "5" } });
});

afterEach(async () => {
  const errors = pages.flatMap((p) => p.errors);
  for (const p of pages.splice(0)) await p.close();
  for (const peer of peers.splice(0)) await peer.destroy();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  expect(errors).toEqual([]);
});

afterAll(async () => {
  await worker?.stop();
});

async function page(name: string, hash?: string): Promise<BrowserPage> {
  const p = await openPage(`${worker.httpUrl}/${hash ? `#${hash}` : ""}`, { name });
  pages.push(p);
  return p;
}

async function peer(role: string): Promise<NodePeer> {
  const p = await nodePeer(role);
  peers.push(p);
  return p;
}

async function tempDir(label: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `edgeswarm-${label}-`));
  dirs.push(dir);
  return dir;
}

async function pieceCounts(p: BrowserPage): Promise<Record<string, number>> {
  const data = await p.page.getByTestId("piece-map").evaluate((e) => ({ ...(e as HTMLElement).dataset }));
  return Object.fromEntries(Object.entries(data).map(([k, v]) => [k, Number(v)]));
}

/** A one-second 440 Hz tone as 8 kHz 16-bit mono PCM WAV. */
function wavTone(): Buffer {
  const rate = 8000;
  const samples = rate;
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) data.writeInt16LE(Math.round(Math.sin((2 * Math.PI * 440 * i) / rate) * 12000), i * 2);
  const header = Buffer.alloc(44);
  header.write("RIFF", 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write("WAVEfmt ", 8);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(rate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write("data", 36);
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

const SVG = Buffer.from(
  `<svg xmlns="http://www.w3.org/2000/svg" width="320" height="180" viewBox="0 0 320 180">` +
    `<rect width="320" height="180" fill="#0f766e"/><circle cx="160" cy="90" r="50" fill="#fcd34d"/>` +
    `<text x="160" y="165" font-family="sans-serif" font-size="18" fill="#fff" text-anchor="middle">edgeswarm preview</text></svg>`,
);

describe("the piece map", () => {
  it("shows held pieces and how many peers hold each missing one while downloading from two peers", async () => {
    const seeder = await peer("seeder");
    const other = await peer("other-leecher");
    const source = randomFile("swarm-map.bin", 12 * MiB);
    // 64 KiB pieces: 192 cells; the seed is slowed so the map can be seen mid-download.
    const { infoHash, torrentFile } = await seedInNode(seeder, source, worker.wsUrl, { pieceLength: 64 * 1024 });
    await publishTorrentFile(worker.httpUrl, torrentFile);
    (seeder.client as unknown as { throttleUpload(rate: number): void }).throttleUpload(1 * MiB);

    const p = await page("map", infoHash);
    // Another leecher starts first, so some pieces are on two peers when the page joins.
    const early = startDownloadInNode(other, infoHash, worker.wsUrl);
    await nextEvent(early, "download", 20_000, "the other leecher's first bytes");
    await p.page.getByTestId("download-button").click();

    // Sample the map through the download: the rarity classes it shows, and one screenshot mid-way.
    let screenshot = false;
    let most = { rare: 0, uncommon: 0, peers: 0 };
    const deadline = Date.now() + TRANSFER_MS;
    for (;;) {
      const counts = await pieceCounts(p).catch(() => ({}) as Record<string, number>);
      if (counts.totalPieces) {
        expect(counts.totalPieces).toBe(192);
        most = { rare: Math.max(most.rare, counts.rarePieces!), uncommon: Math.max(most.uncommon, counts.uncommonPieces!), peers: Math.max(most.peers, counts.peers!) };
        if (counts.heldPieces === 192) break;
        if (!screenshot && counts.peers === 2 && counts.heldPieces! > 192 * 0.15 && counts.heldPieces! < 192 * 0.6) {
          await p.screenshot("torrent-downloading");
          expect(await p.page.getByTestId("piece-map").getAttribute("aria-label")).toMatch(/\d+ of 192 pieces held/);
          for (const id of ["download-speed", "upload-speed", "peers", "eta"]) expect(await p.page.getByTestId(id).textContent()).not.toBe("");
          expect(await unlabelledControls(p.page)).toEqual([]);
          screenshot = true;
        }
      }
      if (Date.now() > deadline) throw new Error(`download not done after ${TRANSFER_MS} ms: ${JSON.stringify(counts)}`);
      await p.page.waitForTimeout(100);
    }
    // Pieces only the seed had (rarest), and pieces the other leecher also had, both showed up.
    expect(most).toMatchObject({ peers: 2 });
    expect(most.rare).toBeGreaterThan(0);
    expect(most.uncommon).toBeGreaterThan(0);
    expect(screenshot, "a mid-download screenshot").toBe(true);
    await p.page.waitForSelector("#torrent-view[data-done=true]", { timeout: 10_000 });
    expect((await pieceCounts(p)).heldPieces).toBe(192);
  });
});

describe("previews and saving from a multi-file torrent", () => {
  it("previews an image and audio streamed from the chunk store and saves a file unchanged", async () => {
    const root = await tempDir("album");
    const folder = path.join(root, "field-recording");
    await mkdir(folder);
    const tone = wavTone();
    await writeFile(path.join(folder, "cover.svg"), SVG);
    await writeFile(path.join(folder, "tone.wav"), tone);
    await writeFile(path.join(folder, "notes.txt"), "recorded on the edge\n");
    const seeder = await peer("album-seeder");
    const { infoHash, torrentFile } = await seedPathInNode(seeder, folder, worker.wsUrl);
    await publishTorrentFile(worker.httpUrl, torrentFile, ["audio"]);

    const p = await page("album", infoHash);
    await p.page.getByTestId("download-button").click();
    await p.page.waitForSelector("#torrent-view[data-done=true]", { timeout: TRANSFER_MS });
    const files = p.page.getByTestId("file");
    await expect.poll(() => files.count()).toBe(3);

    await files.filter({ hasText: "cover.svg" }).getByTestId("preview-file").click();
    const image = p.page.getByTestId("preview-media");
    await expect.poll(() => image.evaluate((img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth), { timeout: 10_000 }).toBe(320);
    await p.screenshot("preview-image");
    expect(await unlabelledControls(p.page)).toEqual([]);

    await files.filter({ hasText: "tone.wav" }).getByTestId("preview-file").click();
    const audio = p.page.getByTestId("preview-media");
    await expect.poll(() => audio.evaluate((a) => (a as HTMLAudioElement).duration), { timeout: 10_000 }).toBeCloseTo(1, 1);

    const save = files.filter({ hasText: "tone.wav" }).getByTestId("save-file");
    const [download] = await Promise.all([p.page.waitForEvent("download"), save.click()]);
    expect(download.suggestedFilename()).toBe("tone.wav");
    const { readFile } = await import("node:fs/promises");
    expect(sha256(await readFile(await download.path()))).toBe(sha256(tone));
  });
});

describe("sharing from the page", () => {
  it("shares a picked folder with its structure, and a Node peer gets every file", async () => {
    const root = await tempDir("folder-share");
    const folder = path.join(root, "holiday");
    await mkdir(path.join(folder, "day-1"), { recursive: true });
    await writeFile(path.join(folder, "day-1", "beach.bin"), randomFile("beach.bin", 300_000).bytes);
    await writeFile(path.join(folder, "day-1", "dunes.bin"), randomFile("dunes.bin", 123_457).bytes);
    await writeFile(path.join(folder, "itinerary.txt"), "1. beach\n2. dunes\n");
    await writeFile(path.join(folder, ".DS_Store"), "junk"); // left out, as create-torrent would

    const p = await page("folder");
    await p.page.getByTestId("folder-input").setInputFiles(folder);
    const link = p.page.getByTestId("share-link").first();
    await link.waitFor({ timeout: 30_000 });
    const infoHash = /#([0-9a-f]{40})$/.exec((await link.getAttribute("href")) ?? "")![1]!;
    const listed = (await (await fetch(`${worker.httpUrl}/api/torrents/${infoHash}`)).json()) as { name: string; file_count: number };
    expect(listed).toMatchObject({ name: "holiday", file_count: 3 });

    const leecher = await peer("folder-leecher");
    const torrent = startDownloadInNode(leecher, infoHash, worker.wsUrl);
    await nextEvent(torrent, "done", TRANSFER_MS, "the folder download");
    const got = await downloadedFiles(leecher, torrent);
    const expected = await filesUnder(folder);
    expected.delete("holiday/.DS_Store");
    expect([...got.keys()].sort()).toEqual([...expected.keys()].sort());
    for (const [name, bytes] of expected) expect(sha256(got.get(name)!), name).toBe(sha256(bytes));
  });

  it("shares a file dropped on the drop zone", async () => {
    const p = await page("drop");
    const source = randomFile("dropped.bin", 200_001);
    await p.page.evaluate(
      ({ name, base64 }) => {
        const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
        const transfer = new DataTransfer();
        transfer.items.add(new File([bytes], name));
        const zone = document.querySelector("[data-testid=drop-zone]")!;
        zone.dispatchEvent(new DragEvent("dragover", { dataTransfer: transfer, bubbles: true, cancelable: true }));
        zone.dispatchEvent(new DragEvent("drop", { dataTransfer: transfer, bubbles: true, cancelable: true }));
      },
      { name: source.name, base64: source.bytes.toString("base64") },
    );
    const link = p.page.getByTestId("share-link").first();
    await link.waitFor({ timeout: 30_000 });
    const infoHash = /#([0-9a-f]{40})$/.exec((await link.getAttribute("href")) ?? "")![1]!;
    const leecher = await peer("drop-leecher");
    const torrent = startDownloadInNode(leecher, infoHash, worker.wsUrl);
    await nextEvent(torrent, "done", TRANSFER_MS, "the dropped file's download");
    const got = await downloadedFiles(leecher, torrent);
    expect(sha256(got.get(source.name)!)).toBe(source.sha256);
  });
});
