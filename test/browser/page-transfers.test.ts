// The page in real Chromium moving real bytes through the local tracker: to a Node peer, from a Node peer, and
// between two Chromium profiles — every file checked by SHA-256 — plus search from the page.
import { readFile } from "node:fs/promises";
import parseTorrent from "parse-torrent";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startLocalWorker, type LocalWorker } from "../../scripts/local-worker";
import { PHONE, openPage, requireChromium, unlabelledControls, type BrowserPage } from "./support/chromium";
import { downloadInNode, nodePeer, publishTorrentFile, randomFile, seedInNode, sha256, type NodePeer } from "./support/node-peers";

const MiB = 1024 * 1024;
const TRANSFER_MS = 60_000;

let worker: LocalWorker;
const pages: BrowserPage[] = [];
const peers: NodePeer[] = [];

beforeAll(async () => {
  requireChromium();
  worker = await startLocalWorker({ vars: { ANNOUNCE_INTERVAL_SECONDS: "5" } });
});

afterEach(async () => {
  // No console errors in any page a test opened (checked before closing: teardown noise is not the page's).
  const errors = pages.flatMap((p) => p.errors);
  for (const p of pages.splice(0)) await p.close();
  for (const peer of peers.splice(0)) await peer.destroy();
  expect(errors).toEqual([]);
});

afterAll(async () => {
  await worker?.stop();
});

async function page(name: string, options: { viewport?: { width: number; height: number }; hash?: string } = {}): Promise<BrowserPage> {
  const p = await openPage(`${worker.httpUrl}/${options.hash ? `#${options.hash}` : ""}`, { name, viewport: options.viewport });
  pages.push(p);
  return p;
}

async function peer(role: string): Promise<NodePeer> {
  const p = await nodePeer(role);
  peers.push(p);
  return p;
}

/** Picks a file through the page's file input, as a user would; returns its info hash from the share link. */
async function shareFromPage(p: BrowserPage, name: string, bytes: Buffer, tags?: string): Promise<string> {
  if (tags) await p.page.getByTestId("share-tags").fill(tags);
  await p.page.getByTestId("file-input").setInputFiles({ name, mimeType: "application/octet-stream", buffer: bytes });
  const link = p.page.getByTestId("share-link").first();
  await link.waitFor({ timeout: 30_000 });
  const href = await link.getAttribute("href");
  const match = /#([0-9a-f]{40})$/.exec(href ?? "");
  expect(match, `share link ${href}`).not.toBeNull();
  return match![1]!;
}

/** Waits until the torrent view says the download is complete. */
async function waitDone(p: BrowserPage, timeoutMs = TRANSFER_MS): Promise<void> {
  await p.page.waitForSelector("#torrent-view[data-done=true]", { timeout: timeoutMs });
}

/** Saves the file through the page's Save control and returns the saved bytes. */
async function saveFromPage(p: BrowserPage, index = 0): Promise<Buffer> {
  const save = p.page.getByTestId("save-file").nth(index);
  await expect.poll(() => save.getAttribute("aria-disabled"), { timeout: 10_000 }).toBe("false");
  const [download] = await Promise.all([p.page.waitForEvent("download", { timeout: 30_000 }), save.click()]);
  const file = await download.path();
  expect(await download.failure()).toBeNull();
  return readFile(file);
}

/** The torrent stores in the page's origin private file system (fsa-chunk-store: "<name> - <hash prefix>"). */
async function opfsStores(p: BrowserPage): Promise<string[]> {
  return p.page.evaluate(async () => {
    const names: string[] = [];
    const root = (await navigator.storage.getDirectory()) as unknown as { keys(): AsyncIterable<string> };
    for await (const name of root.keys()) names.push(name);
    return names.filter((name) => / - [0-9a-f]{8}$/.test(name));
  });
}

async function storageUsage(p: BrowserPage): Promise<number> {
  return p.page.evaluate(async () => (await navigator.storage.estimate()).usage ?? 0);
}

describe("the page served by the worker", () => {
  it("is at / while the API, tracker and health check stay on the worker", async () => {
    const home = await fetch(`${worker.httpUrl}/`);
    expect(home.status).toBe(200);
    expect(home.headers.get("content-type")).toMatch(/text\/html/);
    expect(await home.text()).toContain('data-testid="banner"');
    const api = await fetch(`${worker.httpUrl}/api/search?q=`);
    expect(api.headers.get("content-type")).toMatch(/application\/json/);
    expect((await fetch(`${worker.httpUrl}/health`)).status).toBe(200);
    // A tracker endpoint, not a file: a bare HTTP GET is an announce without its fields, refused in bencode.
    const announce = await fetch(`${worker.httpUrl}/announce`);
    expect(announce.headers.get("content-type")).toMatch(/text\/plain/);
    expect(await announce.text()).toMatch(/^d14:failure reason\d+:/);
    expect((await fetch(`${worker.httpUrl}/sw.js`)).headers.get("content-type")).toMatch(/javascript/);
  });
});

describe("the page seeding", () => {
  it("publishes a picked file and a Node peer downloads it by its info hash", async () => {
    const p = await page("seeder");
    const source = randomFile("from-the-page.bin", 3 * MiB + 12_345);
    const infoHash = await shareFromPage(p, source.name, source.bytes, "e2e, page");
    const magnet = await p.page.getByTestId("magnet").inputValue();
    expect(magnet).toContain(`urn:btih:${infoHash}`);
    expect(decodeURIComponent(magnet)).toContain(`/announce/${infoHash}`);
    await p.screenshot("share-view");
    expect(await unlabelledControls(p.page)).toEqual([]);

    const listed = await (await fetch(`${worker.httpUrl}/api/torrents/${infoHash}`)).json();
    expect(listed).toMatchObject({ info_hash: infoHash, name: source.name, size: source.bytes.length, tags: ["e2e", "page"] });
    // The published .torrent names only this deployment's swarm socket (never a public tracker).
    const torrentFile = new Uint8Array(await (await fetch(`${worker.httpUrl}/api/torrents/${infoHash}/torrent`)).arrayBuffer());
    expect((await parseTorrent(torrentFile)).announce).toEqual([`${worker.wsUrl}/announce/${infoHash}`]);

    const leecher = await peer("leecher");
    const { bytes } = await downloadInNode(leecher, infoHash, worker.wsUrl, TRANSFER_MS);
    expect(sha256(bytes)).toBe(source.sha256);
    await p.page.getByTestId("share-status").first().filter({ hasText: /Seeding to/ }).waitFor();
    // The seed was read from the picked file in place: nothing was copied into browser storage.
    expect(await opfsStores(p)).toEqual([]);
    expect(await storageUsage(p)).toBeLessThan(source.bytes.length / 4);
  });
});

describe("the page downloading", () => {
  it("downloads from a Node seed, shows the piece map and saves the same bytes", async () => {
    const seeder = await peer("seeder");
    const source = randomFile("from-node.bin", 6 * MiB + 777);
    const { infoHash, torrentFile } = await seedInNode(seeder, source, worker.wsUrl);
    await publishTorrentFile(worker.httpUrl, torrentFile);

    const p = await page("leecher", { hash: infoHash });
    await expect.poll(() => p.page.getByTestId("torrent-name").textContent()).toBe(source.name);
    await p.screenshot("torrent-before-download");
    await p.page.getByTestId("download-button").click();
    await waitDone(p);
    const canvas = p.page.getByTestId("piece-map");
    const total = Number(await canvas.getAttribute("data-total-pieces"));
    expect(total).toBeGreaterThan(1);
    await expect.poll(async () => Number(await canvas.getAttribute("data-held-pieces"))).toBe(total);
    expect(await p.page.getByTestId("progress").evaluate((e) => (e as HTMLProgressElement).value)).toBe(1);
    await p.screenshot("torrent-done");

    const saved = await saveFromPage(p);
    expect(saved.length).toBe(source.bytes.length);
    expect(sha256(saved)).toBe(source.sha256);

    // The download lived in OPFS; "Stop and delete" removes it.
    expect(await opfsStores(p)).toEqual([`${source.name} - ${infoHash.slice(0, 8)}`]);
    await p.page.getByTestId("remove-button").click();
    await expect.poll(() => opfsStores(p)).toEqual([]);
    await expect.poll(() => p.page.getByTestId("transfer").count()).toBe(0);
    await p.page.getByTestId("download-button").waitFor();
  });
});

describe("two browsers", () => {
  it("exchange a file through a share link", async () => {
    const a = await page("alice");
    const source = randomFile("alice-to-bob.bin", 2 * MiB + 5);
    const infoHash = await shareFromPage(a, source.name, source.bytes);
    const link = await a.page.getByTestId("share-link").first().getAttribute("href");
    expect(link).toBe(`${worker.httpUrl}/#${infoHash}`);

    const b = await openPage(link!, { name: "bob", viewport: PHONE });
    pages.push(b);
    await b.page.getByTestId("download-button").click();
    await waitDone(b);
    await b.screenshot("phone-torrent-done");
    const saved = await saveFromPage(b);
    expect(sha256(saved)).toBe(source.sha256);
    // Phone width: nothing wider than the screen.
    expect(await b.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);

    // A reload keeps the download: the page starts it again from its store (and seeds it).
    expect(await opfsStores(b)).toHaveLength(1);
    await b.page.reload();
    await b.page.waitForSelector("body[data-ready=true]");
    expect(await opfsStores(b)).toHaveLength(1);
    await b.page.locator(`[data-testid=transfer][data-info-hash="${infoHash}"]`).waitFor();
  });
});

describe("search from the page", () => {
  it("finds a published torrent, sorts the results and opens one", async () => {
    const seeder = await peer("seeder");
    const names = ["aurora-timelapse.bin", "aurora-notes.bin", "unrelated-file.bin"];
    const published: string[] = [];
    for (const [i, name] of names.entries()) {
      const { torrentFile, infoHash } = await seedInNode(seeder, randomFile(name, (i + 1) * 64 * 1024), worker.wsUrl);
      await publishTorrentFile(worker.httpUrl, torrentFile, [name.startsWith("aurora") ? "sky" : "misc"]);
      published.push(infoHash);
    }
    const p = await page("search");
    await p.page.getByTestId("search-input").fill("aurora");
    const rows = p.page.getByTestId("search-result");
    await expect.poll(() => rows.count()).toBe(2);
    await p.page.getByTestId("sort-size").click();
    await expect.poll(() => rows.first().getAttribute("data-info-hash")).toBe(published[1]); // larger first
    await p.page.getByTestId("sort-size").click();
    await expect.poll(() => rows.first().getAttribute("data-info-hash")).toBe(published[0]);
    await p.screenshot("search-results");
    expect(await unlabelledControls(p.page)).toEqual([]);
    // Keyboard: the hidden file input is reachable and its label shows the focus.
    await p.page.getByTestId("file-input").focus();
    await p.page.keyboard.press("Shift+Tab");
    await p.page.keyboard.press("Tab");
    expect(await p.page.evaluate(() => document.activeElement?.id)).toBe("file-input");
    expect(await p.page.locator('label[for="file-input"]').evaluate((label) => getComputedStyle(label).outlineStyle)).toBe("solid");

    await rows.first().getByRole("link").click();
    await expect.poll(() => p.page.getByTestId("torrent-name").textContent()).toBe(names[0]);
    expect(p.page.url()).toBe(`${worker.httpUrl}/#${published[0]}`);

    const phone = await page("search-phone", { viewport: PHONE });
    await phone.page.getByTestId("search-input").fill("aurora");
    await expect.poll(() => phone.page.getByTestId("search-result").count()).toBe(2);
    await phone.screenshot("phone-search-results");
    expect(await phone.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(PHONE.width);
  });
});
