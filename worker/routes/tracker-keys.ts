// The operator's API for a private tracker's keys: issue (`POST /api/tracker-keys` {label}), list, revoke
// (`DELETE /api/tracker-keys/<id>`). Authorised by `Authorization: Bearer <ADMIN_KEY>`; off while ADMIN_KEY
// is unset. Layer: adapter.
import { Hono, type Context } from "hono";
import { z } from "zod";
import { issueTrackerKey, listTrackerKeys, revokeTrackerKey } from "../../durable-objects/tracker-keys";
import { describeIssue } from "../../protocol/issues";
import { bearerToken, keysMatch } from "../../protocol/secrets";
import type { Env } from "../env";
import { httpError } from "../errors";

type AppContext = Context<{ Bindings: Env }>;

export const trackerKeyRoutes = new Hono<{ Bindings: Env }>();

const IssueBody = z.object({ label: z.string().max(200, "label longer than 200 characters").default("") }).strict();

async function requireAdmin(c: AppContext): Promise<void> {
  const expected = c.env.ADMIN_KEY;
  if (!expected) throw httpError(404, "not_found", `no route for ${c.req.method} ${c.req.path}`);
  const presented = bearerToken(c.req.header("authorization"));
  if (!presented) throw httpError(401, "admin_key_required", "send the admin key as Authorization: Bearer <key>");
  if (!(await keysMatch(presented, expected))) throw httpError(403, "bad_admin_key", "wrong admin key");
}

trackerKeyRoutes.post("/tracker-keys", async (c) => {
  await requireAdmin(c);
  const body = await c.req.json().catch(() => {
    throw httpError(400, "bad_json", "body is not JSON");
  });
  const parsed = IssueBody.safeParse(body ?? {});
  if (!parsed.success) throw httpError(400, "bad_request", describeIssue(parsed.error));
  const issued = await issueTrackerKey(c.env.DB, parsed.data.label, Date.now());
  const origin = new URL(c.req.url);
  const ws = `${origin.protocol === "https:" ? "wss" : "ws"}://${origin.host}`;
  return c.json(
    { ...issued, announce: { websocket: `${ws}/announce/k/${issued.key}`, http: `${origin.origin}/announce/k/${issued.key}` } },
    201,
    { "cache-control": "no-store" },
  );
});

trackerKeyRoutes.get("/tracker-keys", async (c) => {
  await requireAdmin(c);
  return c.json({ keys: await listTrackerKeys(c.env.DB) }, 200, { "cache-control": "no-store" });
});

trackerKeyRoutes.delete("/tracker-keys/:id", async (c) => {
  await requireAdmin(c);
  if (!(await revokeTrackerKey(c.env.DB, c.req.param("id"), Date.now()))) throw httpError(404, "not_found", "no tracker key with this id");
  return c.body(null, 204);
});
