// Hostile users against the real local system (issue 10), on each host: `wrangler dev` as `npm start` runs it
// (the page's static files, the wrangler.toml rate limit, Miniflare's request handling) and the Deno host (its
// own static files and in-memory limiter from the same wrangler.toml) — the headers on the page and the API,
// publishes from other sites, and one address publishing too fast.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostsUnderTest, startLocalHost, type HostKind, type LocalHost } from "../../scripts/local-host";

/** A made-up client address. */
const address = () => `198.51.100.${1 + randomBytes(1)[0]! % 250}`;

describe.each(hostsUnderTest())("on %s", (host: HostKind) => {
  let worker: LocalHost;

  beforeAll(async () => {
    // The Deno host takes a client's address from X-Forwarded-For only behind a proxy (BEHIND_PROXY=1).
    worker = await startLocalHost({ host, vars: host === "deno" ? { BEHIND_PROXY: "1" } : undefined });
  });

  afterAll(async () => {
    await worker?.stop();
  });

  /**
   * Headers that make a request come from `ip`, as a proxy in front would say: wrangler dev keeps a
   * cf-connecting-ip the client sends (Cloudflare replaces it); the Deno host reads X-Forwarded-For.
   */
  const from = (ip: string): Record<string, string> => (host === "deno" ? { "x-forwarded-for": ip } : { "cf-connecting-ip": ip });

  function publish(headers: Record<string, string>, body?: BodyInit): Promise<Response> {
    return fetch(`${worker.httpUrl}/api/torrents`, {
      method: "POST",
      headers: body ? headers : { "content-type": "application/json", ...headers },
      body: body ?? JSON.stringify({ info_hash: randomBytes(20).toString("hex"), name: `hostile-${randomBytes(4).toString("hex")}`, size: 1 }),
    });
  }

  describe("the page's static files", () => {
    it("carry a strict CSP, nosniff and no referrer; the _headers file itself is not served", async () => {
      for (const path of ["/", "/app.js", "/styles.css", "/sw.js"]) {
        const res = await fetch(`${worker.httpUrl}${path}`);
        expect(res.status, path).toBe(200);
        const csp = res.headers.get("content-security-policy") ?? "";
        for (const directive of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "connect-src 'self' ws: wss:", "worker-src 'self'", "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"]) {
          expect(csp, `${path}: ${directive}`).toContain(directive);
        }
        expect(csp).not.toMatch(/unsafe-inline|unsafe-eval/);
        expect(res.headers.get("x-content-type-options"), path).toBe("nosniff");
        expect(res.headers.get("referrer-policy"), path).toBe("no-referrer");
      }
      expect((await fetch(`${worker.httpUrl}/_headers`)).status).toBe(404);
    });
  });

  describe("the API's answers", () => {
    it("are never sniffed or framed; the ICE servers are never cached", async () => {
      for (const path of ["/api/search?q=anything", "/api/search?q=%CC%81%CC%81*", "/api/stats", "/api/rtc-config", "/health"]) {
        const res = await fetch(`${worker.httpUrl}${path}`);
        expect(res.headers.get("x-content-type-options"), path).toBe("nosniff");
        expect(res.headers.get("content-security-policy"), path).toBe("default-src 'none'; frame-ancestors 'none'");
      }
      expect((await fetch(`${worker.httpUrl}/api/rtc-config`)).headers.get("cache-control")).toBe("private, no-store");
    });

    it("include the tracker's: its numbers never sniffed or framed, its stats page under a policy of its own", async () => {
      for (const path of ["/stats.json", "/metrics"]) {
        const res = await fetch(`${worker.httpUrl}${path}`);
        expect(res.status, path).toBe(200);
        expect(res.headers.get("content-security-policy"), path).toBe("default-src 'none'; frame-ancestors 'none'");
      }
      const page = await fetch(`${worker.httpUrl}/stats`);
      expect(page.status).toBe(200);
      expect(page.headers.get("content-security-policy")).toBe(
        "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
      );
      expect(page.headers.get("x-content-type-options")).toBe("nosniff");
    });
  });

  describe("a publish from another site's page", () => {
    it("is refused with a 403 and no CORS grant; this site's own page and plain clients publish", async () => {
      const form = () => {
        const body = new FormData();
        body.append("torrent", new Blob([new TextEncoder().encode("d4:infod6:lengthi1e4:name5:x.bin12:piece lengthi16384e6:pieces20:aaaaaaaaaaaaaaaaaaaaee")]), "x.torrent");
        return body;
      };
      const own = address();
      const refused = await publish({ origin: "https://evil.example", "sec-fetch-site": "cross-site", ...from(own) }, form());
      expect(refused.status).toBe(403);
      expect(refused.headers.get("access-control-allow-origin")).toBeNull();
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("cross_site");
      expect((await publish({ origin: worker.httpUrl, "sec-fetch-site": "same-origin", ...from(own) }, form())).status).toBe(201);
      expect((await publish({ ...from(own) })).status).toBe(201);
    });
  });

  describe("one address publishing too fast", () => {
    it("gets a 429 with Retry-After after wrangler.toml's 20 writes a minute; another address still publishes", async () => {
      const busy = address();
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++) statuses.push((await publish(from(busy))).status);
      expect(statuses).toEqual(Array.from({ length: 20 }, () => 201));
      const limited = await publish(from(busy));
      expect(limited.status).toBe(429);
      expect(limited.headers.get("retry-after")).toBe("60");
      expect(await limited.json()).toEqual({ error: { code: "rate_limited", message: expect.stringMatching(/too many writes/) } });
      let other = address();
      while (other === busy) other = address();
      expect((await publish(from(other))).status).toBe(201);
    });
  });
});
