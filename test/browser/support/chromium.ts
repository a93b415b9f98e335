// Real Chromium for the browser end-to-end tests: Debian's /usr/bin/chromium driven by playwright-core (no
// playwright browser download is possible here), one fresh profile per page, console errors collected so a
// test can fail on them, screenshots kept under test-artifacts/browser/.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const ARTIFACTS = fileURLToPath(new URL("../../../test-artifacts/browser/", import.meta.url));

export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 390, height: 844 };

const ARGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  // Real host candidates instead of mDNS names (Node peers cannot resolve those; no multicast in tests).
  "--disable-features=WebRtcHideLocalIpsWithMdns",
];

/** Throws (never skips) when the browser is missing: `.ci/run` installs it; locally `apt-get install chromium`. */
export function requireChromium(): void {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium not found at ${CHROMIUM}: install it (apt-get install -y chromium) or set CHROMIUM_PATH. The browser tests do not skip.`);
  }
}

export type BrowserPage = {
  context: BrowserContext;
  page: Page;
  /** Console errors, uncaught exceptions and failed requests seen so far. */
  errors: string[];
  profileDir: string;
  downloadsDir: string;
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
  /** Closes the browser and keeps its profile (OPFS, IndexedDB), to reopen it with `openPage(…, { profileDir })`. */
  quitKeepingProfile(): Promise<void>;
};

/** A page in its own Chromium (own profile, own OPFS), opened at `url` and waited on until the app booted. */
export async function openPage(
  url: string,
  options: { viewport?: { width: number; height: number }; name?: string; /** reopen a profile kept by quitKeepingProfile */ profileDir?: string } = {},
): Promise<BrowserPage> {
  requireChromium();
  const profileDir = options.profileDir ?? (await mkdtemp(path.join(tmpdir(), `edgeswarm-chromium-${options.name ?? "page"}-`)));
  const downloadsDir = path.join(profileDir, "downloads");
  await mkdir(downloadsDir, { recursive: true });
  const context = await chromium.launchPersistentContext(path.join(profileDir, "profile"), {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: options.viewport ?? DESKTOP,
    acceptDownloads: true,
    downloadsPath: downloadsDir,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const errors: string[] = [];
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`console: ${message.text()}`);
  });
  page.on("pageerror", (error) => errors.push(`page error: ${error.message}`));
  page.on("requestfailed", (request) => {
    // A save or preview the test itself ends is not the page's failure, nor a search the page cancelled because
    // a newer one (another sort, more typing) replaced it (search-view.ts aborts the one in flight).
    const aborted = request.failure()?.errorText === "net::ERR_ABORTED";
    if (aborted && (request.url().includes("/webtorrent/") || new URL(request.url()).pathname === "/api/search")) return;
    errors.push(`request failed: ${request.method()} ${request.url()} ${request.failure()?.errorText ?? ""}`);
  });
  const close = async () => {
    await context.close().catch(() => undefined);
    await rm(profileDir, { recursive: true, force: true });
  };
  const quitKeepingProfile = async () => {
    await context.close().catch(() => undefined);
  };
  try {
    // What the failed load logged was the dev server's, not the page's.
    if (await gotoThroughRestarts(page, url)) errors.splice(0);
    await page.waitForSelector("body[data-ready=true]", { timeout: 20_000 });
  } catch (error) {
    await close();
    throw new Error(`the page at ${url} did not start (${errors.join("; ") || "no console errors"}): ${String(error)}`);
  }
  const screenshot = async (name: string) => {
    await mkdir(ARTIFACTS, { recursive: true });
    const file = path.join(ARTIFACTS, `${name}.png`);
    await page.screenshot({ path: file, fullPage: true });
    return file;
  };
  return { context, page, errors, profileDir, downloadsDir, screenshot, close, quitKeepingProfile };
}

/**
 * Loads `url`, once more when the local dev server failed the page itself: wrangler 4.86 (the last for Node 20)
 * answers one request 500 and exits when its dev proxy loses it (workers-sdk#15317), and scripts/start.mjs
 * starts it again on the same port. Our worker never answers the page with a 5xx, so only the dev server's
 * failure is retried — said on stderr, with the wait for the server to answer again. True when it retried.
 */
async function gotoThroughRestarts(page: Page, url: string): Promise<boolean> {
  const health = new URL("/health", url).href;
  const serves = () => fetch(health, { signal: AbortSignal.timeout(2_000) }).then((r) => r.ok, () => false);
  for (let attempt = 1; ; attempt++) {
    const failure = await page.goto(url).then(
      (response) => (response && response.status() >= 500 ? `status ${response.status()}` : null),
      (error: Error) => (/ERR_CONNECTION_REFUSED|ERR_EMPTY_RESPONSE|ERR_CONNECTION_RESET/.test(error.message) ? error.message : Promise.reject(error)),
    );
    if (failure === null) return attempt > 1;
    if (attempt === 3) throw new Error(`the local dev server failed the page at ${url} ${attempt} times: ${failure}`);
    process.stderr.write(`\nthe local dev server failed the page at ${url} (${failure}); waiting for it to serve again\n`);
    const deadline = Date.now() + 60_000;
    while (!(await serves())) {
      if (Date.now() > deadline) throw new Error(`the local dev server at ${health} did not serve again within 60 s (${failure})`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

/** Form controls, buttons and links without an accessible name (label, aria-label(ledby) or text), as CSS-ish paths. */
export async function unlabelledControls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const named = (element: Element): boolean => {
      if (element.getAttribute("aria-label")?.trim()) return true;
      const labelledBy = element.getAttribute("aria-labelledby");
      if (labelledBy && labelledBy.split(/\s+/).some((id) => document.getElementById(id)?.textContent?.trim())) return true;
      if ((element as HTMLInputElement).labels?.length) return true;
      return element.tagName !== "INPUT" && !!element.textContent?.trim();
    };
    const path = (element: Element) => `${element.tagName.toLowerCase()}${element.id ? `#${element.id}` : ""}[data-testid=${element.getAttribute("data-testid") ?? ""}]`;
    return Array.from(document.querySelectorAll("input, button, a[href], progress, canvas[role=img], select, textarea"))
      .filter((element) => !(element as HTMLElement).closest("[hidden]") && !named(element))
      .map(path);
  });
}
