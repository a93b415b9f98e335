import { describe, expect, it } from "vitest";
import { binaryToHex, hexToBinary } from "../../protocol/ids";
import { TRACKER_LIMITS, failureFrame, offerFrame, parseClientFrame, routeClientFrame } from "../../protocol/tracker";

const id = (c: string) => c.repeat(20);
/** Every byte value 0x00-0xff must survive the trip wire → hex → wire. */
const allBytes = Array.from({ length: 20 }, (_, i) => String.fromCharCode(i * 13 + 0x7f > 0xff ? i : i * 13 + 0x7f)).join("");

describe("ids", () => {
  it("round-trips latin-1 binary strings through hex with byte fidelity", () => {
    const binary = String.fromCharCode(...Array.from({ length: 20 }, (_, i) => 0xff - i * 7));
    const hex = binaryToHex(binary);
    expect(hex).toMatch(/^[0-9a-f]{40}$/);
    expect(hexToBinary(hex)).toBe(binary);
    expect(JSON.parse(JSON.stringify(binary))).toBe(binary);
  });
});

describe("parsing an announce", () => {
  const announce = { action: "announce", info_hash: id("h"), peer_id: id("p"), numwant: 5, left: 100, event: "started" };

  it("turns wire ids into hex and keeps offers", () => {
    const parsed = parseClientFrame(
      JSON.stringify({ ...announce, info_hash: allBytes, offers: [{ offer: { type: "offer", sdp: "v=0" }, offer_id: id("o") }] }),
    );
    expect(parsed).toEqual({
      ok: true,
      message: {
        kind: "announce",
        infoHash: binaryToHex(allBytes),
        peerId: binaryToHex(id("p")),
        event: "started",
        left: 100,
        numwant: 5,
        offers: [{ offerId: binaryToHex(id("o")), sdp: "v=0" }],
      },
    });
  });

  it("treats a missing event as an update and a null left (no metadata yet) as unknown", () => {
    const parsed = parseClientFrame(JSON.stringify({ ...announce, event: undefined, left: null }));
    expect(parsed.ok && parsed.message.kind === "announce" && [parsed.message.event, parsed.message.left]).toEqual(["update", null]);
  });

  it("ignores offers beyond the per-announce limit", () => {
    const offers = Array.from({ length: 30 }, (_, i) => ({ offer: { type: "offer", sdp: "x" }, offer_id: String(i).padStart(20, "0") }));
    const parsed = parseClientFrame(JSON.stringify({ ...announce, offers }));
    expect(parsed.ok && parsed.message.kind === "announce" && parsed.message.offers.length).toBe(TRACKER_LIMITS.maxOffersPerAnnounce);
  });

  it.each([
    ["non-JSON", "{nope", /invalid JSON/],
    ["a JSON array", "[1,2]", /JSON object/],
    ["a JSON string", '"announce"', /JSON object/],
    ["an unknown action", JSON.stringify({ ...announce, action: "delete" }), /unknown action/],
    ["an unknown event", JSON.stringify({ ...announce, event: "exploded" }), /unknown event/],
    ["a short info_hash", JSON.stringify({ ...announce, info_hash: "abc" }), /info_hash/],
    ["an info_hash with characters above U+00FF", JSON.stringify({ ...announce, info_hash: "€".repeat(20) }), /latin-1/],
    ["a numeric peer_id", JSON.stringify({ ...announce, peer_id: 12345 }), /peer_id/],
    ["a negative left", JSON.stringify({ ...announce, left: -1 }), /left/],
    ["a string numwant", JSON.stringify({ ...announce, numwant: "5" }), /numwant/],
    ["a null offer", JSON.stringify({ ...announce, offers: [null] }), /offers\[0\]/],
    ["an offer without sdp", JSON.stringify({ ...announce, offers: [{ offer: { type: "offer" }, offer_id: id("o") }] }), /offers\[0\]/],
    ["offers that are not an array", JSON.stringify({ ...announce, offers: "x" }), /offers/],
    ["an answer without to_peer_id", JSON.stringify({ ...announce, answer: { type: "answer", sdp: "x" }, offer_id: id("o") }), /to_peer_id/],
    ["a scrape with a numeric info_hash", JSON.stringify({ action: "scrape", info_hash: 5 }), /info_hash/],
    ["a scrape of too many hashes", JSON.stringify({ action: "scrape", info_hash: Array(101).fill(id("h")) }), /too many/],
  ])("refuses %s with a failure reason", (_name, frame, reason) => {
    const parsed = parseClientFrame(frame);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
  });

  it("names the action and info hash in a failure when they were well formed", () => {
    const parsed = parseClientFrame(JSON.stringify({ ...announce, event: "exploded" }));
    expect(parsed).toMatchObject({ ok: false, action: "announce", infoHash: binaryToHex(id("h")) });
    const frame = JSON.parse(failureFrame("unknown event", { action: "announce", infoHash: binaryToHex(id("h")) }));
    expect(frame).toEqual({ "failure reason": "unknown event", action: "announce", info_hash: id("h") });
  });
});

describe("parsing scrapes and answers", () => {
  it("reads a scrape of one, several, or all swarms", () => {
    expect(parseClientFrame(JSON.stringify({ action: "scrape", info_hash: id("a") }))).toMatchObject({
      ok: true,
      message: { kind: "scrape", infoHashes: [binaryToHex(id("a"))] },
    });
    expect(parseClientFrame(JSON.stringify({ action: "scrape", info_hash: [id("a"), id("b")] }))).toMatchObject({
      message: { infoHashes: [binaryToHex(id("a")), binaryToHex(id("b"))] },
    });
    expect(parseClientFrame(JSON.stringify({ action: "scrape" }))).toMatchObject({ message: { infoHashes: "all" } });
  });

  it("reads an answer", () => {
    const frame = { action: "announce", info_hash: id("h"), peer_id: id("b"), to_peer_id: id("a"), offer_id: id("o"), answer: { type: "answer", sdp: "s" } };
    expect(parseClientFrame(JSON.stringify(frame))).toEqual({
      ok: true,
      message: { kind: "answer", infoHash: binaryToHex(id("h")), peerId: binaryToHex(id("b")), toPeerId: binaryToHex(id("a")), offerId: binaryToHex(id("o")), sdp: "s" },
    });
  });
});

describe("server frames", () => {
  it("carries ids back as latin-1 binary", () => {
    const frame = JSON.parse(offerFrame(binaryToHex(allBytes), binaryToHex(id("p")), binaryToHex(id("o")), "sdp"));
    expect(frame).toEqual({ action: "announce", info_hash: allBytes, peer_id: id("p"), offer: { type: "offer", sdp: "sdp" }, offer_id: id("o") });
  });
});

describe("routing a frame (the /announce multiplexer)", () => {
  const hash = "h".repeat(20);
  it("routes announces and answers by info hash alone, leaving the rest to the swarm's full parse", () => {
    const sloppy = JSON.stringify({ action: "announce", info_hash: hash, peer_id: 5 });
    expect(routeClientFrame(sloppy)).toEqual({ ok: true, route: { kind: "swarm", infoHash: binaryToHex(hash), isAnswer: false } });
    expect(routeClientFrame(JSON.stringify({ action: "announce", info_hash: hash, answer: {} }))).toMatchObject({ route: { isAnswer: true } });
    expect(parseClientFrame(sloppy).ok).toBe(false);
  });

  it("parses scrapes in full", () => {
    expect(routeClientFrame(JSON.stringify({ action: "scrape", info_hash: [hash] }))).toEqual({
      ok: true,
      route: { kind: "scrape", message: { kind: "scrape", infoHashes: [binaryToHex(hash)] } },
    });
    expect(routeClientFrame(JSON.stringify({ action: "scrape", info_hash: 5 })).ok).toBe(false);
  });

  it.each([
    ["not JSON", "{nope"],
    ["no action", JSON.stringify({ info_hash: hash })],
    ["an unknown action", JSON.stringify({ action: "delete", info_hash: hash })],
    ["a short info_hash", JSON.stringify({ action: "announce", info_hash: "abc" })],
    ["an array", "[1,2]"],
  ])("refuses what cannot be routed (%s) with the full parse's reason", (_name, frame) => {
    const routed = routeClientFrame(frame);
    expect(routed.ok).toBe(false);
    const parsed = parseClientFrame(frame);
    expect(!routed.ok && !parsed.ok && routed.reason).toBe(!parsed.ok && parsed.reason);
  });
});
