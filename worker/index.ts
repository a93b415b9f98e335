// Worker entry: the hono app (tracker + directory + page) and the Durable Object classes. Layer: adapter.
import { Hono } from "hono";
import type { Env } from "./env";
import { onError } from "./errors";
import { labFileRoutes } from "./routes/lab-files";
import { rtcConfigRoutes } from "./routes/rtc-config";
import { directoryRoutes } from "./routes/directory";
import { trackerKeyRoutes } from "./routes/tracker-keys";
import { trackerRoutes } from "./routes/tracker";
import { trackerStatsRoutes } from "./routes/tracker-stats";
import { usageRoutes } from "./routes/usage";
import { webSeedApiRoutes, webSeedFileRoutes } from "./routes/web-seed";

export { SwarmObject } from "../durable-objects/swarm-object";

const app = new Hono<{ Bindings: Env }>();
app.onError(onError);
app.notFound((c) => c.json({ error: { code: "not_found", message: `no route for ${c.req.method} ${c.req.path}` } }, 404));

app.get("/health", (c) => c.json({ ok: true }));
app.route("/", trackerRoutes);
app.route("/", trackerStatsRoutes);
app.route("/api", directoryRoutes);
app.route("/api", rtcConfigRoutes);
app.route("/api", trackerKeyRoutes);
app.route("/api", webSeedApiRoutes);
app.route("/seed", webSeedFileRoutes);
app.route("/lab", labFileRoutes);
app.route("/internal", usageRoutes);

export default app;
