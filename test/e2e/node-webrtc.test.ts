// client/lib's WebRTC fixes for Node peers, on real node-datachannel connections (simple-peer without trickle,
// as bittorrent-tracker drives it).
import Peer, { type SignalData } from "@thaunknown/simple-peer/lite.js";
import { RTCPeerConnection } from "webrtc-polyfill";
import { beforeAll, describe, expect, it } from "vitest";
import { LOOPBACK_RTC } from "../../client/lib/node-peer";
import {
  HELD_CANDIDATES_DELAY_MS,
  installNodeWebRtcFixes,
  isLibdatachannelSdp,
  nodeWebRtcFixesInstalled,
  withoutCandidates,
} from "../../client/lib/webrtc-node";
import { within } from "./wait";

beforeAll(() => installNodeWebRtcFixes());

type Relay = { toAnswerer?: (offer: SignalData) => SignalData; toOfferer?: (answer: SignalData) => SignalData; delayMs?: number };

/** Connects two simple-peers, passing offer and answer through `relay` (a stand-in for the tracker). */
function connectPair(relay: Relay = {}): Promise<{ ms: number }> {
  const started = Date.now();
  const offerer = new Peer({ initiator: true, trickle: false, config: { ...LOOPBACK_RTC } });
  const answerer = new Peer({ trickle: false, config: { ...LOOPBACK_RTC } });
  const pass = (data: SignalData, to: Peer, transform?: (d: SignalData) => SignalData) =>
    setTimeout(() => to.signal(transform ? transform(data) : data), relay.delayMs ?? 5);
  offerer.on("signal", (offer) => pass(offer, answerer, relay.toAnswerer));
  answerer.on("signal", (answer) => pass(answer, offerer, relay.toOfferer));
  const opened = (peer: Peer, role: string) =>
    new Promise<void>((resolve, reject) => {
      peer.once("connect", resolve);
      peer.once("error", (error) => reject(new Error(`${role}: ${error.code ?? ""} ${error.message}`)));
    });
  return Promise.all([opened(offerer, "offerer"), opened(answerer, "answerer")])
    .then(() => ({ ms: Date.now() - started }))
    .finally(() => {
      offerer.destroy();
      answerer.destroy();
    });
}

describe("installNodeWebRtcFixes", () => {
  it("patches webrtc-polyfill's RTCPeerConnection once, however often it is called", () => {
    const proto = RTCPeerConnection.prototype;
    const before = [proto.createOffer, proto.createAnswer, proto.setLocalDescription, proto.setRemoteDescription];
    installNodeWebRtcFixes();
    installNodeWebRtcFixes();
    expect([proto.createOffer, proto.createAnswer, proto.setLocalDescription, proto.setRemoteDescription]).toEqual(before);
    expect(nodeWebRtcFixesInstalled()).toBe(true);
  });

  it("brings a Node↔Node connection up without simple-peer's 5 s ICE timeout on either side", async () => {
    const { ms } = await within(connectPair(), 8_000, "a connection");
    expect(ms).toBeLessThan(2_000);
  });

  it("opens every one of 40 connections, 10 at a time, with answers relayed late", async () => {
    // The libdatachannel race needs the answer to reach the offerer after the answerer's ICE checks did.
    const results: number[] = [];
    let next = 0;
    const lane = async () => {
      while (next < 40) {
        next++;
        results.push((await connectPair({ delayMs: 30 })).ms);
      }
    };
    await within(Promise.all(Array.from({ length: 10 }, lane)), 45_000, "40 connections");
    expect(results).toHaveLength(40);
    expect(Math.max(...results)).toBeLessThan(4_000);
  });

  it("tries the candidates it held back from an offer when the offerer cannot reach the answerer", async () => {
    // The answer points at a port nobody listens on, so only the answerer's own checks (to the held-back
    // offer candidates) can make the path.
    const unreachable = (answer: SignalData) => ({
      ...answer,
      sdp: answer.sdp!.replace(/^(a=candidate:\S+ \d+ UDP \d+ 127\.0\.0\.1 )\d+/gm, "$19"),
    });
    const { ms } = await within(connectPair({ toOfferer: unreachable }), 20_000, "a connection through held-back candidates");
    expect(ms).toBeGreaterThanOrEqual(HELD_CANDIDATES_DELAY_MS);
  });
});

describe("withoutCandidates", () => {
  const offer = [
    "v=0",
    "o=rtc 304129149 0 IN IP4 127.0.0.1",
    "s=-",
    "a=group:BUNDLE 0",
    "m=application 33307 UDP/DTLS/SCTP webrtc-datachannel",
    "c=IN IP4 127.0.0.1",
    "a=mid:0",
    "a=setup:actpass",
    "a=candidate:1 1 UDP 2114977791 127.0.0.1 33307 typ host",
    "a=candidate:2 1 UDP 1677786623 203.0.113.7 40000 typ srflx raddr 0.0.0.0 rport 0",
    "a=end-of-candidates",
    "",
  ].join("\r\n");

  it("takes out the candidate lines and the end-of-candidates mark, each candidate with its mid", () => {
    const { sdp, candidates } = withoutCandidates(offer);
    expect(sdp).not.toMatch(/a=candidate|a=end-of-candidates/);
    expect(sdp).toContain("a=setup:actpass\r\n");
    expect(candidates).toEqual([
      { candidate: "candidate:1 1 UDP 2114977791 127.0.0.1 33307 typ host", sdpMid: "0" },
      { candidate: "candidate:2 1 UDP 1677786623 203.0.113.7 40000 typ srflx raddr 0.0.0.0 rport 0", sdpMid: "0" },
    ]);
  });

  it("tells libdatachannel's SDP from a browser's", () => {
    expect(isLibdatachannelSdp(offer)).toBe(true);
    expect(isLibdatachannelSdp(offer.replace("o=rtc ", "o=- "))).toBe(false);
  });
});
