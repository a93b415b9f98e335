import { SELF, createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { RtcConfig } from "../../protocol/rtc-config";
import type { Env } from "../../worker/env";
import worker from "../../worker/index";
import { iceServersFrom } from "../../worker/routes/rtc-config";

// vitest.workers.config.ts sets TURN_SECRET and TURN_URLS, as a deployment next to a TURN server does.
const SECRET = "workers-test-turn-secret";
const TURN_URLS = ["turn:turn.test:3478?transport=udp", "turn:turn.test:3478?transport=tcp"];

/** A fresh client address per test: the rate limiter counts per address, across the whole file. */
const address = () => `198.51.100.${Math.floor(Math.random() * 250) + 1}-${crypto.randomUUID()}`;

const fetchConfig = (from = address()) => SELF.fetch("http://tracker.test/api/rtc-config", { headers: { "cf-connecting-ip": from } });

/** The worker with some settings changed, in this runtime (same bindings, rate limiter included). */
async function fetchWith(settings: Partial<Env>, from = address()): Promise<Response> {
  const request = new Request("http://tracker.test/api/rtc-config", { headers: { "cf-connecting-ip": from } });
  const ctx = createExecutionContext();
  const res = await worker.fetch(request, { ...(env as unknown as Env), ...settings }, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

/** base64(HMAC-SHA1(secret, username)), computed here on its own. */
async function hmacSha1Base64(secret: string, username: string): Promise<string> {
  const key = await crypto.subtle.importKey("raw", new TextEncoder().encode(secret), { name: "HMAC", hash: "SHA-1" }, false, ["sign"]);
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(username)));
  return btoa(String.fromCharCode(...mac));
}

describe("GET /api/rtc-config without TURN_SECRET", () => {
  it("gives no ICE servers by default (peers on localhost meet directly), never cached", async () => {
    const res = await fetchWith({ TURN_SECRET: undefined });
    expect(res.status).toBe(200);
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    expect(await res.json()).toEqual({ iceServers: [] });
  });

  it("hands out the static ICE_SERVERS as they are", async () => {
    const turn = { urls: ["turn:turn.example.net:3478?transport=udp"], username: "u", credential: "c" };
    const res = await fetchWith({ TURN_SECRET: undefined, ICE_SERVERS: JSON.stringify([{ urls: "stun:stun.example.net:3478" }, turn]) });
    expect(await res.json()).toEqual({ iceServers: [{ urls: "stun:stun.example.net:3478" }, turn] });
  });

  it("reads STUN/TURN servers from the ICE_SERVERS setting and ignores a broken one", () => {
    const turn = { urls: ["turn:turn.example.net:3478?transport=udp"], username: "u", credential: "c" };
    expect(iceServersFrom(JSON.stringify([{ urls: "stun:stun.example.net:3478" }, turn]))).toEqual([{ urls: "stun:stun.example.net:3478" }, turn]);
    expect(iceServersFrom("{not json")).toEqual([]);
    expect(iceServersFrom(JSON.stringify([{ nope: 1 }]))).toEqual([]);
  });
});

describe("GET /api/rtc-config with TURN_SECRET and TURN_URLS", () => {
  it("mints a TURN credential for this request: expiry in the username, HMAC-SHA1 of the secret as credential", async () => {
    const before = Math.floor(Date.now() / 1000);
    const res = await fetchConfig();
    const after = Math.floor(Date.now() / 1000);
    expect(res.status).toBe(200);
    const body = RtcConfig.parse(await res.json());
    expect(body.iceServers).toHaveLength(1);
    const [turn] = body.iceServers;
    expect(turn!.urls).toEqual(TURN_URLS);
    const [expiry, id] = turn!.username!.split(":");
    expect(Number(expiry)).toBeGreaterThanOrEqual(before + 3600);
    expect(Number(expiry)).toBeLessThanOrEqual(after + 3600);
    expect(id).toMatch(/^[0-9a-f]{16}$/);
    expect(turn!.credential).toBe(await hmacSha1Base64(SECRET, turn!.username!));
    // When the credential stops working, both ways: absolute and relative to the reply.
    expect(body.ttlSeconds).toBe(3600);
    expect(body.expiresAt).toBe(new Date(Number(expiry) * 1000).toISOString());
  });

  it("is private to its requester and never stored", async () => {
    const res = await fetchConfig();
    expect(res.headers.get("cache-control")).toBe("private, no-store");
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  });

  it("mints a new username on every request", async () => {
    const from = address();
    const a = RtcConfig.parse(await (await fetchConfig(from)).json());
    const b = RtcConfig.parse(await (await fetchConfig(from)).json());
    expect(a.iceServers[0]!.username).not.toBe(b.iceServers[0]!.username);
  });

  it("keeps the STUN servers of ICE_SERVERS in front of the minted TURN entry", async () => {
    const body = RtcConfig.parse(await (await fetchWith({ ICE_SERVERS: JSON.stringify([{ urls: "stun:stun.test:3478" }]) })).json());
    expect(body.iceServers[0]).toEqual({ urls: "stun:stun.test:3478" });
    expect(body.iceServers[1]!.urls).toEqual(TURN_URLS);
  });

  it("takes the lifetime from TURN_TTL_SECONDS, capped at 24 hours", async () => {
    const short = RtcConfig.parse(await (await fetchWith({ TURN_TTL_SECONDS: "600" })).json());
    expect(short.ttlSeconds).toBe(600);
    const now = Math.floor(Date.now() / 1000);
    const capped = RtcConfig.parse(await (await fetchWith({ TURN_TTL_SECONDS: "1000000" })).json());
    expect(capped.ttlSeconds).toBe(86_400);
    const expiry = Number(capped.iceServers[0]!.username!.split(":")[0]);
    expect(expiry - now).toBeGreaterThanOrEqual(86_400 - 1);
    expect(expiry - now).toBeLessThanOrEqual(86_400 + 1);
    expect(Date.parse(capped.expiresAt!) / 1000).toBe(expiry);
  });

  it("falls back to ICE_SERVERS alone when TURN_URLS names no TURN server", async () => {
    const res = await fetchWith({ TURN_URLS: "stun:stun.test:3478" });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ iceServers: [] });
  });

  it("answers 429 with the JSON error shape past 30 requests a minute from one address", async () => {
    const from = address();
    for (let i = 0; i < 30; i++) expect((await fetchConfig(from)).status, `request ${i + 1}`).toBe(200);
    const refused = await fetchConfig(from);
    expect(refused.status).toBe(429);
    expect(refused.headers.get("retry-after")).toBe("60");
    expect(refused.headers.get("cache-control")).toBe("private, no-store");
    expect(await refused.json()).toEqual({ error: { code: "rate_limited", message: expect.stringContaining("TURN credentials") } });
    // Another address is not held back by this one.
    expect((await fetchConfig(address())).status).toBe(200);
  });
});
