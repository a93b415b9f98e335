// The edge as a web seed from the page: a tab shares a file with "keep a copy at the edge" on (the page uploads
// the bytes, checked against the pieces by the worker), closes, and another browser downloads the file from
// the edge alone — the page adds the web seed only because no peer is there — checked by SHA-256.
import { readFile } from "node:fs/promises";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startLocalWorker, type LocalWorker } from "../../scripts/local-worker";
import { openPage, requireChromium, type BrowserPage } from "./support/chromium";
import { randomFile, sha256 } from "./support/node-peers";

const MiB = 1024 * 1024;

let worker: LocalWorker;
const pages: BrowserPage[] = [];

beforeAll(async () => {
  requireChromium();
  worker = await startLocalWorker({ vars: { ANNOUNCE_INTERVAL_SECONDS: "5" } });
});

afterEach(async () => {
  const errors = pages.flatMap((p) => p.errors);
  for (const p of pages.splice(0)) await p.close();
  expect(errors).toEqual([]);
});

afterAll(async () => {
  await worker?.stop();
});

describe("a file shared from the page with a copy at the edge", () => {
  it("downloads in another browser from the edge alone once the sharing tab is gone", async () => {
    const sharer = await openPage(`${worker.httpUrl}/`, { name: "edge-sharer" });
    pages.push(sharer);
    const source = randomFile("kept-at-the-edge.bin", 6 * MiB + 4321);
    await sharer.page.getByTestId("web-seed-toggle").check();
    await sharer.page.getByTestId("file-input").setInputFiles({ name: source.name, mimeType: "application/octet-stream", buffer: source.bytes });
    await sharer.page.getByTestId("share-status").filter({ hasText: /the edge keeps a copy/ }).waitFor({ timeout: 60_000 });
    const link = (await sharer.page.getByTestId("share-link").first().getAttribute("href"))!;
    const infoHash = link.split("#")[1]!;
    const details = (await (await fetch(`${worker.httpUrl}/api/torrents/${infoHash}`)).json()) as { web_seed: string };
    expect(details.web_seed).toBe(`${worker.httpUrl}/seed/${infoHash}/${source.name}`);
    await sharer.screenshot("share-with-edge-copy");
    pages.splice(0);
    expect(sharer.errors).toEqual([]);
    await sharer.close();

    const fetcher = await openPage(link, { name: "edge-fetcher" });
    pages.push(fetcher);
    await fetcher.page.getByTestId("download-button").click();
    await fetcher.page.waitForSelector("#torrent-view[data-done=true]", { timeout: 60_000 });
    const edgeBytes = Number(await fetcher.page.locator("#torrent-view").getAttribute("data-edge-bytes"));
    expect(edgeBytes).toBe(source.bytes.length);
    expect(await fetcher.page.getByTestId("edge-share").textContent()).toMatch(/^6\.00 MiB from the edge, 0 B from peers/);
    await fetcher.screenshot("download-from-edge");
    const save = fetcher.page.getByTestId("save-file").first();
    await expect.poll(() => save.getAttribute("aria-disabled")).toBe("false");
    const [download] = await Promise.all([fetcher.page.waitForEvent("download"), save.click()]);
    expect(sha256(await readFile((await download.path())!))).toBe(source.sha256);
  });
});
