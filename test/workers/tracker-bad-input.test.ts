// Bad input on either endpoint gets a failure reason (or a close for abuse) and the swarm keeps serving.
import { describe, expect, it } from "vitest";
import { TrackerSocket, bin, hexOf, offers, randomInfoHash } from "./tracker-client";

const failure = (f: Record<string, unknown>) => f["failure reason"] !== undefined;

/** After the bad input: the same swarm still counts, relays offers to a fresh peer, and relays answers. */
async function swarmStillServes(hash: string, pathFor: (hash: string) => string, incumbent: TrackerSocket) {
  const fresh = await TrackerSocket.open(pathFor(hash));
  expect(await fresh.announce({ info_hash: hash, peer_id: bin("f"), event: "started" })).toMatchObject({ info_hash: hash, incomplete: 2 });
  await incumbent.announce({ info_hash: hash, peer_id: bin("i"), offers: offers("q"), numwant: 1 });
  const offer = await fresh.waitFor((f) => f.offer !== undefined);
  expect(offer).toMatchObject({ peer_id: bin("i"), offer_id: bin("q") });
  fresh.send({ action: "announce", info_hash: hash, peer_id: bin("f"), to_peer_id: bin("i"), offer_id: bin("q"), answer: { type: "answer", sdp: "fine" } });
  expect(await incumbent.waitFor((f) => f.answer !== undefined)).toMatchObject({ peer_id: bin("f") });
}

const hostileFrames: [string, (hash: string) => string | ArrayBuffer, RegExp][] = [
  ["non-JSON text", () => "this is not json {", /invalid JSON/],
  ["a JSON array", () => "[]", /JSON object/],
  ["JSON null", () => "null", /JSON object/],
  ["an unknown action", (h) => JSON.stringify({ action: "explode", info_hash: h }), /unknown action/],
  ["a missing action", (h) => JSON.stringify({ info_hash: h, peer_id: bin("x") }), /action/],
  ["an unknown event", (h) => JSON.stringify({ action: "announce", info_hash: h, peer_id: bin("x"), event: "boom" }), /unknown event/],
  ["a numeric info_hash", () => JSON.stringify({ action: "announce", info_hash: 42, peer_id: bin("x") }), /info_hash/],
  ["a short peer_id", (h) => JSON.stringify({ action: "announce", info_hash: h, peer_id: "short" }), /peer_id/],
  ["a peer_id with characters above U+00FF", (h) => JSON.stringify({ action: "announce", info_hash: h, peer_id: "😀".repeat(10) }), /peer_id/],
  ["wrong field types", (h) => JSON.stringify({ action: "announce", info_hash: h, peer_id: bin("x"), left: "lots", numwant: {} }), /left|numwant/],
  ["offers: [null]", (h) => JSON.stringify({ action: "announce", info_hash: h, peer_id: bin("x"), offers: [null] }), /offers\[0\]/],
  ["a malformed offer", (h) => JSON.stringify({ action: "announce", info_hash: h, peer_id: bin("x"), offers: [{ offer: "sdp", offer_id: 7 }] }), /offers\[0\]/],
  ["an answer with a bad to_peer_id", (h) => JSON.stringify({ action: "announce", info_hash: h, peer_id: bin("x"), to_peer_id: null, offer_id: bin("o"), answer: { type: "answer", sdp: "" } }), /to_peer_id/],
  ["a scrape with a numeric info_hash", () => JSON.stringify({ action: "scrape", info_hash: 5 }), /info_hash/],
  ["a scrape with a list of junk", () => JSON.stringify({ action: "scrape", info_hash: [1, null] }), /info_hash/],
  ["a binary frame", () => new Uint8Array([0, 159, 146, 150, 255]).buffer, /binary frames/],
];

describe.each([
  ["/announce", () => "/announce"],
  ["/announce/<hash>", (hash: string) => `/announce/${hexOf(hash)}`],
])("bad input on %s", (_name, pathFor) => {
  it.each(hostileFrames)("%s gets a failure reason, and the swarm still serves a fresh peer", async (_what, frame, reason) => {
    const hash = randomInfoHash();
    const incumbent = await TrackerSocket.open(pathFor(hash));
    await incumbent.announce({ info_hash: hash, peer_id: bin("i"), event: "started" });
    incumbent.send(frame(hash));
    const reply = await incumbent.waitFor(failure);
    expect(reply["failure reason"]).toMatch(reason);
    expect(JSON.stringify(reply)).not.toMatch(/stack|at .*\.ts/);
    await swarmStillServes(hash, pathFor, incumbent);
  });

  it("an oversized frame closes that socket with 1009, and the swarm still serves a fresh peer", async () => {
    const hash = randomInfoHash();
    const abuser = await TrackerSocket.open(pathFor(hash));
    await abuser.announce({ info_hash: hash, peer_id: bin("a"), event: "started" });
    abuser.send(JSON.stringify({ action: "announce", info_hash: hash, peer_id: bin("a"), junk: "x".repeat(200_000) }));
    expect((await abuser.waitForClose()).code).toBe(1009);
    const incumbent = await TrackerSocket.open(pathFor(hash));
    await incumbent.announce({ info_hash: hash, peer_id: bin("i"), event: "started" });
    // The abuser's peer left with its socket, so the incumbent and the fresh peer are the swarm.
    await swarmStillServes(hash, pathFor, incumbent);
  });

  it("a message flood gets failure reasons, then a 1008 close, and the swarm still serves a fresh peer", async () => {
    const hash = randomInfoHash();
    const flooder = await TrackerSocket.open(pathFor(hash));
    for (let i = 0; i < 200; i++) flooder.send({ action: "scrape", info_hash: hash });
    const limited = await flooder.waitFor((f) => failure(f) && /rate limit/.test(String(f["failure reason"])));
    expect(limited["failure reason"]).toMatch(/slow down/);
    expect((await flooder.waitForClose()).code).toBe(1008);
    const incumbent = await TrackerSocket.open(pathFor(hash));
    await incumbent.announce({ info_hash: hash, peer_id: bin("i"), event: "started" });
    await swarmStillServes(hash, pathFor, incumbent);
  });
});
