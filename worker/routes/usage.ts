// GET /internal/usage: the tracker's cost counters (durable-objects/usage.ts), for the benchmark. Off unless
// USAGE_PROBE = "1" (the benchmark sets it on its local worker); a 404 like any unknown path otherwise.
// Layer: adapter.
import { Hono } from "hono";
import { meter } from "../../durable-objects/usage";
import type { Env } from "../env";
import { httpError } from "../errors";

export const usageRoutes = new Hono<{ Bindings: Env }>();

usageRoutes.get("/usage", (c) => {
  if (c.env.USAGE_PROBE !== "1") throw httpError(404, "not_found", `no route for GET ${c.req.path}`);
  return c.json({ ...meter }, 200, { "cache-control": "no-store" });
});
