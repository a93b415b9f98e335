// /stats, /stats.json and /metrics after a run with known peers: WebRTC and HTTP peers, their clients, and the
// activity the swarms reported — all read from what each swarm pushed to D1.
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { TrackerStats } from "../../protocol/tracker-stats";
import { TrackerSocket, bin, hexOf, randomInfoHash } from "./tracker-client";

const escape = (binary: string) => [...binary].map((ch) => `%${ch.charCodeAt(0).toString(16).padStart(2, "0")}`).join("");
/** A peer id with a client's prefix (Azureus style): qBittorrent 4.6.0, WebTorrent 2.0.0. */
const peerId = (prefix: string, fill: string) => prefix + fill.repeat(20 - prefix.length);

async function stats(): Promise<TrackerStats> {
  const res = await SELF.fetch("http://tracker.test/stats.json");
  expect(res.status).toBe(200);
  return TrackerStats.parse(await res.json());
}

describe("the tracker's statistics", () => {
  it("count peers by transport and client, and the activity, on all three routes", async () => {
    const before = await stats();
    const hash = randomInfoHash();
    // Two WebTorrent peers (one seeding) over WebSocket, one qBittorrent leecher over HTTP.
    const seeder = await TrackerSocket.open(`/announce/${hexOf(hash)}`);
    await seeder.announce({ info_hash: hash, peer_id: peerId("-WW0200-", "s"), left: 0 });
    const leecher = await TrackerSocket.open("/announce");
    await leecher.announce({ info_hash: hash, peer_id: peerId("-WW0200-", "l"), left: 5 });
    const http = await SELF.fetch(
      `http://tracker.test/announce?info_hash=${escape(hash)}&peer_id=${escape(peerId("-qB4600-", "q"))}&port=6881&left=9&compact=1`,
      { headers: { "cf-connecting-ip": "192.0.2.44" } },
    );
    expect(http.status).toBe(200);
    // A refusal of its own: an unsolicited answer.
    seeder.send({ action: "announce", info_hash: hash, peer_id: peerId("-WW0200-", "s"), to_peer_id: bin("z"), offer_id: bin("o"), answer: { type: "answer", sdp: "x" } });
    await seeder.waitFor((f) => f["failure reason"] !== undefined);

    const after = await expect
      .poll(async () => {
        const s = await stats();
        return s.peers.total - before.peers.total === 3 && s.peers.http.leechers - before.peers.http.leechers === 1 ? s : undefined;
      }, { timeout: 8000, interval: 200 })
      .toBeDefined()
      .then(() => stats());
    expect(after.swarms - before.swarms).toBe(1);
    expect(after.peers.webrtc.seeders - before.peers.webrtc.seeders).toBe(1);
    expect(after.peers.webrtc.leechers - before.peers.webrtc.leechers).toBe(1);
    const clients = Object.fromEntries(after.clients.map((c) => [c.client, c.peers]));
    const beforeClients = Object.fromEntries(before.clients.map((c) => [c.client, c.peers]));
    expect((clients.WebTorrent ?? 0) - (beforeClients.WebTorrent ?? 0)).toBe(2);
    expect((clients.qBittorrent ?? 0) - (beforeClients.qBittorrent ?? 0)).toBe(1);
    expect(after.activity.announces_per_second).toBeGreaterThan(0);

    const metrics = await (await SELF.fetch("http://tracker.test/metrics")).text();
    expect(metrics).toContain(`edgeswarm_peers{transport="http",role="leecher"} ${after.peers.http.leechers}`);
    expect(metrics).toMatch(/^# TYPE edgeswarm_swarms gauge$/m);
    expect(metrics).toContain(`edgeswarm_client_peers{client="qBittorrent"} ${clients.qBittorrent}`);

    const page = await SELF.fetch("http://tracker.test/stats");
    expect(page.headers.get("content-type")).toMatch(/text\/html/);
    // Its own policy (static assets' _headers do not reach it): this origin's stylesheet and icon, no script.
    expect(page.headers.get("content-security-policy")).toBe(
      "default-src 'none'; style-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    );
    expect(page.headers.get("x-content-type-options")).toBe("nosniff");
    for (const path of ["/stats.json", "/metrics"]) {
      expect((await SELF.fetch(`http://tracker.test${path}`)).headers.get("content-security-policy"), path).toBe("default-src 'none'; frame-ancestors 'none'");
    }
    const html = await page.text();
    expect(html).toContain(`data-testid="stat-peers">${after.peers.total.toLocaleString("en-US")}<`);
    expect(html).toContain("HTTP (desktop clients)");
  });
});
