// One JSON error shape for every HTTP route: {error: {code, message}}. Layer: adapter.
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

export function httpError(status: ContentfulStatusCode, code: string, message: string): HTTPException {
  return new HTTPException(status, { res: Response.json({ error: { code, message } }, { status }) });
}

export function onError(error: Error, c: Context): Response {
  if (error instanceof HTTPException) {
    const res = error.getResponse();
    if (res.headers.get("content-type")?.includes("application/json")) return res;
    return c.json({ error: { code: "http_error", message: error.message || "request failed" } }, error.status);
  }
  // Never leak internals (stack traces, SQL) to clients; the log keeps the detail.
  console.error("worker: unhandled error", { path: c.req.path, error: String(error) });
  return c.json({ error: { code: "internal", message: "internal error" } }, 500);
}
