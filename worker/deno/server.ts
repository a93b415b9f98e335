// `npm run start:deno`: the whole of edgeswarm in one Deno process — the tracker (both WebSocket endpoints,
// HTTP announce and scrape, private keys) on the in-process host, the directory on a SQLite file with the same
// migrations, ICE servers, tracker keys, the page, /health — the same app and rules as the worker
// (worker/app.ts). Swarms live in memory (empty after a restart: peers re-announce); the directory survives.
// Layer: adapter (the Deno entry).
import { DatabaseSync } from "node:sqlite";
import { SwarmRegistry } from "../../durable-objects/in-process/swarm-registry";
import { activityReportSeconds, announceIntervalSeconds, trackerCaps } from "../../durable-objects/env";
import { accessPolicy } from "../../durable-objects/swarm/access-policy";
import { createApp } from "../app";
import type { Env } from "../env";
import { D1OnSqlite } from "../sqlite/d1-on-sqlite";
import { applyMigrations } from "../sqlite/migrations";
import { MemoryRateLimit } from "./memory-rate-limit";
import { Deno, type DenoServeInfo } from "./runtime";
import { serverSettings } from "./settings";
import { staticFiles } from "./static-files";
import { inProcessTracker } from "./tracker-host";

const root = new URL("../../", (import.meta as ImportMeta & { url: string }).url);
const settings = serverSettings(Deno.readTextFileSync(new URL("wrangler.toml", root)), (name) => Deno.env.get(name));

// ---- The directory's database ----

const sqlite = new DatabaseSync(settings.dbPath);
// D1 enforces foreign keys (deletes cascade to files and tags); WAL lets searches read while counts are written.
sqlite.exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;");
const migrationsDir = new URL("migrations/", root);
const migrations = [...Deno.readDirSync(migrationsDir)]
  .filter((entry) => entry.isFile && entry.name.endsWith(".sql"))
  .map((entry) => ({ name: entry.name, sql: Deno.readTextFileSync(new URL(entry.name, migrationsDir)) }));
const applied = applyMigrations(sqlite, migrations);
const db = new D1OnSqlite(sqlite);

// ---- Bindings: what the worker's routes read ----

const limiter = (name: string) => {
  const setting = settings.rateLimits[name];
  return setting ? new MemoryRateLimit(setting) : undefined;
};
// Directory writes are never unlimited (worker/guards.ts): without its [[ratelimits]] entry the server does not start.
const publishLimiter = limiter("PUBLISH_RATE_LIMIT");
if (!publishLimiter) throw new Error("wrangler.toml: [[ratelimits]] PUBLISH_RATE_LIMIT (simple = { limit, period }) is missing");
const env: Env = {
  ...settings.vars,
  DB: db,
  FILES: noObjectStorage(),
  RTC_CONFIG_LIMITER: limiter("RTC_CONFIG_LIMITER"),
  ANNOUNCE_LIMITER: limiter("ANNOUNCE_LIMITER"),
  PUBLISH_RATE_LIMIT: publishLimiter,
};

const access = accessPolicy(env);
for (const problem of access.problems) console.warn(`settings: ${problem}`);
const registry = new SwarmRegistry<WebSocket>({
  db,
  intervalSeconds: announceIntervalSeconds(env),
  activityReportSeconds: activityReportSeconds(env),
  caps: trackerCaps(env),
  access: access.policy,
  messageRate: settings.messagesPerSecond === null ? undefined : { perSecond: settings.messagesPerSecond, burst: 3 * settings.messagesPerSecond },
});
await registry.started();
const tracker = inProcessTracker(registry);
const app = createApp({ tracker, objectStorage: false });
const page = staticFiles(settings.pageDir ?? decodeURIComponent(new URL("dist/page", root).pathname), settings.appFirst);

/** The last entry of a header a trusted proxy appends to (what the proxy itself saw). */
function proxied(request: Request, name: string): string | undefined {
  return settings.behindProxy ? request.headers.get(name)?.split(",").pop()?.trim() || undefined : undefined;
}

/**
 * The request as the app sees it, as Cloudflare would hand it over: the client's address in cf-connecting-ip
 * (whatever a client sent there is replaced) and, behind a TLS proxy, the public https URL. A copy: incoming
 * headers cannot be changed on Deno (an upgrade is done on the original: tracker.upgradesOf).
 */
function forApp(request: Request, info: DenoServeInfo): Request {
  const headers = new Headers(request.headers);
  headers.set("cf-connecting-ip", proxied(request, "x-forwarded-for") ?? info.remoteAddr.hostname);
  const url = new URL(request.url);
  if (proxied(request, "x-forwarded-proto") === "https") url.protocol = "https:";
  // Not the original's signal: reading it switches Deno to its legacy abort behaviour (and a warning).
  const init: RequestInit & { duplex?: "half" } = { method: request.method, headers, redirect: request.redirect };
  if (request.body) Object.assign(init, { body: request.body, duplex: "half" });
  const copy = new Request(url, init);
  tracker.upgradesOf(copy, request);
  return copy;
}

const server = Deno.serve(
  {
    hostname: settings.hostname,
    port: settings.port,
    onListen: ({ hostname, port }) => {
      console.log(
        `edgeswarm (Deno) ready on http://${hostname}:${port} — directory ${settings.dbPath}` +
          (applied.length > 0 ? ` (migrations applied: ${applied.join(", ")})` : ""),
      );
    },
  },
  async (request, info) => (await page(request)) ?? app.fetch(forApp(request, info), env),
);

function shutDown(): void {
  tracker.closeAll();
  registry.close();
  void server.shutdown();
  sqlite.close();
  Deno.exit(0);
}
Deno.addSignalListener("SIGINT", shutDown);
Deno.addSignalListener("SIGTERM", shutDown);

/**
 * FILES on a host without object storage: every object reads as absent (no listing has a web seed, no lab file
 * exists); the routes that would write are answered 501 by the app before they get here.
 */
function noObjectStorage(): R2Bucket {
  const absent = async () => null;
  const refuse = async () => {
    throw new Error("no object storage on this server");
  };
  return {
    get: absent,
    head: absent,
    list: async () => ({ objects: [], delimitedPrefixes: [], truncated: false }),
    put: refuse,
    delete: refuse,
    createMultipartUpload: refuse,
    resumeMultipartUpload: () => {
      throw new Error("no object storage on this server");
    },
  } as unknown as R2Bucket;
}
