// bittorrent-tracker's own Client (what webtorrent uses underneath) against the local server, on both hosts
// (workerd, Deno) and both tracker endpoints: the counts in its `update` (announce replies) and `scrape` events follow start/update/complete/stop.
import { randomBytes } from "node:crypto";
import { Client, type AnnounceResponse, type ScrapeResponse } from "bittorrent-tracker";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { LOOPBACK_RTC } from "../../client/lib/node-peer";
import { installNodeWebRtcFixes } from "../../client/lib/webrtc-node";
import { hostsUnderTest, startLocalHost, type LocalHost } from "../../scripts/local-host";
import { nextEvent, within } from "./wait";

const REPLY_MS = 10_000;

/** The host of the `describe` running now; the default 120 s interval, so no periodic re-announce can slip an
 * extra `update` between the steps. */
let worker: LocalHost;
const clients: Client[] = [];

beforeAll(() => {
  // Announces carry real WebRTC offers; without the fix each would wait out simple-peer's 5 s ICE timeout.
  installNodeWebRtcFixes();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => new Promise<void>((resolve) => c.destroy(() => resolve()))));
});

type Tracked = { client: Client; warnings: string[] };

/**
 * One client, on its own connection: bittorrent-tracker pools one socket per URL for the whole process, and
 * two clients of one torrent on one socket would each take the other's announce replies as their own.
 */
function trackerClient(announceUrl: string, infoHash: string, role: string): Tracked {
  const client = new Client({
    infoHash,
    peerId: randomBytes(20).toString("hex"),
    announce: [`${announceUrl}?client=${role}`],
    port: 6881,
    rtcConfig: { ...LOOPBACK_RTC },
  });
  const warnings: string[] = [];
  client.on("warning", (error) => warnings.push(error.message));
  client.on("error", (error) => warnings.push(`error: ${error.message}`));
  // Offers are relayed between the two clients; this test is about counts, so the connections are dropped.
  client.on("peer", (peer) => peer.destroy());
  clients.push(client);
  return { client, warnings };
}

async function counts(client: Client, act: () => void, what: string) {
  const reply = nextEvent<[AnnounceResponse]>(client, "update", REPLY_MS, `announce reply to ${what}`);
  act();
  const [data] = await reply;
  return { complete: data.complete, incomplete: data.incomplete };
}

async function scrape(client: Client, infoHashes?: string[]) {
  const expected = infoHashes?.length ?? 1;
  const replies = new Promise<ScrapeResponse[]>((resolve) => {
    const received: ScrapeResponse[] = [];
    const onScrape = (data: ScrapeResponse) => {
      received.push(data);
      if (received.length < expected) return;
      client.off("scrape", onScrape);
      resolve(received);
    };
    client.on("scrape", onScrape);
  });
  client.scrape(infoHashes ? { infoHash: infoHashes } : undefined);
  const result = await within(replies, REPLY_MS, `${expected} scrape result(s)`);
  return Object.fromEntries(result.map((r) => [r.infoHash, { complete: r.complete, incomplete: r.incomplete, downloaded: r.downloaded }]));
}

const endpoints = [
  { name: "/announce", url: (_: string) => `${worker.wsUrl}/announce` },
  { name: "/announce/<info hash>", url: (infoHash: string) => `${worker.wsUrl}/announce/${infoHash}` },
];

describe.each(hostsUnderTest())("on %s", (host) => {
  beforeAll(async () => {
    worker = await startLocalHost({ host });
  });

  afterAll(async () => {
    await worker?.stop();
  });

  describe.each(endpoints)("bittorrent-tracker's Client on $name", ({ url }) => {
    it("sees the swarm's counts through start, update, complete and stop, and in scrapes", async () => {
      const infoHash = randomBytes(20).toString("hex");
      const seeder = trackerClient(url(infoHash), infoHash, "seeder");
      const leecher = trackerClient(url(infoHash), infoHash, "leecher");

      expect(await counts(seeder.client, () => seeder.client.start({ left: 0 }), "the seeder's start")).toEqual({ complete: 1, incomplete: 0 });
      expect(await counts(leecher.client, () => leecher.client.start({ left: 4096 }), "the leecher's start")).toEqual({ complete: 1, incomplete: 1 });
      expect(await counts(leecher.client, () => leecher.client.update({ left: 1024, downloaded: 3072 }), "the leecher's update")).toEqual({ complete: 1, incomplete: 1 });
      expect(await scrape(leecher.client)).toEqual({ [infoHash]: { complete: 1, incomplete: 1, downloaded: 0 } });

      expect(await counts(leecher.client, () => leecher.client.complete({ left: 0, downloaded: 4096 }), "the leecher's complete")).toEqual({ complete: 2, incomplete: 0 });
      expect(await scrape(seeder.client)).toEqual({ [infoHash]: { complete: 2, incomplete: 0, downloaded: 1 } });

      expect(await counts(seeder.client, () => seeder.client.stop({ left: 0 }), "the seeder's stop")).toEqual({ complete: 1, incomplete: 0 });
      expect(await scrape(leecher.client)).toEqual({ [infoHash]: { complete: 1, incomplete: 0, downloaded: 1 } });

      expect([...seeder.warnings, ...leecher.warnings]).toEqual([]);
    });

    it("scrapes several info hashes in one request, unknown ones as zeros", async () => {
      const infoHash = randomBytes(20).toString("hex");
      const unknown = randomBytes(20).toString("hex");
      const peer = trackerClient(url(infoHash), infoHash, "peer");

      expect(await counts(peer.client, () => peer.client.start({ left: 100 }), "start")).toEqual({ complete: 0, incomplete: 1 });
      expect(await scrape(peer.client, [infoHash, unknown])).toEqual({
        [infoHash]: { complete: 0, incomplete: 1, downloaded: 0 },
        [unknown]: { complete: 0, incomplete: 0, downloaded: 0 },
      });
      expect(peer.warnings).toEqual([]);
    });
  });
});
