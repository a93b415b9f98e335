// Worker entry: the hono app (tracker + directory + page) and the Durable Object classes. Layer: adapter.
import { Hono } from "hono";
import type { Env } from "./env";
import { onError } from "./errors";
import { labFileRoutes } from "./routes/lab-files";
import { rtcConfigRoutes } from "./routes/rtc-config";
import { directoryRoutes } from "./routes/directory";
import { trackerRoutes } from "./routes/tracker";
import { usageRoutes } from "./routes/usage";

export { SwarmObject } from "../durable-objects/swarm-object";

const app = new Hono<{ Bindings: Env }>();
app.onError(onError);
// The worker's own HTTP answers (the page's static files get theirs from client/web/_headers): never
// content-sniffed, never framed, never a document that may load anything. Tracker sockets are left alone.
for (const path of ["/api/*", "/lab/*", "/internal/*", "/health"]) {
  app.use(path, async (c, next) => {
    await next();
    c.res.headers.set("x-content-type-options", "nosniff");
    c.res.headers.set("content-security-policy", "default-src 'none'; frame-ancestors 'none'");
  });
}
app.notFound((c) => c.json({ error: { code: "not_found", message: `no route for ${c.req.method} ${c.req.path}` } }, 404));

app.get("/health", (c) => c.json({ ok: true }));
app.route("/", trackerRoutes);
app.route("/api", directoryRoutes);
app.route("/api", rtcConfigRoutes);
app.route("/lab", labFileRoutes);
app.route("/internal", usageRoutes);

export default app;
