// The page and the `edgeswarm` CLI (client/cli/bin.mjs) exchanging files through the real local worker, in
// both directions, each checked by SHA-256: a share link printed by one opens or downloads in the other.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { startLocalWorker, type LocalWorker } from "../../scripts/local-worker";
import { openPage, requireChromium, type BrowserPage } from "./support/chromium";
import { randomFile, sha256 } from "./support/node-peers";

const BIN = fileURLToPath(new URL("../../client/cli/bin.mjs", import.meta.url));
const MiB = 1024 * 1024;
const TRANSFER_MS = 60_000;

let worker: LocalWorker;
const pages: BrowserPage[] = [];
const children = new Set<ChildProcess>();
const dirs: string[] = [];

beforeAll(async () => {
  requireChromium();
  worker = await startLocalWorker({ vars: { ANNOUNCE_INTERVAL_SECONDS: "5" } });
});

afterEach(async () => {
  const errors = pages.flatMap((p) => p.errors);
  for (const child of children) child.kill("SIGKILL");
  children.clear();
  for (const p of pages.splice(0)) await p.close();
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
  expect(errors).toEqual([]);
});

afterAll(async () => {
  await worker?.stop();
});

type Cli = { output: () => string; exited: Promise<{ code: number | null; stdout: string; stderr: string }>; child: ChildProcess };

function cli(args: string[]): Cli {
  const child = spawn(process.execPath, [BIN, "--server", worker.httpUrl, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  children.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) =>
    child.once("close", (code) => {
      children.delete(child);
      resolve({ code, stdout, stderr });
    }),
  );
  return { output: () => stdout, exited, child };
}

async function tempDir(label: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), `edgeswarm-${label}-`));
  dirs.push(dir);
  return dir;
}

describe("the page and the CLI", () => {
  it("the page seeds and `edgeswarm get <share link>` downloads the same bytes", async () => {
    const p = await openPage(worker.httpUrl, { name: "cli-seed" });
    pages.push(p);
    const source = randomFile("page-to-cli.bin", 2 * MiB + 99);
    await p.page.getByTestId("file-input").setInputFiles({ name: source.name, mimeType: "application/octet-stream", buffer: source.bytes });
    const link = await p.page.getByTestId("share-link").first().getAttribute("href", { timeout: 30_000 });

    const out = await tempDir("cli-get");
    const get = cli(["get", link!, "-o", out]);
    const done = await Promise.race([get.exited, new Promise<never>((_, reject) => setTimeout(() => reject(new Error("edgeswarm get timed out")), TRANSFER_MS))]);
    expect(done.code, done.stderr).toBe(0);
    expect(sha256(await readFile(path.join(out, source.name)))).toBe(source.sha256);
  });

  it("`edgeswarm seed` prints a share link the page opens, downloads and saves", async () => {
    const source = randomFile("cli-to-page.bin", 3 * MiB + 1);
    const dir = await tempDir("cli-seed");
    const file = path.join(dir, source.name);
    await writeFile(file, source.bytes);
    const seeder = cli(["--json", "seed", file]);
    const deadline = Date.now() + 60_000;
    while (!/^\{.*\}$/m.test(seeder.output())) {
      if (Date.now() > deadline) throw new Error(`edgeswarm seed printed no JSON line: ${seeder.output()}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const seeded = JSON.parse(/^\{.*\}$/m.exec(seeder.output())![0]) as { info_hash: string; share_link: string };
    expect(seeded.share_link).toBe(`${worker.httpUrl}/#${seeded.info_hash}`);

    const p = await openPage(seeded.share_link, { name: "cli-get" });
    pages.push(p);
    await expect.poll(() => p.page.getByTestId("torrent-name").textContent()).toBe(source.name);
    await p.page.getByTestId("download-button").click();
    await p.page.waitForSelector("#torrent-view[data-done=true]", { timeout: TRANSFER_MS });
    const save = p.page.getByTestId("save-file");
    await expect.poll(() => save.getAttribute("aria-disabled")).toBe("false");
    const [download] = await Promise.all([p.page.waitForEvent("download"), save.click()]);
    expect(sha256(await readFile(await download.path()))).toBe(source.sha256);
  });
});
