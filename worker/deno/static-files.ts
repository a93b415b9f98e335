// The page (dist/page, built by `npm run build:page`) as Cloudflare's static assets serve it: a file answers
// first, `/` and directories by their index.html, except on the paths wrangler.toml sends to the app first;
// the page's `_headers` (its CSP and the rest, client/web/_headers) applied, and never served itself.
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

/** One rule of a `_headers` file: a path pattern (`*` matches any run of characters) and the headers it adds. */
export type HeaderRule = { pattern: RegExp; headers: [string, string][] };

/**
 * Cloudflare's `_headers` format, as far as the page's file uses it: a path pattern on a line of its own, then
 * its headers indented as `Name: value`; `#` starts a comment line.
 */
export function parseHeadersFile(text: string): HeaderRule[] {
  const rules: HeaderRule[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "" || line.trimStart().startsWith("#")) continue;
    if (!/^\s/.test(line)) {
      const source = line.trim().split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*");
      rules.push({ pattern: new RegExp(`^${source}$`), headers: [] });
      continue;
    }
    const header = /^\s+([^:\s]+):\s*(.*?)\s*$/.exec(line);
    if (header && rules.length > 0) rules[rules.length - 1]!.headers.push([header[1]!, header[2]!]);
  }
  return rules;
}

/** The headers every matching rule adds to `path`, in file order (a header named twice is joined with ", ", as Cloudflare does). */
export function headersFor(rules: HeaderRule[], path: string): Headers {
  const headers = new Headers();
  for (const rule of rules) {
    if (!rule.pattern.test(path)) continue;
    for (const [name, value] of rule.headers) headers.append(name, value);
  }
  return headers;
}

export function staticFiles(root: string, appFirst: string[]): (request: Request) => Promise<Response | null> {
  const toApp = appFirstMatcher(appFirst);
  const base = root.replace(/\/+$/, "");
  let rules: HeaderRule[] = [];
  try {
    rules = parseHeadersFile(Deno.readTextFileSync(`${base}/_headers`));
  } catch {
    // a page built without _headers: files are served with their type alone
  }
  return async (request) => {
    if (request.method !== "GET" && request.method !== "HEAD") return null;
    const url = new URL(request.url);
    // The rules are configuration, never a file of the page (Cloudflare does not serve it either).
    if (toApp(url.pathname) || url.pathname === "/_headers") return null;
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
    const headers = headersFor(rules, url.pathname);
    headers.set("content-type", type);
    headers.set("content-length", String(info.size));
    headers.set("cache-control", "public, max-age=0, must-revalidate");
    if (request.method === "HEAD") return new Response(null, { headers });
    return new Response(await Deno.readFile(file), { headers });
  };
}
