// The tracker through real WebSockets into workerd: both endpoints, relaying, scrape, cleanup, expiry.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { SwarmObject } from "../../durable-objects/swarm-object";
import { TrackerSocket, bin, hexOf, offers, randomInfoHash } from "./tracker-client";

const isOffer = (f: Record<string, unknown>) => f.offer !== undefined;
const isAnswer = (f: Record<string, unknown>) => f.answer !== undefined;

describe.each([
  ["/announce", () => "/announce"],
  ["/announce/<hash>", (hash: string) => `/announce/${hexOf(hash)}`],
])("an announce on %s", (_name, pathFor) => {
  it("replies with interval and counts, seeders by left = 0", async () => {
    const hash = randomInfoHash();
    const seeder = await TrackerSocket.open(pathFor(hash));
    const leecher = await TrackerSocket.open(pathFor(hash));
    expect(await seeder.announce({ info_hash: hash, peer_id: bin("s"), left: 0, event: "started" })).toEqual({
      action: "announce",
      info_hash: hash,
      interval: 2,
      complete: 1,
      incomplete: 0,
    });
    expect(await leecher.announce({ info_hash: hash, peer_id: bin("l"), left: 5, event: "started" })).toMatchObject({ complete: 1, incomplete: 1 });
    expect(await leecher.announce({ info_hash: hash, peer_id: bin("l"), left: 0, event: "completed" })).toMatchObject({ complete: 2, incomplete: 0 });
    expect((await seeder.scrape(hash)).files).toEqual({ [hash]: { complete: 2, incomplete: 0, downloaded: 1 } });
  });

  it("relays an offer and its answer between peers on different sockets", async () => {
    const hash = randomInfoHash();
    const a = await TrackerSocket.open(pathFor(hash));
    const b = await TrackerSocket.open(pathFor(hash));
    await b.announce({ info_hash: hash, peer_id: bin("b"), event: "started" });
    await a.announce({ info_hash: hash, peer_id: bin("a"), event: "started", offers: offers("o") });
    const offer = await b.waitFor(isOffer);
    expect(offer).toEqual({ action: "announce", info_hash: hash, peer_id: bin("a"), offer: { type: "offer", sdp: "v=0 offer o" }, offer_id: bin("o") });
    b.send({ action: "announce", info_hash: hash, peer_id: bin("b"), to_peer_id: bin("a"), offer_id: bin("o"), answer: { type: "answer", sdp: "ans" } });
    expect(await a.waitFor(isAnswer)).toEqual({ action: "announce", info_hash: hash, peer_id: bin("b"), answer: { type: "answer", sdp: "ans" }, offer_id: bin("o") });
  });

  it("refuses an answer to an offer that was never relayed to the answerer", async () => {
    const hash = randomInfoHash();
    const a = await TrackerSocket.open(pathFor(hash));
    const b = await TrackerSocket.open(pathFor(hash));
    const c = await TrackerSocket.open(pathFor(hash));
    await a.announce({ info_hash: hash, peer_id: bin("a"), event: "started" });
    await b.announce({ info_hash: hash, peer_id: bin("b"), event: "started" });
    await c.announce({ info_hash: hash, peer_id: bin("c"), event: "started" });
    // b pushes unsolicited SDP at a: refused, and a receives nothing.
    b.send({ action: "announce", info_hash: hash, peer_id: bin("b"), to_peer_id: bin("a"), offer_id: bin("x"), answer: { type: "answer", sdp: "evil" } });
    expect((await b.waitFor((f) => f["failure reason"] !== undefined))["failure reason"]).toMatch(/no matching offer/);
    // c pretends to be b: refused because c's connection does not hold b.
    c.send({ action: "announce", info_hash: hash, peer_id: bin("b"), to_peer_id: bin("a"), offer_id: bin("x"), answer: { type: "answer", sdp: "evil" } });
    expect((await c.waitFor((f) => f["failure reason"] !== undefined))["failure reason"]).toMatch(/not announced on this connection/);
    // A real relay afterwards still works, and the only answer a ever sees is the legitimate one.
    await a.announce({ info_hash: hash, peer_id: bin("a"), offers: offers("1"), numwant: 1 });
    const receiver = (await Promise.race([b.waitFor(isOffer).then(() => b), c.waitFor(isOffer).then(() => c)])) as TrackerSocket;
    const receiverId = receiver === b ? bin("b") : bin("c");
    receiver.send({ action: "announce", info_hash: hash, peer_id: receiverId, to_peer_id: bin("a"), offer_id: bin("1"), answer: { type: "answer", sdp: "ok" } });
    expect(await a.waitFor(isAnswer)).toMatchObject({ peer_id: receiverId, answer: { sdp: "ok" } });
    expect(a.frames.filter(isAnswer)).toEqual([]);
  });

  it("removes every peer a socket announced when it closes", async () => {
    const hash = randomInfoHash();
    const leaving = await TrackerSocket.open(pathFor(hash));
    const staying = await TrackerSocket.open(pathFor(hash));
    await leaving.announce({ info_hash: hash, peer_id: bin("x"), event: "started" });
    await staying.announce({ info_hash: hash, peer_id: bin("y"), left: 0, event: "started" });
    leaving.close();
    await vi.waitFor(async () => expect((await staying.scrape(hash)).files).toEqual({ [hash]: { complete: 1, incomplete: 0, downloaded: 0 } }), {
      timeout: 5000,
      interval: 50,
    });
  });

  it("lets a reconnect take over delivery and refuses a live peer_id to another address", async () => {
    const hash = randomInfoHash();
    const first = await TrackerSocket.open(pathFor(hash), { "cf-connecting-ip": "203.0.113.7" });
    const offerer = await TrackerSocket.open(pathFor(hash), { "cf-connecting-ip": "198.51.100.1" });
    await first.announce({ info_hash: hash, peer_id: bin("r"), event: "started" });

    const impostor = await TrackerSocket.open(pathFor(hash), { "cf-connecting-ip": "192.0.2.66" });
    expect((await impostor.announce({ info_hash: hash, peer_id: bin("r") }))["failure reason"]).toMatch(/in use by another connection/);

    const reconnected = await TrackerSocket.open(pathFor(hash), { "cf-connecting-ip": "203.0.113.7" });
    expect(await reconnected.announce({ info_hash: hash, peer_id: bin("r") })).toMatchObject({ complete: 0, incomplete: 1 });
    await offerer.announce({ info_hash: hash, peer_id: bin("o"), offers: offers("k") });
    expect(await reconnected.waitFor(isOffer)).toMatchObject({ peer_id: bin("o"), offer_id: bin("k") });
    expect(first.frames.filter(isOffer)).toEqual([]);
  });

  it("expires peers that stop re-announcing, keeping the counts right", async () => {
    const hash = randomInfoHash();
    const silent = await TrackerSocket.open(pathFor(hash));
    await silent.announce({ info_hash: hash, peer_id: bin("q"), left: 0, event: "started" });
    const watcher = await TrackerSocket.open(pathFor(hash));
    expect((await watcher.scrape(hash)).files).toEqual({ [hash]: { complete: 1, incomplete: 0, downloaded: 0 } });
    // The swarm's alarm drops the silent peer after 2 intervals + 2 s (interval is 2 s in this suite).
    await vi.waitFor(async () => expect((await watcher.scrape(hash)).files).toEqual({ [hash]: { complete: 0, incomplete: 0, downloaded: 0 } }), {
      timeout: 12_000,
      interval: 250,
    });
    // Its socket stays usable: re-announcing brings it back.
    expect(await silent.announce({ info_hash: hash, peer_id: bin("q"), left: 0 })).toMatchObject({ complete: 1 });
  }, 20_000);
});

describe("answers from a /announce socket", () => {
  const answer = (hash: string, from: string, to: string, offerId: string, sdp = "a") =>
    ({ action: "announce", info_hash: hash, peer_id: bin(from), to_peer_id: bin(to), offer_id: bin(offerId), answer: { type: "answer", sdp } });
  const failure = (f: Record<string, unknown>) => f["failure reason"] !== undefined;

  it("are relayed once; unsolicited, replayed and cross-swarm answers are refused and reach nobody", async () => {
    const [hash, other] = [randomInfoHash(), randomInfoHash()];
    const offerer = await TrackerSocket.open("/announce");
    const answerer = await TrackerSocket.open("/announce");
    await answerer.announce({ info_hash: hash, peer_id: bin("b") });
    await answerer.announce({ info_hash: other, peer_id: bin("b") });
    await offerer.announce({ info_hash: other, peer_id: bin("a") });
    await offerer.announce({ info_hash: hash, peer_id: bin("a"), numwant: 1, offers: offers("q") });
    expect(await answerer.waitFor(isOffer)).toMatchObject({ info_hash: hash, offer_id: bin("q") });

    // Unsolicited: an offer id never relayed to b.
    answerer.send(answer(hash, "b", "a", "x", "evil"));
    expect((await answerer.waitFor(failure))["failure reason"]).toMatch(/no matching offer/);
    // Cross-swarm: the offer was relayed in `hash`; the same ids in `other` match nothing there.
    answerer.send(answer(other, "b", "a", "q", "evil"));
    expect(await answerer.waitFor(failure)).toMatchObject({ info_hash: other, "failure reason": expect.stringMatching(/no matching offer/) });
    // The real answer goes through once; a replay of it is refused.
    answerer.send(answer(hash, "b", "a", "q", "real"));
    expect(await offerer.waitFor(isAnswer)).toMatchObject({ info_hash: hash, peer_id: bin("b"), answer: { sdp: "real" } });
    answerer.send(answer(hash, "b", "a", "q", "replayed"));
    expect((await answerer.waitFor(failure))["failure reason"]).toMatch(/no matching offer/);
    await offerer.announce({ info_hash: hash, peer_id: bin("a") });
    expect(offerer.frames.filter(isAnswer)).toEqual([]);
  });

  it("lose only the answer in flight when the swarm object is evicted between offer and answer", async () => {
    const hash = randomInfoHash();
    const offerer = await TrackerSocket.open("/announce");
    const answerer = await TrackerSocket.open("/announce");
    await answerer.announce({ info_hash: hash, peer_id: bin("b") });
    await offerer.announce({ info_hash: hash, peer_id: bin("a"), numwant: 1, offers: offers("q") });
    await answerer.waitFor(isOffer);
    // The runtime's wake-up after an eviction: a new instance over the same sockets and storage.
    const stub = env.SWARMS.get(env.SWARMS.idFromName(hexOf(hash)));
    const counts = await runInDurableObject(stub, async (_instance, state) => {
      const woken = new SwarmObject(state, env);
      const answererSocket = state.getWebSockets().find((ws) => JSON.stringify(ws.deserializeAttachment()).includes(hexOf(bin("b"))))!;
      await woken.webSocketMessage(answererSocket, JSON.stringify(answer(hash, "b", "a", "q")));
      return woken.counts();
    });
    // Relayed-offer records live in memory: that answer is refused, the swarm itself is intact.
    expect((await answerer.waitFor(failure))["failure reason"]).toMatch(/no matching offer/);
    expect(counts).toMatchObject({ incomplete: 2 });
    await offerer.announce({ info_hash: hash, peer_id: bin("a"), numwant: 1, offers: offers("r") });
    await answerer.waitFor((f) => isOffer(f) && f.offer_id === bin("r"));
    answerer.send(answer(hash, "b", "a", "r", "after"));
    expect(await offerer.waitFor(isAnswer)).toMatchObject({ answer: { sdp: "after" } });
  });
});

describe("one /announce socket", () => {
  it("carries several swarms, each with its own counts", async () => {
    const [h1, h2] = [randomInfoHash(), randomInfoHash()];
    const socket = await TrackerSocket.open("/announce");
    expect(await socket.announce({ info_hash: h1, peer_id: bin("m"), left: 0 })).toMatchObject({ info_hash: h1, complete: 1, incomplete: 0 });
    expect(await socket.announce({ info_hash: h2, peer_id: bin("m"), left: 9 })).toMatchObject({ info_hash: h2, complete: 0, incomplete: 1 });
    expect((await socket.scrape([h1, h2])).files).toEqual({
      [h1]: { complete: 1, incomplete: 0, downloaded: 0 },
      [h2]: { complete: 0, incomplete: 1, downloaded: 0 },
    });
  });

  it("delivers offers to peers on /announce/<hash> sockets and back", async () => {
    const hash = randomInfoHash();
    const shared = await TrackerSocket.open("/announce");
    const bound = await TrackerSocket.open(`/announce/${hexOf(hash)}`);
    await shared.announce({ info_hash: randomInfoHash(), peer_id: bin("m") });
    await shared.announce({ info_hash: hash, peer_id: bin("m") });
    await bound.announce({ info_hash: hash, peer_id: bin("d"), offers: offers("z") });
    expect(await shared.waitFor(isOffer)).toMatchObject({ info_hash: hash, peer_id: bin("d"), offer_id: bin("z") });
    shared.send({ action: "announce", info_hash: hash, peer_id: bin("m"), to_peer_id: bin("d"), offer_id: bin("z"), answer: { type: "answer", sdp: "a" } });
    expect(await bound.waitFor(isAnswer)).toMatchObject({ peer_id: bin("m"), offer_id: bin("z") });
  });

  it("removes its peers from every swarm when it closes", async () => {
    const [h1, h2] = [randomInfoHash(), randomInfoHash()];
    const socket = await TrackerSocket.open("/announce");
    await socket.announce({ info_hash: h1, peer_id: bin("m") });
    await socket.announce({ info_hash: h2, peer_id: bin("m") });
    socket.close();
    const observer = await TrackerSocket.open("/announce");
    await vi.waitFor(async () => {
      const files = (await observer.scrape([h1, h2])).files as Record<string, { incomplete: number }>;
      expect([files[h1]!.incomplete, files[h2]!.incomplete]).toEqual([0, 0]);
    }, { timeout: 5000, interval: 50 });
  });

  it("refuses more info hashes than the per-socket limit", async () => {
    const socket = await TrackerSocket.open("/announce");
    // 100 announces at the socket's sustained rate limit would take seconds; spread them over sockets? No:
    // the limit is per socket, so pace them under the burst by waiting for each reply.
    const hashes = Array.from({ length: 101 }, () => randomInfoHash());
    let refused: Record<string, unknown> | undefined;
    for (const [i, hash] of hashes.entries()) {
      if (i > 0 && i % 40 === 0) await new Promise((r) => setTimeout(r, 2100)); // stay under 20 msg/s
      const reply = await socket.announce({ info_hash: hash, peer_id: bin("m"), offers: [] });
      if (reply["failure reason"]) {
        refused = { index: i, reason: reply["failure reason"] };
        break;
      }
    }
    expect(refused).toEqual({ index: 100, reason: "too many torrents on one connection (limit 100)" });
  }, 30_000);
});

describe("scrape", () => {
  it("of all swarms lists the busiest live swarms from the directory's counts", async () => {
    const hash = randomInfoHash();
    const peer = await TrackerSocket.open(`/announce/${hexOf(hash)}`);
    await peer.announce({ info_hash: hash, peer_id: bin("p"), left: 0 });
    await vi.waitFor(async () => expect((await peer.scrape()).files).toMatchObject({ [hash]: { complete: 1, incomplete: 0 } }), {
      timeout: 5000,
      interval: 100,
    });
  });

  it("of an unknown swarm reports zeros", async () => {
    const socket = await TrackerSocket.open("/announce");
    const hash = randomInfoHash();
    expect((await socket.scrape(hash)).files).toEqual({ [hash]: { complete: 0, incomplete: 0, downloaded: 0 } });
  });
});

describe("/announce/<hash>", () => {
  it("refuses announces for another info hash and keeps serving its own", async () => {
    const [mine, other] = [randomInfoHash(), randomInfoHash()];
    const socket = await TrackerSocket.open(`/announce/${hexOf(mine)}`);
    const reply = await socket.announce({ info_hash: other, peer_id: bin("p") });
    expect(reply["failure reason"]).toMatch(/bound to one info hash/);
    expect(await socket.announce({ info_hash: mine, peer_id: bin("p") })).toMatchObject({ incomplete: 1 });
  });
});
