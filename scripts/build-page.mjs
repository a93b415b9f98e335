#!/usr/bin/env node
// Builds the browser page (client/web) into dist/page, which the worker serves as static assets
// (wrangler.toml [assets]). wrangler runs it as the [build] command, so `npm start`, `wrangler dev` and
// `wrangler deploy` build the page first; the test script runs it before the workers tests.
//
// Several wrangler processes may run it at once (each end-to-end test file starts one) while others serve
// dist/page, so it never empties the folder: it skips when nothing changed since the last build, else builds
// into a scratch folder and moves each file into place with an atomic rename.
import { createHash, randomUUID } from "node:crypto";
import { mkdir, readFile, readdir, rename, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const source = path.join(root, "client/web");
const out = path.join(root, "dist/page");
// Beside the served folder, not in it: the stamp lists source paths.
const stampFile = path.join(root, "dist/.page-stamp.json");
const webtorrentDist = path.join(root, "node_modules/webtorrent/dist");
/** Files outside the esbuild graph that still shape the output. */
const EXTRA_INPUTS = ["scripts/build-page.mjs", "client/web/index.html", "client/web/favicon.svg", "client/web/_headers"];

const started = Date.now();

async function digest(files) {
  const hash = createHash("sha256");
  for (const file of [...files].sort()) {
    hash.update(file);
    hash.update(await readFile(path.join(root, file)).catch(() => "missing"));
  }
  return hash.digest("hex");
}

async function upToDate() {
  try {
    const stamp = JSON.parse(await readFile(stampFile, "utf8"));
    const present = new Set(await readdir(out));
    if (!stamp.outputs.every((name) => present.has(name))) return false;
    return stamp.digest === (await digest(stamp.inputs));
  } catch {
    return false;
  }
}

if (process.argv.includes("--force") || !(await upToDate())) {
  const scratch = path.join(root, "dist", `.page-${process.pid}-${randomUUID().slice(0, 8)}`);
  await mkdir(scratch, { recursive: true });
  try {
    const common = {
      bundle: true,
      minify: true,
      sourcemap: "linked",
      // Browsers with OPFS writable streams, service-worker streams and WebRTC data channels (2023 on).
      target: ["es2022", "chrome111", "firefox115", "safari16.4"],
      legalComments: "linked",
      logLevel: "warning",
      absWorkingDir: root,
      metafile: true,
      outdir: scratch,
    };
    // The page: one ES module with WebTorrent's browser bundle inside, and its style sheet.
    const page = await build({
      ...common,
      entryPoints: { app: path.join(source, "main.ts"), styles: path.join(source, "styles.css") },
      format: "esm",
    });
    // The service worker: WebTorrent's stream server (sw.min.js) plus a `claim` message, as one classic script
    // served from the root so its scope is the whole page.
    const worker = await build({
      ...common,
      entryPoints: { sw: path.join(source, "sw.js") },
      format: "iife",
      alias: { "webtorrent-sw": path.join(webtorrentDist, "sw.min.js") },
    });

    // index.html names the assets with a content hash, so a new build is never mixed with a cached old one.
    const version = async (file) => createHash("sha256").update(await readFile(path.join(scratch, file))).digest("hex").slice(0, 12);
    const html = (await readFile(path.join(source, "index.html"), "utf8"))
      .replace("/app.js", `/app.js?v=${await version("app.js")}`)
      .replace("/styles.css", `/styles.css?v=${await version("styles.css")}`);
    await writeFile(path.join(scratch, "index.html"), html);
    await writeFile(path.join(scratch, "favicon.svg"), await readFile(path.join(source, "favicon.svg")));
    // Response headers for these files (CSP, nosniff): Workers Static Assets applies _headers and never serves it.
    await writeFile(path.join(scratch, "_headers"), await readFile(path.join(source, "_headers")));

    const inputs = [...new Set([...Object.keys(page.metafile.inputs), ...Object.keys(worker.metafile.inputs), ...EXTRA_INPUTS])].filter(
      (file) => !file.startsWith("<"),
    );
    const outputs = (await readdir(scratch)).sort();
    const stamp = JSON.stringify({ digest: await digest(inputs), inputs, outputs }, null, 1);

    // Publish: assets first, index.html after them (it names their versions), then drop stale files; the
    // stamp last, so an interrupted build is redone.
    await mkdir(out, { recursive: true });
    const order = [...outputs.filter((n) => n !== "index.html"), "index.html"];
    for (const name of order) await rename(path.join(scratch, name), path.join(out, name));
    for (const name of await readdir(out)) {
      if (!order.includes(name)) await rm(path.join(out, name), { recursive: true, force: true });
    }
    const stampScratch = `${stampFile}.${process.pid}`;
    await writeFile(stampScratch, stamp);
    await rename(stampScratch, stampFile);
    console.log(`page built into ${path.relative(root, out)}/ in ${Date.now() - started} ms`);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
} else {
  console.log(`page in ${path.relative(root, out)}/ is up to date`);
}
