import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { mintTurnCredentials, turnTtlSeconds, turnUrlsFrom } from "../../worker/rtc/turn-credentials";

describe("minting a TURN credential (TURN REST scheme, coturn use-auth-secret)", () => {
  const nowMs = Date.UTC(2026, 4, 1, 12, 0, 0, 750);

  it("names the expiry in unix seconds, then the request's id", async () => {
    const minted = await mintTurnCredentials({ secret: "s3cret", ttlSeconds: 3600, nowMs, id: "abc123" });
    expect(minted.expiresAtSeconds).toBe(Math.floor(nowMs / 1000) + 3600);
    expect(minted.username).toBe(`${minted.expiresAtSeconds}:abc123`);
  });

  it("signs the username with HMAC-SHA1 of the shared secret, base64", async () => {
    const minted = await mintTurnCredentials({ secret: "s3cret", ttlSeconds: 600, nowMs });
    // Node's own HMAC, not the module's Web Crypto path: what coturn recomputes.
    expect(minted.credential).toBe(createHmac("sha1", "s3cret").update(minted.username).digest("base64"));
  });

  it("gives every request its own username", async () => {
    const [a, b] = await Promise.all([1, 2].map(() => mintTurnCredentials({ secret: "s", ttlSeconds: 600, nowMs })));
    expect(a!.username).not.toBe(b!.username);
    expect(a!.username).toMatch(/^\d+:[0-9a-f]{16}$/);
  });

  it("leaves the id out when asked to (username = expiry alone)", async () => {
    const minted = await mintTurnCredentials({ secret: "s", ttlSeconds: 600, nowMs, id: "" });
    expect(minted.username).toBe(String(Math.floor(nowMs / 1000) + 600));
  });
});

describe("the TURN_TTL_SECONDS setting", () => {
  it("defaults to an hour when unset or not a positive number", () => {
    for (const setting of [undefined, "", " ", "abc", "0", "-5"]) expect(turnTtlSeconds(setting)).toBe(3600);
  });

  it("is never beyond 24 hours nor below a minute", () => {
    expect(turnTtlSeconds("100000")).toBe(86_400);
    expect(turnTtlSeconds("86400")).toBe(86_400);
    expect(turnTtlSeconds("5")).toBe(60);
    expect(turnTtlSeconds("900.7")).toBe(900);
  });
});

describe("the TURN_URLS setting", () => {
  it("keeps turn: and turns: URLs and sets the rest apart", () => {
    expect(turnUrlsFrom(" turn:turn.example.net:3478?transport=udp, turns:turn.example.net:5349?transport=tcp,,stun:x:3478, http://nope")).toEqual({
      urls: ["turn:turn.example.net:3478?transport=udp", "turns:turn.example.net:5349?transport=tcp"],
      rejected: ["stun:x:3478", "http://nope"],
    });
    expect(turnUrlsFrom(undefined)).toEqual({ urls: [], rejected: [] });
  });
});
