// Guards in front of every write of the API (issue 10): writes come from this site's own pages or from
// clients that are not browsers, and each address gets a bounded number of them. Layer: adapter.
import type { Context, MiddlewareHandler } from "hono";
import type { Env } from "./env";
import { httpError } from "./errors";

const WRITES = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * Why a write must be refused as cross-site, or null. A browser names the page that sent a request in
 * `Origin` (on every POST, PATCH and DELETE) and, since 2020-2023 in every engine, the relation in
 * `Sec-Fetch-Site`. A multipart or form POST needs no CORS preflight, so without this check any site could
 * publish from its visitors' browsers. Clients that are not browsers (the CLI, curl) send neither and pass.
 */
export function crossSiteWrite(request: Request): string | null {
  const site = request.headers.get("sec-fetch-site");
  if (site !== null && site !== "same-origin" && site !== "none") return `a ${site} request may not write to this directory`;
  const origin = request.headers.get("origin");
  if (origin !== null && origin !== new URL(request.url).origin) return `requests from ${origin === "null" ? "an opaque origin" : "another origin"} may not write to this directory`;
  return null;
}

/**
 * The address a limit is kept for: Cloudflare's cf-connecting-ip (clients cannot set it there; locally
 * Miniflare fills it in). An IPv6 client usually holds a whole /64, so it is counted as one.
 */
export function clientKey(request: Request): string {
  const address = request.headers.get("cf-connecting-ip") ?? "unknown";
  if (!address.includes(":")) return address;
  const groups = expandIpv6(address);
  return groups ? `${groups.slice(0, 4).join(":")}::/64` : address;
}

function expandIpv6(address: string): string[] | null {
  const [head, tail, extra] = address.toLowerCase().split("::");
  if (extra !== undefined) return null;
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const missing = 8 - left.length - right.length;
  if (tail === undefined ? missing !== 0 : missing < 0) return null;
  return [...left, ...Array.from({ length: missing }, () => "0"), ...right].map((g) => g.replace(/^0+(?=.)/, ""));
}

/** The publish limit's window (wrangler.toml [[ratelimits]] PUBLISH_RATE_LIMIT: simple.period). */
export const PUBLISH_LIMIT_PERIOD_SECONDS = 60;

/**
 * Same-site writes only (403), then at most the binding's limit per address and period (429 with Retry-After):
 * publishes, patches and deletes alike, wrong publish keys and tokens included (they are guesses).
 */
export const guardWrites: MiddlewareHandler<{ Bindings: Env }> = async (c: Context<{ Bindings: Env }>, next) => {
  if (!WRITES.has(c.req.method)) return next();
  const crossSite = crossSiteWrite(c.req.raw);
  if (crossSite) throw httpError(403, "cross_site", crossSite);
  const { success } = await c.env.PUBLISH_RATE_LIMIT.limit({ key: clientKey(c.req.raw) });
  if (!success) {
    // The binding does not say when its window ends; one whole period is always enough.
    const res = Response.json(
      { error: { code: "rate_limited", message: `too many writes from this address: try again in ${PUBLISH_LIMIT_PERIOD_SECONDS} s` } },
      { status: 429, headers: { "retry-after": String(PUBLISH_LIMIT_PERIOD_SECONDS) } },
    );
    return res;
  }
  return next();
};
