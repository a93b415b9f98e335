// The page (dist/page, built by `npm run build:page`) as Cloudflare's static assets serve it: a file answers
// first, `/` and directories by their index.html, except on the paths wrangler.toml sends to the app first.
// Layer: adapter (Deno file API).
import { Deno } from "./runtime";

const TYPES: Record<string, string> = {
  html: "text/html; charset=utf-8",
  js: "text/javascript; charset=utf-8",
  mjs: "text/javascript; charset=utf-8",
  css: "text/css; charset=utf-8",
  json: "application/json",
  map: "application/json",
  webmanifest: "application/manifest+json",
  svg: "image/svg+xml",
  png: "image/png",
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  webp: "image/webp",
  ico: "image/x-icon",
  wasm: "application/wasm",
  txt: "text/plain; charset=utf-8",
  woff2: "font/woff2",
};

/** `/api/*` style patterns (wrangler.toml `run_worker_first`): a trailing `*` matches any rest. */
export function appFirstMatcher(patterns: string[]): (path: string) => boolean {
  const exact = new Set(patterns.filter((p) => !p.endsWith("*")));
  const prefixes = patterns.filter((p) => p.endsWith("*")).map((p) => p.slice(0, -1));
  return (path) => exact.has(path) || prefixes.some((prefix) => path.startsWith(prefix));
}

export function staticFiles(root: string, appFirst: string[]): (request: Request) => Promise<Response | null> {
  const toApp = appFirstMatcher(appFirst);
  const base = root.replace(/\/+$/, "");
  return async (request) => {
    if (request.method !== "GET" && request.method !== "HEAD") return null;
    const url = new URL(request.url);
    if (toApp(url.pathname)) return null;
    let path: string;
    try {
      path = decodeURIComponent(url.pathname);
    } catch {
      return null;
    }
    // Nothing outside the page's folder: no parent segments, no NUL, no backslashes.
    if (path.split("/").some((segment) => segment === "..") || /[\0\\]/.test(path)) return null;
    let file = `${base}${path}`;
    let info = await Deno.stat(file).catch(() => null);
    if (info?.isDirectory) {
      file = `${file.replace(/\/+$/, "")}/index.html`;
      info = await Deno.stat(file).catch(() => null);
    }
    if (!info?.isFile) return null;
    const type = TYPES[file.slice(file.lastIndexOf(".") + 1).toLowerCase()] ?? "application/octet-stream";
    const headers = { "content-type": type, "content-length": String(info.size), "cache-control": "public, max-age=0, must-revalidate" };
    if (request.method === "HEAD") return new Response(null, { headers });
    return new Response(await Deno.readFile(file), { headers });
  };
}
