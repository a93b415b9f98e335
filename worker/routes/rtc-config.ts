// GET /api/rtc-config: the STUN/TURN servers peers should use, from deployment settings. Layer: adapter.
// ICE_SERVERS holds a JSON array of RTCIceServer objects (a secret when it carries TURN credentials);
// unset means none, which is right on localhost where peers meet directly.
import { Hono } from "hono";
import { z } from "zod";
import { IceServer, type RtcConfig } from "../../protocol/rtc-config";
import type { Env } from "../env";

export const rtcConfigRoutes = new Hono<{ Bindings: Env }>();

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

rtcConfigRoutes.get("/rtc-config", (c) => {
  const body: RtcConfig = { iceServers: iceServersFrom(c.env.ICE_SERVERS) };
  // TURN credentials are per deployment and may be short-lived: never kept by shared caches or on disk.
  return c.json(body, 200, { "cache-control": "private, no-store" });
});
