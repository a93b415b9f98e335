// The hono app every host serves: tracker, its stats and metrics, directory, ICE servers, tracker keys, web
// seed, lab files, the cost probe. A host brings its tracker (where swarms and sockets live) and says whether it has object storage.
// Layer: adapter (composition only).
import { Hono } from "hono";
import type { Env } from "./env";
import { httpError, onError } from "./errors";
import { labFileRoutes } from "./routes/lab-files";
import { rtcConfigRoutes } from "./routes/rtc-config";
import { directoryRoutes } from "./routes/directory";
import { trackerKeyRoutes } from "./routes/tracker-keys";
import { trackerRoutes, type TrackerHost } from "./routes/tracker";
import { trackerStatsRoutes } from "./routes/tracker-stats";
import { usageRoutes } from "./routes/usage";
import { webSeedApiRoutes, webSeedFileRoutes } from "./routes/web-seed";

export type AppHost<E extends Env> = {
  tracker: TrackerHost<E>;
  /**
   * Whether FILES is real object storage. Without it the web seed's and the lab's routes answer 501, and
   * FILES only ever reads as empty (no listing has a web seed).
   */
  objectStorage: boolean;
};

export function createApp<E extends Env>(host: AppHost<E>): Hono<{ Bindings: E }> {
  const app = new Hono<{ Bindings: E }>();
  app.onError(onError);
  // The app's own HTTP answers (the page's static files get theirs from client/web/_headers): never
  // content-sniffed, never framed, never a document that may load anything. Tracker sockets are left alone.
  for (const path of ["/api/*", "/lab/*", "/internal/*", "/seed/*", "/health", "/stats.json", "/metrics"]) {
    app.use(path, async (c, next) => {
      await next();
      c.res.headers.set("x-content-type-options", "nosniff");
      c.res.headers.set("content-security-policy", "default-src 'none'; frame-ancestors 'none'");
    });
  }
  app.notFound((c) => c.json({ error: { code: "not_found", message: `no route for ${c.req.method} ${c.req.path}` } }, 404));

  app.get("/health", (c) => c.json({ ok: true }));
  app.route("/", trackerRoutes(host.tracker));
  app.route("/", trackerStatsRoutes);
  if (!host.objectStorage) {
    // Before the directory's routes: the web seed's paths live under /api/torrents/<hash>/.
    const off = () => {
      throw httpError(501, "no_object_storage", "web seeds and lab files need object storage, which this server does not have");
    };
    app.all("/api/torrents/:hash/web-seed", off);
    app.all("/api/torrents/:hash/web-seed/*", off);
    app.all("/seed/*", off);
    app.all("/lab/*", off);
  }
  app.route("/api", directoryRoutes);
  app.route("/api", rtcConfigRoutes);
  app.route("/api", trackerKeyRoutes);
  app.route("/api", webSeedApiRoutes);
  app.route("/seed", webSeedFileRoutes);
  app.route("/lab", labFileRoutes);
  app.route("/internal", usageRoutes);
  return app;
}
