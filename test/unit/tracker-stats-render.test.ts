// The stats page and Prometheus text render what they are given, escaped.
import { describe, expect, it } from "vitest";
import type { TrackerStats } from "../../protocol/tracker-stats";
import { metricsText, statsPage } from "../../worker/tracker-stats/render";

const stats: TrackerStats = {
  generated: "2026-12-06T00:00:00.000Z",
  swarms: 2,
  torrents_listed: 5,
  peers: { total: 7, seeders: 3, leechers: 4, webrtc: { seeders: 2, leechers: 3 }, http: { seeders: 1, leechers: 1 } },
  clients: [{ client: 'Evil "client"\n<script>', peers: 7 }],
  activity: { announces_per_second: 1.5, offers_relayed_per_second: 6, answers_relayed_per_second: 5, refusals_per_second: [{ reason: "swarm is full", per_second: 0.25 }] },
  activity_window_seconds: 600,
};

describe("the tracker's metrics", () => {
  it("are Prometheus gauges with escaped labels", () => {
    const text = metricsText(stats);
    expect(text).toContain('edgeswarm_peers{transport="http",role="seeder"} 1');
    expect(text).toContain('edgeswarm_client_peers{client="Evil \\"client\\"\\n<script>"} 7');
    expect(text).toContain('edgeswarm_refusals_per_second{reason="swarm is full"} 0.25');
    for (const line of text.trim().split("\n")) expect(line).toMatch(/^(# (HELP|TYPE) \w+ .+|\w+(\{.*\})? [0-9.e+-]+)$/);
  });

  it("and the page escape what peers chose", () => {
    const html = statsPage(stats);
    expect(html).not.toContain("<script>");
    expect(html).toContain("Evil &quot;client&quot;");
    expect(html).toContain('data-testid="stat-peers">7<');
  });
});
