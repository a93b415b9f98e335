// Malformed and oversized frames against the real local server, on both hosts (workerd, Deno) and both tracker
// endpoints: each gets the protocol's answer — the same on both hosts — and the swarm keeps serving: a fresh
// peer still announces, receives an offer and gets its answer relayed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLOSE_CODES, TRACKER_LIMITS } from "../../protocol/tracker";
import { hostsUnderTest, startLocalHost, type LocalHost } from "../../scripts/local-host";
import {
  TrackerSocket,
  announceFrame,
  answerFrame,
  isAnnounceReply,
  isAnswer,
  isFailure,
  isOffer,
  isScrapeReply,
  idFromBinary,
  randomId,
  type Id,
} from "./tracker-socket";
import { eventually } from "./wait";

const REPLY_MS = 10_000;
const FAKE_SDP = "v=0\r\no=- 1 0 IN IP4 127.0.0.1\r\ns=-\r\n";

/** The host of the `describe` running now (one per host, started once for all its tests). */
let worker: LocalHost;
const open: TrackerSocket[] = [];

const endpoints = [
  { name: "/announce (one connection, many swarms)", url: (_: Id) => `${worker.wsUrl}/announce` },
  { name: "/announce/<info hash> (one swarm)", url: (infoHash: Id) => `${worker.wsUrl}/announce/${infoHash.hex}` },
];

async function connect(url: string): Promise<TrackerSocket> {
  const socket = await TrackerSocket.open(url);
  open.push(socket);
  return socket;
}

/** Opens a connection, announces `peerId` in the swarm and returns the connection once the tracker replied. */
async function join(url: string, infoHash: Id, peerId: Id): Promise<TrackerSocket> {
  const socket = await connect(url);
  socket.send(announceFrame(infoHash, peerId, { event: "started" }));
  await socket.next(isAnnounceReply(infoHash), REPLY_MS, "announce reply");
  return socket;
}

async function scrapeCounts(socket: TrackerSocket, infoHash: Id) {
  socket.send({ action: "scrape", info_hash: infoHash.binary });
  const reply = await socket.next(isScrapeReply, REPLY_MS, "scrape reply");
  return (reply.files as Record<string, { complete: number; incomplete: number; downloaded: number }>)[infoHash.binary];
}

/**
 * The swarm still works: a fresh connection announces, receives the resident's offer and its answer is relayed
 * back; eventually the swarm holds `expectedPeers` (the resident, the fresh peer, and the offender if it stayed).
 */
async function expectSwarmKeepsServing(url: string, infoHash: Id, resident: { socket: TrackerSocket; peerId: Id }, expectedPeers: number) {
  const freshId = randomId();
  const fresh = await join(url, infoHash, freshId);

  // As many offers as there can be other peers, so one surely reaches the fresh peer.
  const offers = [randomId(), randomId(), randomId()].map((offerId) => ({ offerId, sdp: FAKE_SDP }));
  resident.socket.send(announceFrame(infoHash, resident.peerId, { offers }));
  await resident.socket.next(isAnnounceReply(infoHash), REPLY_MS, "resident's announce reply");
  const offer = await fresh.next(isOffer(resident.peerId), REPLY_MS, "the resident's offer at the fresh peer");
  expect(offer.info_hash).toBe(infoHash.binary);

  fresh.send(answerFrame(infoHash, freshId, resident.peerId, idFromBinary(offer.offer_id as string), "answer-sdp"));
  const answer = await resident.socket.next(isAnswer(freshId), REPLY_MS, "the fresh peer's answer at the resident");
  expect(answer.offer_id).toBe(offer.offer_id);
  expect((answer.answer as { sdp: string }).sdp).toBe("answer-sdp");

  const counts = await eventually(
    async () => {
      const c = await scrapeCounts(resident.socket, infoHash);
      return c?.incomplete === expectedPeers ? c : undefined;
    },
    { timeoutMs: 10_000, what: `${expectedPeers} peers in the swarm` },
  );
  expect(counts).toEqual({ complete: 0, incomplete: expectedPeers, downloaded: 0 });
}

describe.each(hostsUnderTest())("on %s", (host) => {
  beforeAll(async () => {
    worker = await startLocalHost({ host });
  });

  afterAll(async () => {
    for (const socket of open.splice(0)) socket.close();
    await worker?.stop();
  });

  describe.each(endpoints)("a tracker connection on $name", ({ url: urlFor }) => {
    /** A swarm with a resident peer, and an offender that announced before misbehaving. */
    async function swarmWithOffender() {
      const infoHash = randomId();
      const url = urlFor(infoHash);
      const residentId = randomId();
      const resident = { socket: await join(url, infoHash, residentId), peerId: residentId };
      const offenderId = randomId();
      const offender = await join(url, infoHash, offenderId);
      return { infoHash, url, resident, offender, offenderId };
    }

    it("answers a binary frame with a failure reason and keeps the connection", async () => {
      const { infoHash, url, resident, offender, offenderId } = await swarmWithOffender();

      offender.sendRaw(Buffer.from([0x00, 0x01, 0xfe, 0xff, 0x7b]), { binary: true });
      const failure = await offender.next(isFailure, REPLY_MS, "failure reason");
      expect(failure["failure reason"]).toMatch(/binary frames are not supported/);

      // Same connection, same peer: still served.
      offender.send(announceFrame(infoHash, offenderId));
      await offender.next(isAnnounceReply(infoHash), REPLY_MS, "announce reply after the junk");
      expect(offender.isOpen).toBe(true);
      await expectSwarmKeepsServing(url, infoHash, resident, 3);
    });

    it.each([
      { what: "bytes that are not UTF-8", frame: () => Buffer.from([0xff, 0xfe, 0xfd]) },
      {
        what: "an announce whose info_hash bytes are not UTF-8",
        frame: (peer: string) =>
          Buffer.concat([
            Buffer.from(`{"action":"announce","info_hash":"`),
            Buffer.alloc(20, 0xff),
            Buffer.from(`","peer_id":${peer},"left":0,"offers":[]}`),
          ]),
      },
    ])("closes the connection with 1007 after a text frame of $what, and its peer leaves", async ({ frame }) => {
      const { infoHash, url, resident, offender, offenderId } = await swarmWithOffender();

      // RFC 6455 §8.1: invalid UTF-8 in a text frame fails the connection. workerd decodes such a frame lossily
      // (U+FFFD per bad byte) rather than closing, so the tracker recognises it and closes itself with 1007.
      // Deno's WebSocket checks UTF-8 itself and drops the connection before any JavaScript sees the frame,
      // without a close frame (§7.1.7 makes one a SHOULD): the client sees 1006. Either way the bad bytes never
      // turn into some other, valid id, and the offender's peer leaves.
      offender.sendRaw(frame(JSON.stringify(offenderId.binary)), { binary: false });
      const closed = await offender.closed(REPLY_MS);
      expect(closed).toEqual(
        host === "deno" ? { code: 1006, reason: "" } : { code: CLOSE_CODES.invalidPayload, reason: "text frame is not valid UTF-8" },
      );
      await expectSwarmKeepsServing(url, infoHash, resident, 2);
    });

    it.each([
      { kind: "text", data: "x".repeat(TRACKER_LIMITS.maxFrameBytes + 1024), binary: false },
      { kind: "binary", data: Buffer.alloc(TRACKER_LIMITS.maxFrameBytes + 1024, 0x20), binary: true },
    ])("closes the connection with 1009 after an oversized $kind frame, and its peer leaves", async ({ data, binary }) => {
      const { infoHash, url, resident, offender } = await swarmWithOffender();

      offender.sendRaw(data, { binary });
      const closed = await offender.closed(REPLY_MS);
      expect(closed).toEqual({ code: CLOSE_CODES.messageTooBig, reason: "frame too large" });

      // The offender's peer is gone (synthetic stop on close): resident + fresh peer remain.
      await expectSwarmKeepsServing(url, infoHash, resident, 2);
    });
  });
});
