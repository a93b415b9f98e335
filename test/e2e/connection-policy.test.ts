// client/lib's policies for the WebRTC connections a tracker introduces: one connection per peer when both
// offered at once (on a real webtorrent torrent, whose internals the rule relies on), and the re-announce
// after a failed handshake (on stand-ins, with fake timers).
import { EventEmitter } from "node:events";
import type WebTorrent from "webtorrent";
import type { Torrent } from "webtorrent";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { retryFailedHandshakes } from "../../client/lib/handshake-retry";
import { createNodeClient } from "../../client/lib/node-peer";
import { wasSuperseded } from "../../client/lib/offer-glare";
import { nextEvent } from "./wait";

/** A stand-in for a simple-peer connection that never opens. */
function connection(remotePeerId: string, initiator: boolean) {
  const conn = Object.assign(new EventEmitter(), {
    id: remotePeerId,
    initiator,
    connected: false,
    destroyed: false,
    destroy: () => {
      if (conn.destroyed) return;
      conn.destroyed = true;
      conn.emit("close");
    },
  });
  return conn;
}

type Registry = { _peers: Map<string, { conn: unknown }> };
const registered = (torrent: Torrent, peerId: string) => (torrent as unknown as Registry)._peers.get(peerId)?.conn;

describe("resolveOfferGlare, on a real webtorrent torrent", () => {
  const localPeerId = "5".repeat(40);
  const smaller = "1".repeat(40);
  const larger = "9".repeat(40);
  let client: WebTorrent;
  let torrent: Torrent;

  beforeAll(async () => {
    client = createNodeClient({ peerId: localPeerId, handshakeRetry: false });
    // An info hash alone and no trackers: nothing is contacted, peers are added by hand.
    torrent = client.add("0123456789abcdef0123456789abcdef01234567", { announce: [] });
    if (!torrent.infoHash) await nextEvent(torrent, "infoHash", 5_000);
  });

  afterAll(async () => {
    await new Promise<void>((resolve) => client.destroy(() => resolve()));
  });

  it("keeps our own offer's connection to a peer with a larger id, whichever registered first", () => {
    const theirs = connection(larger, false); // we answered their offer
    const ours = connection(larger, true); // they answered ours
    torrent.addPeer(theirs);
    expect(registered(torrent, larger)).toBe(theirs);

    torrent.addPeer(ours);
    expect(registered(torrent, larger)).toBe(ours);
    expect(theirs.destroyed).toBe(true);
    expect(wasSuperseded(theirs)).toBe(true);
    expect(ours.destroyed).toBe(false);
  });

  it("keeps the connection a peer with a smaller id offered, and refuses our twin as a duplicate", () => {
    const theirs = connection(smaller, false);
    const ours = connection(smaller, true);
    torrent.addPeer(theirs);
    torrent.addPeer(ours);
    expect(registered(torrent, smaller)).toBe(theirs);
    expect(ours.destroyed).toBe(true);
    expect(theirs.destroyed).toBe(false);
  });
});

describe("retryFailedHandshakes", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  /** Just enough of a WebTorrent client and torrent to drive the policy. */
  function standIn() {
    const client = Object.assign(new EventEmitter(), { torrents: [] as unknown[] });
    const torrent = Object.assign(new EventEmitter(), {
      destroyed: false,
      reannounces: 0,
      discovery: { tracker: { update: () => torrent.reannounces++ } },
    });
    retryFailedHandshakes(client as unknown as WebTorrent, { firstDelayMs: 1_000, maxDelayMs: 3_000, maxAttempts: 3 });
    client.emit("add", torrent);
    /** A WebRTC connection the tracker introduced; it fails (closes before opening) or opens. */
    const introduce = (outcome: "fails" | "opens") => {
      const conn = connection("2".repeat(40), true);
      torrent.emit("peer", conn);
      if (outcome === "opens") conn.emit("connect");
      conn.destroy();
    };
    return { torrent, introduce };
  }

  it("re-announces a while after a connection closed before it opened, once for failures close together", () => {
    const { torrent, introduce } = standIn();
    introduce("fails");
    introduce("fails");
    vi.advanceTimersByTime(999);
    expect(torrent.reannounces).toBe(0);
    vi.advanceTimersByTime(1);
    expect(torrent.reannounces).toBe(1);
    vi.advanceTimersByTime(60_000);
    expect(torrent.reannounces).toBe(1);
  });

  it("ignores connections that opened, backs off, and gives up after maxAttempts until a connection opens", () => {
    const { torrent, introduce } = standIn();
    introduce("opens");
    vi.advanceTimersByTime(60_000);
    expect(torrent.reannounces).toBe(0);

    for (const [attempt, delay] of [1_000, 2_000, 3_000].entries()) {
      introduce("fails");
      vi.advanceTimersByTime(delay - 1);
      expect(torrent.reannounces).toBe(attempt);
      vi.advanceTimersByTime(1);
      expect(torrent.reannounces).toBe(attempt + 1);
    }
    introduce("fails");
    vi.advanceTimersByTime(60_000);
    expect(torrent.reannounces).toBe(3);

    introduce("opens");
    introduce("fails");
    vi.advanceTimersByTime(1_000);
    expect(torrent.reannounces).toBe(4);
  });

  it("does not re-announce for a torrent that is gone", () => {
    const { torrent, introduce } = standIn();
    introduce("fails");
    torrent.destroyed = true;
    torrent.emit("close");
    vi.advanceTimersByTime(60_000);
    expect(torrent.reannounces).toBe(0);
  });
});
