// The tracker's statistics as `/stats.json` serves them (and `/stats`, `/metrics` render them). Gathered from
// the counts and activity each swarm pushes to D1 — no object sees them all. Layer: protocol (imports only zod).
import { z } from "zod";

const Count = z.number().int().nonnegative();
const Rate = z.number().nonnegative();

export const TrackerStats = z.object({
  /** When the numbers were read (ISO time). */
  generated: z.string(),
  swarms: Count,
  torrents_listed: Count,
  peers: z.object({
    total: Count,
    seeders: Count,
    leechers: Count,
    /** By transport: WebRTC (browser/WebTorrent peers on the WebSocket tracker) and HTTP (desktop clients). */
    webrtc: z.object({ seeders: Count, leechers: Count }),
    http: z.object({ seeders: Count, leechers: Count }),
  }),
  /** Peers by client software (from peer-id prefixes), most first. */
  clients: z.array(z.object({ client: z.string(), peers: Count })),
  /** Activity per second, over the swarms that reported within `activity_window_seconds`. */
  activity: z.object({
    announces_per_second: Rate,
    offers_relayed_per_second: Rate,
    answers_relayed_per_second: Rate,
    refusals_per_second: z.array(z.object({ reason: z.string(), per_second: Rate })),
  }),
  activity_window_seconds: Count,
});
export type TrackerStats = z.infer<typeof TrackerStats>;
