// ICE configuration a deployment hands to its peers (GET /api/rtc-config). Layer: protocol.
import { z } from "zod";

export const IceServer = z.object({
  urls: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  username: z.string().optional(),
  credential: z.string().optional(),
});
export type IceServer = z.infer<typeof IceServer>;

export const RtcConfig = z.object({
  iceServers: z.array(IceServer),
  // Present when the reply carries short-lived TURN credentials (issue 16): when they stop working, so peers
  // fetch fresh ones before then. `ttlSeconds` counts from the reply, which spares clients the server's clock.
  expiresAt: z.iso.datetime().optional(),
  ttlSeconds: z.number().int().positive().optional(),
});
export type RtcConfig = z.infer<typeof RtcConfig>;
