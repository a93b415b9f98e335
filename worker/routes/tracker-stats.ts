// `/stats` (a page), `/stats.json` and `/metrics` (Prometheus): the tracker's numbers, read from D1 where every
// swarm pushes its counts and activity (no global object). Layer: adapter.
import { Hono } from "hono";
import { activityReportSeconds } from "../../durable-objects/env";
import { trackerStats } from "../../durable-objects/swarm-stats";
import type { Env } from "../env";
import { metricsText, statsPage } from "../tracker-stats/render";

export const trackerStatsRoutes = new Hono<{ Bindings: Env }>();

/** The read is a scan of the live swarms' rows: shared caches may keep an answer this long. */
const CACHE = "public, max-age=15";

async function read(env: Env) {
  // Two activity beats: a busy swarm reports at least once in that window.
  const window = Math.max(60, 2 * activityReportSeconds(env)) * 1000;
  return trackerStats(env.DB, Date.now(), window);
}

trackerStatsRoutes.get("/stats.json", async (c) => c.json(await read(c.env), 200, { "cache-control": CACHE }));

/**
 * The page is served here, not from static assets, so client/web/_headers does not reach it: its own policy.
 * It loads only this origin's stylesheet and icon, runs no script (client names are other people's text),
 * submits nowhere and is never framed.
 */
const PAGE_HEADERS = {
  "content-security-policy": "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

trackerStatsRoutes.get("/stats", async (c) => c.html(statsPage(await read(c.env)), 200, { "cache-control": CACHE, ...PAGE_HEADERS }));

trackerStatsRoutes.get("/metrics", async (c) =>
  c.body(metricsText(await read(c.env)), 200, { "content-type": "text/plain; version=0.0.4; charset=utf-8", "cache-control": "no-store" }),
);
