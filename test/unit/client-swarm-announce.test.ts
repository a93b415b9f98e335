// The announce hook against a stand-in for WebTorrent's Torrent that merges parsed torrents the way
// webtorrent 3's lib/torrent.js `_processParsedTorrent` does (append `this.announce`, dedupe, derive).
import { EventEmitter } from "node:events";
import type WebTorrent from "webtorrent";
import { describe, expect, it } from "vitest";
import { announceOnSwarmSockets } from "../../client/lib/swarm-announce";

const HASH = "c9e15763f722f23e98a29decdfae341b98d53056";
const swarmUrl = (hash: string) => `ws://127.0.0.1:8787/announce/${hash}`;

type Parsed = { infoHash?: string; announce?: string[]; xs?: string; peerAddresses?: string[] };

class FakeTorrent extends EventEmitter {
  announce: string[];
  derivedAnnounce: string[] = [];
  constructor(optsAnnounce: string[] = []) {
    super();
    this.announce = optsAnnounce;
  }
  _processParsedTorrent(parsed: Parsed): void {
    if (Array.isArray(this.announce)) parsed.announce = (parsed.announce ?? []).concat(this.announce);
    parsed.announce = Array.from(new Set(parsed.announce));
    Object.assign(this, parsed);
    this.derivedAnnounce = [...parsed.announce]; // what magnetURI and torrentFile are made of
  }
}

function clientWith(torrent: FakeTorrent): WebTorrent {
  const client = new EventEmitter() as unknown as WebTorrent & { torrents: FakeTorrent[] };
  (client as unknown as { torrents: FakeTorrent[] }).torrents = [torrent];
  return client;
}

describe("announcing on the swarm's own socket", () => {
  it("gives a new seed (created without trackers) its swarm URL once the hash is known", () => {
    const torrent = new FakeTorrent([]);
    announceOnSwarmSockets(clientWith(torrent), { swarmUrl });
    torrent._processParsedTorrent({ infoHash: HASH, announce: [] });
    expect(torrent.derivedAnnounce).toEqual([swarmUrl(HASH)]);
    expect(torrent.announce).toEqual([swarmUrl(HASH)]);
  });

  it("puts ours first, keeps other deployments' trackers and drops this deployment's other URLs", () => {
    const torrent = new FakeTorrent();
    announceOnSwarmSockets(clientWith(torrent), { swarmUrl });
    torrent._processParsedTorrent({ infoHash: HASH, announce: ["ws://127.0.0.1:8787/announce", "wss://tracker.example/announce"] });
    expect(torrent.derivedAnnounce).toEqual([swarmUrl(HASH), "wss://tracker.example/announce"]);
  });

  it("tags only the URL the tracker client uses, never the magnet's, across a second pass", () => {
    const torrent = new FakeTorrent();
    announceOnSwarmSockets(clientWith(torrent), { swarmUrl, socketTag: "leecher-1" });
    torrent._processParsedTorrent({ infoHash: HASH, announce: [swarmUrl(HASH)] });
    expect(torrent.derivedAnnounce).toEqual([swarmUrl(HASH)]);
    expect(torrent.announce).toEqual([`${swarmUrl(HASH)}?peer=leecher-1`]);
    // Metadata from peers (a magnet download) is merged again; so is the torrent itself when it had the info.
    torrent._processParsedTorrent({ infoHash: HASH, announce: [] });
    expect(torrent.derivedAnnounce).toEqual([swarmUrl(HASH)]);
    expect(torrent.announce).toEqual([`${swarmUrl(HASH)}?peer=leecher-1`]);
    torrent._processParsedTorrent(torrent as unknown as Parsed);
    expect(torrent.derivedAnnounce).toEqual([swarmUrl(HASH)]);
    expect(torrent.announce).toEqual([`${swarmUrl(HASH)}?peer=leecher-1`]);
  });

  it("hooks torrents added later", () => {
    const client = new EventEmitter() as unknown as WebTorrent;
    (client as unknown as { torrents: FakeTorrent[] }).torrents = [];
    announceOnSwarmSockets(client, { swarmUrl });
    const torrent = new FakeTorrent();
    client.emit("add", torrent as never);
    torrent._processParsedTorrent({ infoHash: HASH });
    expect(torrent.derivedAnnounce).toEqual([swarmUrl(HASH)]);
  });
});

describe("a link from a stranger (issue 10)", () => {
  it("never makes the peer fetch its xs= URL or dial its x.pe= addresses, and drops its trackers unless asked", () => {
    const torrent = new FakeTorrent() as FakeTorrent & { xs?: string; peerAddresses?: string[] };
    announceOnSwarmSockets(clientWith(torrent), { swarmUrl, keepOtherTrackers: false });
    torrent._processParsedTorrent({ infoHash: HASH, announce: ["wss://tracker.evil/announce"], xs: "http://192.168.1.1/admin", peerAddresses: ["10.0.0.1:22"] });
    expect(torrent.derivedAnnounce).toEqual([swarmUrl(HASH)]);
    expect(torrent.xs).toBeUndefined();
    expect(torrent.peerAddresses).toEqual([]);
  });
});
