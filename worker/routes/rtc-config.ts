// GET /api/rtc-config: the STUN/TURN servers peers should use, from deployment settings. Layer: adapter.
// ICE_SERVERS holds a JSON array of RTCIceServer objects (a secret when it carries TURN credentials);
// unset means none, which is right on localhost where peers meet directly. With TURN_SECRET and TURN_URLS set,
// every reply also carries a TURN credential minted for this request (issue 16; worker/rtc/turn-credentials.ts).
import { Hono } from "hono";
import { z } from "zod";
import { IceServer, type RtcConfig } from "../../protocol/rtc-config";
import type { Env } from "../env";
import { mintTurnCredentials, turnTtlSeconds, turnUrlsFrom } from "../rtc/turn-credentials";

export const rtcConfigRoutes = new Hono<{ Bindings: Env }>();

// Per peer, possibly with credentials in it: no shared cache may keep or hand it to anyone else.
const NO_STORE = { "cache-control": "private, no-store" } as const;

export function iceServersFrom(setting: string | undefined): IceServer[] {
  if (!setting?.trim()) return [];
  try {
    return z.array(IceServer).parse(JSON.parse(setting));
  } catch (error) {
    // A broken setting must not take peers down: log it and fall back to direct connections only.
    console.error("rtc-config: ICE_SERVERS is not a JSON array of ice servers", { error: String(error) });
    return [];
  }
}

/** The TURN URLs to mint credentials for, or null when minting is off (no secret, or no usable URL). */
function turnUrls(env: Env): string[] | null {
  if (!env.TURN_SECRET) return null;
  const { urls, rejected } = turnUrlsFrom(env.TURN_URLS);
  if (rejected.length > 0) console.error("rtc-config: TURN_URLS entries that are not turn:/turns: URLs are ignored", { rejected });
  if (urls.length === 0) {
    console.error("rtc-config: TURN_SECRET is set but TURN_URLS names no turn:/turns: URL; handing out ICE_SERVERS only");
    return null;
  }
  return urls;
}

rtcConfigRoutes.get("/rtc-config", async (c) => {
  const iceServers = iceServersFrom(c.env.ICE_SERVERS);
  const urls = turnUrls(c.env);
  if (!urls) return c.json({ iceServers } satisfies RtcConfig, 200, NO_STORE);

  // Every byte through a relay is paid twice (in from one peer, out to the other): credentials are rationed
  // per client address. Static replies cost nothing and stay unlimited (labs start many peers on one host).
  const limiter = c.env.RTC_CONFIG_LIMITER;
  const address = c.req.header("cf-connecting-ip") ?? "unknown";
  if (limiter && !(await limiter.limit({ key: address })).success) {
    return c.json(
      { error: { code: "rate_limited", message: "too many requests for TURN credentials from this address; try again in a minute" } },
      429,
      { ...NO_STORE, "retry-after": "60" },
    );
  }

  const ttlSeconds = turnTtlSeconds(c.env.TURN_TTL_SECONDS);
  const minted = await mintTurnCredentials({ secret: c.env.TURN_SECRET!, ttlSeconds, nowMs: Date.now() });
  const body: RtcConfig = {
    iceServers: [...iceServers, { urls, username: minted.username, credential: minted.credential }],
    expiresAt: new Date(minted.expiresAtSeconds * 1000).toISOString(),
    ttlSeconds,
  };
  return c.json(body, 200, NO_STORE);
});
