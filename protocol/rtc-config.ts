// ICE configuration a deployment hands to its peers (GET /api/rtc-config). Layer: protocol.
import { z } from "zod";

export const IceServer = z.object({
  urls: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  username: z.string().optional(),
  credential: z.string().optional(),
});
export type IceServer = z.infer<typeof IceServer>;

export const RtcConfig = z.object({ iceServers: z.array(IceServer) });
export type RtcConfig = z.infer<typeof RtcConfig>;
