// The page opening torrents from anywhere and keeping downloads, in real Chromium against the real local worker
// with stock WebTorrent Node seeders that are not listed in the directory: a magnet by the URL fragment and by
// paste (its WebSocket trackers listed and removable, http/udp ones shown as ignored), a dropped .torrent with
// one of three files chosen, pause, speed limits, the tab title, reload and browser restart resuming from the
// pieces in OPFS — every finished file checked by SHA-256.
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startLocalWorker, type LocalWorker } from "../../scripts/local-worker";
import { PHONE, openPage, requireChromium, unlabelledControls, type BrowserPage } from "./support/chromium";
import { nodePeer, randomFile, seedInNode, seedPathInNode, sha256, type NodePeer } from "./support/node-peers";
import { startOtherTracker, type OtherTracker } from "./support/other-tracker";

const KiB = 1024;
const MiB = 1024 * KiB;
const TRANSFER_MS = 60_000;

let worker: LocalWorker;
let other: OtherTracker;
const pages: BrowserPage[] = [];
const peers: NodePeer[] = [];
const folders: string[] = [];

beforeAll(async () => {
  requireChromium();
  worker = await startLocalWorker({ vars: { ANNOUNCE_INTERVAL_SECONDS: "5" } });
  other = await startOtherTracker();
});

afterEach(async () => {
  // These torrents are not listed: the page's directory lookup answers 404, which Chromium logs as a console
  // error without its URL. Anything else is the page's failure.
  const errors = pages.flatMap((p) => p.errors).filter((e) => !/^console: Failed to load resource: the server responded with a status of 404/.test(e));
  for (const p of pages.splice(0)) await p.close();
  for (const peer of peers.splice(0)) await peer.destroy();
  for (const dir of folders.splice(0)) await rm(dir, { recursive: true, force: true });
  expect(errors).toEqual([]);
});

afterAll(async () => {
  await worker?.stop();
  await other?.close();
});

async function page(name: string, hash = "", options: { viewport?: { width: number; height: number }; profileDir?: string } = {}): Promise<BrowserPage> {
  const p = await openPage(`${worker.httpUrl}/${hash}`, { name, ...options });
  pages.push(p);
  return p;
}

async function peer(role: string, options: { uploadLimit?: number } = {}): Promise<NodePeer> {
  const p = await nodePeer(role, options);
  peers.push(p);
  return p;
}

/** A magnet as other sites hand them out: our swarm socket, another WebSocket tracker, and two a browser cannot use. */
function foreignMagnet(infoHash: string, name: string): string {
  const trackers = [
    `${worker.wsUrl}/announce/${infoHash}`,
    other.url,
    "udp://tracker.invalid:1337/announce",
    "http://tracker.invalid/announce",
  ];
  return `magnet:?xt=urn:btih:${infoHash}&dn=${encodeURIComponent(name)}&${trackers.map((t) => `tr=${encodeURIComponent(t)}`).join("&")}`;
}

async function waitDone(p: BrowserPage, timeoutMs = TRANSFER_MS): Promise<void> {
  await p.page.waitForSelector("#torrent-view[data-done=true]", { timeout: timeoutMs });
}

async function saveFromPage(p: BrowserPage, index = 0): Promise<Buffer> {
  const save = p.page.getByTestId("save-file").nth(index);
  await expect.poll(() => save.getAttribute("aria-disabled"), { timeout: 10_000 }).toBe("false");
  const [download] = await Promise.all([p.page.waitForEvent("download", { timeout: 30_000 }), save.click()]);
  expect(await download.failure()).toBeNull();
  return readFile((await download.path())!);
}

/** The page's kept record for a download says paused (read from its IndexedDB, as the page reads it at start). */
async function storedPaused(p: BrowserPage, infoHash: string): Promise<boolean> {
  return p.page.evaluate(
    (hash) =>
      new Promise<boolean>((resolve, reject) => {
        const opening = indexedDB.open("edgeswarm");
        opening.onerror = () => reject(opening.error);
        opening.onsuccess = () => {
          const db = opening.result;
          const read = db.transaction("library").objectStore("library").get(hash);
          read.onsuccess = () => {
            db.close();
            resolve(Boolean((read.result as { paused?: boolean } | undefined)?.paused));
          };
          read.onerror = () => reject(read.error);
        };
      }),
    infoHash,
  );
}

const numberAttr = async (p: BrowserPage, selector: string, name: string) => Number((await p.page.locator(selector).getAttribute(name)) ?? "NaN");
const heldPieces = (p: BrowserPage) => numberAttr(p, "[data-testid=piece-map]", "data-held-pieces");
const received = (p: BrowserPage) => numberAttr(p, "#torrent-view", "data-received");

/** Bytes this tab received per second over `ms`, measured from the page's own counter. */
async function rateOver(p: BrowserPage, ms: number): Promise<number> {
  return p.page.evaluate(async (window) => {
    const view = document.getElementById("torrent-view")!;
    const read = () => Number(view.dataset.received ?? "0");
    const t0 = performance.now();
    const b0 = read();
    await new Promise((resolve) => setTimeout(resolve, window));
    return ((read() - b0) * 1000) / (performance.now() - t0);
  }, ms);
}

describe("opening a magnet from elsewhere", () => {
  it("by the URL fragment: lists its trackers (WebSocket ones removable, others ignored), downloads, shows progress in the title", async () => {
    const seeder = await peer("seeder");
    const source = randomFile("foreign-fragment.bin", 3 * MiB + 333);
    const { infoHash } = await seedInNode(seeder, source, worker.wsUrl);
    const magnet = foreignMagnet(infoHash, source.name);

    const p = await page("magnet-fragment", `#${magnet}`);
    await expect.poll(() => p.page.getByTestId("torrent-name").textContent()).toBe(source.name);
    expect(await p.page.getByTestId("torrent-meta").textContent()).toContain("not listed in the directory");
    await expect.poll(() => p.page.getByTestId("tracker").allTextContents()).toEqual([expect.stringContaining(other.url)]);
    expect(await p.page.getByTestId("ignored-tracker").allTextContents()).toEqual([
      expect.stringContaining("udp://tracker.invalid:1337/announce"),
      expect.stringContaining("http://tracker.invalid/announce"),
    ]);
    expect(await p.page.getByTestId("share-qr").locator("svg").count()).toBe(1);
    await p.screenshot("open-magnet-trackers");
    expect(await unlabelledControls(p.page)).toEqual([]);

    // Downloading announces on the other tracker too; removing it there sends `stopped`.
    await p.page.getByTestId("download-button").click();
    await expect.poll(() => other.peersOf(infoHash), { timeout: 20_000 }).toBe(1);
    await p.page.getByTestId("remove-tracker").click();
    await expect.poll(() => p.page.getByTestId("tracker").count()).toBe(0);
    await expect.poll(() => other.peersOf(infoHash), { timeout: 20_000 }).toBe(0);
    // The title follows the download: "<n>% name — edgeswarm", then 100% when done.
    await expect.poll(() => p.page.title(), { timeout: TRANSFER_MS }).toMatch(new RegExp(`^\\d{1,3}% ${source.name} — edgeswarm$`));
    await waitDone(p);
    await expect.poll(() => p.page.title()).toBe(`100% ${source.name} — edgeswarm`);
    expect(sha256(await saveFromPage(p))).toBe(source.sha256);
  });

  it("by paste: a magnet in the open box, and a clear message for what is not one", async () => {
    const seeder = await peer("seeder");
    const source = randomFile("foreign-pasted.bin", 700 * KiB + 9);
    const { infoHash } = await seedInNode(seeder, source, worker.wsUrl);
    const p = await page("magnet-paste");
    await p.page.getByTestId("open-input").fill("just some words");
    await p.page.getByTestId("open-button").click();
    await expect.poll(() => p.page.getByTestId("open-status").textContent()).toMatch(/not a magnet link/);

    await p.page.getByTestId("open-input").fill(foreignMagnet(infoHash, source.name));
    await p.page.getByTestId("open-button").click();
    await expect.poll(() => p.page.url()).toContain(`#magnet:?xt=urn:btih:${infoHash}`);
    await p.page.getByTestId("download-button").click();
    await waitDone(p);
    expect(sha256(await saveFromPage(p))).toBe(source.sha256);
  });
});

describe("a dropped .torrent", () => {
  it("shows its files with sizes; choosing 1 of 3 fetches only that file's pieces", async () => {
    const root = await mkdtemp(path.join(tmpdir(), "edgeswarm-three-"));
    folders.push(root);
    const folder = path.join(root, "three-files");
    await mkdir(folder);
    const files = [randomFile("a-first.bin", 900 * KiB + 1), randomFile("b-second.bin", 1200 * KiB + 2), randomFile("c-third.bin", 800 * KiB + 3)];
    for (const f of files) await writeFile(path.join(folder, f.name), f.bytes);
    const seeder = await peer("seeder");
    const { infoHash, torrentFile } = await seedPathInNode(seeder, folder, worker.wsUrl);

    const p = await page("torrent-drop");
    const transfer = await p.page.evaluateHandle((bytes) => {
      const data = new DataTransfer();
      data.items.add(new File([new Uint8Array(bytes)], "three-files.torrent", { type: "application/x-bittorrent" }));
      return data;
    }, [...torrentFile]);
    await p.page.dispatchEvent("[data-testid=torrent-drop]", "drop", { dataTransfer: transfer });
    await expect.poll(() => p.page.url()).toBe(`${worker.httpUrl}/#${infoHash}`);
    await expect.poll(() => p.page.getByTestId("file").count()).toBe(3);
    expect(await p.page.getByTestId("selection-summary").textContent()).toMatch(/^3 of 3 files chosen · 2\.\d+ MiB$/);
    // Choose the middle file only, before downloading.
    await p.page.getByTestId("file-select").nth(0).uncheck();
    await p.page.getByTestId("file-select").nth(2).uncheck();
    expect(await p.page.getByTestId("selection-summary").textContent()).toBe("1 of 3 files chosen · 1.17 MiB");
    await p.screenshot("torrent-choose-files");
    await p.page.getByTestId("download-button").click();
    await waitDone(p);

    // Only the middle file's pieces (and the two it shares with its neighbours) came.
    const canvas = p.page.getByTestId("piece-map");
    const total = Number(await canvas.getAttribute("data-total-pieces"));
    const pieceLength = Math.ceil((files[0]!.bytes.length + files[1]!.bytes.length + files[2]!.bytes.length) / total);
    const middlePieces = Math.ceil(files[1]!.bytes.length / pieceLength) + 1;
    expect(await heldPieces(p)).toBeLessThanOrEqual(middlePieces);
    expect(await received(p)).toBeLessThanOrEqual(middlePieces * pieceLength);
    const states = await p.page.locator(".file-state").allTextContents();
    expect(states[1]).toBe("complete");
    expect(states[0]).not.toBe("complete");
    expect(states[2]).not.toBe("complete");
    await p.screenshot("torrent-one-of-three-done");
    expect(sha256(await saveFromPage(p, 1))).toBe(files[1]!.sha256);

    // Choosing another file during the download fetches it too.
    await p.page.getByTestId("file-select").nth(2).check();
    await expect.poll(async () => (await p.page.locator(".file-state").allTextContents())[2], { timeout: TRANSFER_MS }).toBe("complete");
    expect(sha256(await saveFromPage(p, 2))).toBe(files[2]!.sha256);
  });
});

describe("keeping a download", () => {
  it("holds a speed limit, pauses with no traffic, and resumes after a reload from the stored pieces", async () => {
    const seeder = await peer("seeder");
    const source = randomFile("kept-across-reload.bin", 5 * MiB + 77);
    const { infoHash, torrentFile } = await seedInNode(seeder, source, worker.wsUrl);
    const p = await page("reload");
    // Open by the .torrent through the picker (the directory does not list it).
    await p.page.getByTestId("torrent-input").setInputFiles({ name: "kept.torrent", mimeType: "application/x-bittorrent", buffer: Buffer.from(torrentFile) });
    await expect.poll(() => p.page.url()).toBe(`${worker.httpUrl}/#${infoHash}`);

    const limit = 256 * KiB;
    await p.page.getByTestId("download-limit").fill(String(limit / KiB));
    await p.page.getByTestId("apply-limits").click();
    await p.page.getByTestId("download-button").click();
    await expect.poll(() => received(p), { timeout: TRANSFER_MS }).toBeGreaterThan(256 * KiB);
    const rate = await rateOver(p, 4_000);
    expect(Math.abs(rate - limit) / limit, `measured ${Math.round(rate)} B/s against ${limit}`).toBeLessThanOrEqual(0.1);

    await p.page.getByTestId("pause-button").click();
    await expect.poll(() => p.page.locator("#torrent-view").getAttribute("data-paused")).toBe("true");
    expect(await p.page.getByTestId("peers").textContent()).toBe("0");
    // The speeds read 0 at once (the meters behind them would still be decaying).
    expect(await p.page.getByTestId("download-speed").textContent()).toBe("0 B/s");
    expect(await p.page.getByTestId("upload-speed").textContent()).toBe("0 B/s");
    expect(await rateOver(p, 3_000)).toBe(0);
    await p.screenshot("torrent-paused");

    await p.page.getByTestId("resume-button").click();
    await expect.poll(async () => (await heldPieces(p)) > 0 && (await received(p)) > 1.5 * MiB, { timeout: TRANSFER_MS }).toBe(true);
    // Reload mid-download: the page resumes it by itself, checking what OPFS holds.
    await p.page.reload();
    await p.page.waitForSelector("body[data-ready=true]");
    await expect.poll(() => numberAttr(p, "#torrent-view", "data-resumed-pieces"), { timeout: TRANSFER_MS }).toBeGreaterThan(0);
    await p.page.getByTestId("resumed").waitFor();
    await p.page.getByTestId("download-limit").fill("");
    await p.page.getByTestId("apply-limits").click();
    await waitDone(p);
    // Only what was missing came after the reload.
    expect(await received(p)).toBeLessThan(source.bytes.length);
    expect(sha256(await saveFromPage(p))).toBe(source.sha256);
  });

  it("resumes after the browser restarts with the same profile, and a paused one waits in the Library", async () => {
    const seeder = await peer("seeder", { uploadLimit: 512 * KiB });
    const source = randomFile("kept-across-restart.bin", 4 * MiB + 5);
    const { infoHash, torrentFile } = await seedInNode(seeder, source, worker.wsUrl);
    const first = await page("restart");
    await first.page.getByTestId("torrent-input").setInputFiles({ name: "restart.torrent", mimeType: "application/x-bittorrent", buffer: Buffer.from(torrentFile) });
    await first.page.getByTestId("download-button").click();
    await expect.poll(() => heldPieces(first), { timeout: TRANSFER_MS }).toBeGreaterThan(4);
    const profileDir = first.profileDir;
    pages.splice(pages.indexOf(first), 1);
    expect(first.errors.filter((e) => !/status of 404/.test(e))).toEqual([]);
    await first.quitKeepingProfile();

    const again = await page("restart-again", `#${infoHash}`, { profileDir, viewport: PHONE });
    await expect.poll(() => numberAttr(again, "#torrent-view", "data-resumed-pieces"), { timeout: TRANSFER_MS }).toBeGreaterThan(4);
    await again.screenshot("phone-resumed-after-restart");
    expect(await again.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
    await again.page.getByTestId("pause-button").click();
    // Reload once the pause is stored, as a user would after seeing it (a reload mid-write is a race, not a test).
    await expect.poll(() => storedPaused(again, infoHash)).toBe(true);
    await again.page.reload();
    await again.page.waitForSelector("body[data-ready=true]");
    // Paused stays paused: listed, not running.
    await again.page.getByTestId("library-item").waitFor();
    expect(await again.page.getByTestId("transfer").count()).toBe(0);
    await again.page.getByTestId("library-resume").click();
    await waitDone(again);
    expect(sha256(await saveFromPage(again))).toBe(source.sha256);
  });
});
