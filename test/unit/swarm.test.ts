import { describe, expect, it } from "vitest";
import { Swarm, swarmConfig, type AnnounceInput } from "../../durable-objects/swarm/swarm";
import { StatsThrottle } from "../../durable-objects/swarm/stats-throttle";
import { TokenBucket } from "../../durable-objects/swarm/token-bucket";

const config = swarmConfig(120);
/** A seeded generator so random offer targets are repeatable. */
function seededRandom(seed = 42): () => number {
  let state = seed;
  return () => {
    state = (state * 1664525 + 1013904223) % 2 ** 32;
    return state / 2 ** 32;
  };
}

function announce(overrides: Partial<AnnounceInput<string>> & { peerId: string }): AnnounceInput<string> {
  return { socket: `socket-${overrides.peerId}`, addr: `addr-${overrides.peerId}`, event: "started", left: 100, numwant: undefined, offerIds: [], ...overrides };
}

function swarmWith(peerIds: string[], now = 0, options: { left?: number } = {}) {
  const swarm = new Swarm<string>(config, seededRandom());
  for (const peerId of peerIds) swarm.announce(now, announce({ peerId, left: options.left ?? 100 }));
  return swarm;
}

describe("membership and counts", () => {
  it("counts seeders (left = 0) and leechers", () => {
    const swarm = swarmWith(["a", "b"]);
    swarm.announce(0, announce({ peerId: "s", left: 0 }));
    expect(swarm.counts()).toEqual({ complete: 1, incomplete: 2, downloaded: 0 });
  });

  it("counts a peer with unknown left (no metadata yet) as a leecher", () => {
    const swarm = swarmWith([]);
    swarm.announce(0, announce({ peerId: "m", left: null }));
    expect(swarm.counts()).toEqual({ complete: 0, incomplete: 1, downloaded: 0 });
  });

  it("moves a leecher to seeder on completed and counts the download once", () => {
    const swarm = swarmWith(["a"]);
    const outcome = swarm.announce(1, announce({ peerId: "a", event: "completed", left: 0 }));
    expect(outcome).toMatchObject({ ok: true, membershipChanged: true, counts: { complete: 1, incomplete: 0, downloaded: 1 } });
    swarm.announce(2, announce({ peerId: "a", event: "completed", left: 0 }));
    expect(swarm.counts().downloaded).toBe(1);
  });

  it("does not count a peer that started as a seeder as a download", () => {
    const swarm = swarmWith([]);
    swarm.announce(0, announce({ peerId: "s", left: 0 }));
    swarm.announce(1, announce({ peerId: "s", event: "completed" }));
    expect(swarm.counts()).toEqual({ complete: 1, incomplete: 0, downloaded: 0 });
  });

  it("removes a peer on stopped", () => {
    const swarm = swarmWith(["a", "b"]);
    const outcome = swarm.announce(1, announce({ peerId: "a", event: "stopped" }));
    expect(outcome).toMatchObject({ ok: true, peer: null, membershipChanged: true, counts: { incomplete: 1 } });
    expect(swarm.get("a")).toBeUndefined();
  });

  it("keeps a paused peer in the swarm", () => {
    const swarm = swarmWith(["a"]);
    swarm.announce(1, announce({ peerId: "a", event: "paused" }));
    expect(swarm.counts().incomplete).toBe(1);
  });
});

describe("an announce with offers", () => {
  it("forwards each offer to a different peer, never the sender", () => {
    for (let trial = 0; trial < 20; trial++) {
      const swarm = new Swarm<string>(config, seededRandom(trial + 1));
      const ids = Array.from({ length: 40 }, (_, i) => `p${i}`);
      for (const peerId of ids) swarm.announce(0, announce({ peerId }));
      const outcome = swarm.announce(1, announce({ peerId: "p0", offerIds: ["o1", "o2", "o3", "o4", "o5"] }));
      if (!outcome.ok) throw new Error(outcome.reason);
      const targets = outcome.offers.map((o) => o.toPeerId);
      expect(targets).toHaveLength(5);
      expect(new Set(targets).size).toBe(5);
      expect(targets).not.toContain("p0");
      expect(outcome.offers.map((o) => o.offerIndex)).toEqual([0, 1, 2, 3, 4]);
    }
  });

  it("fans out to min(offers, numwant, server cap)", () => {
    const swarm = swarmWith(Array.from({ length: 30 }, (_, i) => `p${i}`));
    const offerIds = Array.from({ length: 12 }, (_, i) => `o${i}`);
    const capped = swarm.announce(1, announce({ peerId: "x", offerIds }));
    expect(capped.ok && capped.offers.length).toBe(config.maxFanOut);
    const byNumwant = swarm.announce(1, announce({ peerId: "x", offerIds, numwant: 2 }));
    expect(byNumwant.ok && byNumwant.offers.length).toBe(2);
    const byOffers = swarm.announce(1, announce({ peerId: "x", offerIds: ["o1"], numwant: 50 }));
    expect(byOffers.ok && byOffers.offers.length).toBe(1);
  });

  it("sends fewer offers than asked when the swarm is small", () => {
    const swarm = swarmWith(["a", "b"]);
    const outcome = swarm.announce(1, announce({ peerId: "a", offerIds: ["o1", "o2", "o3"] }));
    expect(outcome.ok && outcome.offers.map((o) => o.toPeerId)).toEqual(["b"]);
  });

  it("sends a seeder's offers to leechers only", () => {
    const swarm = swarmWith(["s1", "s2", "s3"], 0, { left: 0 });
    swarm.announce(0, announce({ peerId: "leech" }));
    const outcome = swarm.announce(1, announce({ peerId: "s1", left: 0, offerIds: ["o1", "o2", "o3"] }));
    expect(outcome.ok && outcome.offers.map((o) => o.toPeerId)).toEqual(["leech"]);
  });

  it("does not offer back to a peer whose own offer to the sender is still unanswered (glare)", () => {
    const swarm = swarmWith(["a", "b"]);
    const first = swarm.announce(1, announce({ peerId: "a", offerIds: ["oa"] }));
    expect(first.ok && first.offers.map((o) => o.toPeerId)).toEqual(["b"]);
    const back = swarm.announce(2, announce({ peerId: "b", offerIds: ["ob"] }));
    expect(back.ok && back.offers).toEqual([]);
    // Once b answers a's offer, b may offer to a again.
    expect(swarm.answer(3, { peerId: "b", socket: "socket-b", toPeerId: "a", offerId: "oa" }).ok).toBe(true);
    const later = swarm.announce(4, announce({ peerId: "b", offerIds: ["ob2"] }));
    expect(later.ok && later.offers.map((o) => o.toPeerId)).toEqual(["a"]);
  });

  it("covers every other peer over many announces (targets are random)", () => {
    const swarm = swarmWith(Array.from({ length: 50 }, (_, i) => `p${i}`));
    const reached = new Set<string>();
    for (let i = 0; i < 200; i++) {
      const outcome = swarm.announce(i, announce({ peerId: "p0", offerIds: ["a", "b", "c", "d", "e"] }));
      if (outcome.ok) outcome.offers.forEach((o) => reached.add(o.toPeerId));
    }
    expect(reached.size).toBe(49);
  });
});

describe("answers", () => {
  function offered() {
    const swarm = swarmWith(["a", "b"]);
    const outcome = swarm.announce(10, announce({ peerId: "a", offerIds: ["offer-1"] }));
    expect(outcome.ok && outcome.offers[0]!.toPeerId).toBe("b");
    return swarm;
  }

  it("are delivered to the peer that sent that offer to the answerer", () => {
    const swarm = offered();
    expect(swarm.answer(11, { peerId: "b", socket: "socket-b", toPeerId: "a", offerId: "offer-1" })).toEqual({ ok: true, socket: "socket-a" });
  });

  it("are delivered only once per offer", () => {
    const swarm = offered();
    swarm.answer(11, { peerId: "b", socket: "socket-b", toPeerId: "a", offerId: "offer-1" });
    expect(swarm.answer(12, { peerId: "b", socket: "socket-b", toPeerId: "a", offerId: "offer-1" }).ok).toBe(false);
  });

  it("are refused for an offer id never relayed to the answerer", () => {
    const swarm = offered();
    expect(swarm.answer(11, { peerId: "b", socket: "socket-b", toPeerId: "a", offerId: "made-up" })).toMatchObject({ ok: false, reason: /no matching offer/ });
  });

  it("are refused when aimed at a peer other than the offer's sender", () => {
    const swarm = offered();
    swarm.announce(10, announce({ peerId: "c" }));
    expect(swarm.answer(11, { peerId: "b", socket: "socket-b", toPeerId: "c", offerId: "offer-1" }).ok).toBe(false);
  });

  it("are refused from a connection that does not hold the answering peer", () => {
    const swarm = offered();
    expect(swarm.answer(11, { peerId: "b", socket: "intruder", toPeerId: "a", offerId: "offer-1" })).toMatchObject({ ok: false, reason: /not announced/ });
  });

  it("are refused after the offer expired", () => {
    const swarm = offered();
    expect(swarm.answer(10 + config.offerTtlMs, { peerId: "b", socket: "socket-b", toPeerId: "a", offerId: "offer-1" }).ok).toBe(false);
  });
});

describe("connections holding a peer id", () => {
  it("refuse a second live connection presenting the same peer id from elsewhere", () => {
    const swarm = swarmWith(["a"]);
    const outcome = swarm.announce(1000, announce({ peerId: "a", socket: "other", addr: "elsewhere" }));
    expect(outcome).toEqual({ ok: false, reason: "peer_id is in use by another connection" });
    expect(swarm.get("a")!.socket).toBe("socket-a");
  });

  it("let a reconnect from the same address take over delivery", () => {
    const swarm = swarmWith(["a"]);
    const outcome = swarm.announce(1000, announce({ peerId: "a", socket: "new", addr: "addr-a" }));
    expect(outcome).toMatchObject({ ok: true, displaced: "socket-a" });
    expect(swarm.get("a")!.socket).toBe("new");
    expect(swarm.counts().incomplete).toBe(1);
  });

  it("let a new connection take over when the holder's connection is closed", () => {
    const closed = new Set(["socket-a"]);
    const swarm = new Swarm<string>(config, Math.random, (s) => !closed.has(s));
    swarm.announce(0, announce({ peerId: "a" }));
    expect(swarm.announce(1, announce({ peerId: "a", socket: "new", addr: "elsewhere" })).ok).toBe(true);
  });

  it("let a new connection take over a holder that missed its re-announce", () => {
    const swarm = swarmWith(["a"]);
    expect(swarm.announce(config.takeoverIdleMs, announce({ peerId: "a", socket: "new", addr: "elsewhere" })).ok).toBe(true);
  });

  it("remove on close only the peers that connection still holds", () => {
    const swarm = swarmWith(["a", "b"]);
    swarm.announce(1, announce({ peerId: "a", socket: "new", addr: "addr-a" }));
    expect(swarm.removeHeldBy("socket-a", ["a"])).toEqual([]);
    expect(swarm.removeHeldBy("socket-b", ["b"])).toEqual(["b"]);
    expect(swarm.size).toBe(1);
  });
});

describe("caps", () => {
  it("keep at most two peer ids per connection, storing nothing for the refused ones", () => {
    const swarm = new Swarm<string>(config, seededRandom());
    const results = Array.from({ length: 50 }, (_, i) => swarm.announce(0, announce({ peerId: `fake-${i}`, socket: "attacker", addr: "x" })));
    expect(results.filter((r) => r.ok)).toHaveLength(config.maxPeersPerSocket);
    expect(results[2]).toEqual({ ok: false, reason: expect.stringMatching(/too many peer ids on one connection/) });
    expect(swarm.size).toBe(2);
    expect(swarm.heldBy("attacker")).toBe(2);
    // A peer that leaves frees its place on the connection.
    swarm.announce(1, announce({ peerId: "fake-0", socket: "attacker", addr: "x", event: "stopped" }));
    expect(swarm.announce(2, announce({ peerId: "fresh", socket: "attacker", addr: "x" })).ok).toBe(true);
  });

  it("count a take-over against the connection that takes the peer over", () => {
    const swarm = new Swarm<string>(config, seededRandom());
    swarm.announce(0, announce({ peerId: "a", socket: "s1", addr: "x" }));
    swarm.announce(0, announce({ peerId: "b", socket: "s2", addr: "x" }));
    swarm.announce(0, announce({ peerId: "c", socket: "s2", addr: "x" }));
    expect(swarm.announce(1, announce({ peerId: "a", socket: "s2", addr: "x" }))).toMatchObject({ ok: false });
    expect(swarm.heldBy("s1")).toBe(1);
    swarm.removeHeldBy("s2", ["c"]);
    expect(swarm.announce(2, announce({ peerId: "a", socket: "s2", addr: "x" })).ok).toBe(true);
    expect([swarm.heldBy("s1"), swarm.heldBy("s2")]).toEqual([0, 2]);
  });

  it("refuse a new peer once the swarm is full, and keep serving the peers it has", () => {
    const swarm = new Swarm<string>(swarmConfig(120, { maxPeers: 3 }), seededRandom());
    for (const id of ["a", "b", "c"]) expect(swarm.announce(0, announce({ peerId: id })).ok).toBe(true);
    expect(swarm.announce(0, announce({ peerId: "d" }))).toEqual({ ok: false, reason: "swarm is full (limit 3 peers)" });
    expect(swarm.size).toBe(3);
    const again = swarm.announce(1, announce({ peerId: "a", offerIds: ["o1"], numwant: 1 }));
    expect(again.ok && again.offers).toHaveLength(1);
  });
});

describe("expiry", () => {
  it("drops peers silent past the TTL and keeps the rest", () => {
    const swarm = swarmWith(["old"], 0);
    swarm.announce(60_000, announce({ peerId: "fresh" }));
    expect(swarm.nextExpiry()).toBe(config.peerTtlMs);
    const dropped = swarm.expire(config.peerTtlMs);
    expect(dropped.map((p) => p.peerId)).toEqual(["old"]);
    expect(swarm.counts()).toEqual({ complete: 0, incomplete: 1, downloaded: 0 });
    expect(swarm.nextExpiry()).toBe(60_000 + config.peerTtlMs);
  });

  it("keeps a peer that re-announces", () => {
    const swarm = swarmWith(["a"], 0);
    swarm.announce(config.intervalMs, announce({ peerId: "a", event: "update" }));
    expect(swarm.expire(config.peerTtlMs)).toEqual([]);
  });

  it("has no next expiry when empty", () => {
    expect(swarmWith([]).nextExpiry()).toBeNull();
  });
});

describe("stats throttle", () => {
  const counts = (complete: number, incomplete: number) => ({ complete, incomplete, downloaded: 0 });

  it("pushes the first counts at once, then at most once per interval", () => {
    const throttle = new StatsThrottle(5000);
    expect(throttle.due(0, counts(0, 1))).toBe(0);
    throttle.pushed(0, counts(0, 1));
    expect(throttle.due(100, counts(0, 1))).toBeNull();
    expect(throttle.due(100, counts(0, 2))).toBe(5000);
    expect(throttle.due(7000, counts(0, 2))).toBe(7000);
  });

  it("throttles every change, the first seeder and the last peer too, and pushes the final state last", () => {
    const throttle = new StatsThrottle(5000);
    let pushes = 0;
    // An attacker toggles seeder state 20 times a second for 5 s: the directory is written once meanwhile...
    let last = counts(0, 0);
    for (let t = 0; t < 5000; t += 50) {
      last = counts((t / 50) % 2, 1 - ((t / 50) % 2));
      const due = throttle.due(t, last);
      if (due !== null && due <= t) {
        throttle.pushed(t, last);
        pushes++;
      }
    }
    expect(pushes).toBe(1);
    // ...and the final state (a seeder) goes out one interval after that push.
    expect(last).toEqual(counts(1, 0));
    expect(throttle.due(4950, last)).toBe(5000);
    throttle.pushed(5000, last);
    // The swarm empties right after a push: the trailing push is due one interval later, not before.
    expect(throttle.due(5010, counts(0, 0))).toBe(10_000);
  });

  it("counts a push only once it succeeded, and retries a failed one with a growing back-off", () => {
    const throttle = new StatsThrottle(5000);
    throttle.pushed(0, counts(0, 1));
    expect(throttle.due(6000, counts(0, 0))).toBe(6000);
    throttle.failed(6000);
    expect(throttle.settled(counts(0, 0))).toBe(false);
    expect(throttle.due(6000, counts(0, 0))).toBe(11_000);
    throttle.failed(11_000);
    expect(throttle.due(11_000, counts(0, 0))).toBe(21_000);
    throttle.pushed(21_000, counts(0, 0));
    expect(throttle.settled(counts(0, 0))).toBe(true);
    expect(throttle.due(21_001, counts(0, 0))).toBeNull();
  });
});

describe("token bucket", () => {
  it("allows a burst, then the sustained rate, and counts violations", () => {
    const bucket = new TokenBucket(10, 3, 0);
    expect([bucket.take(0), bucket.take(0), bucket.take(0), bucket.take(0)]).toEqual([true, true, true, false]);
    expect(bucket.violations).toBe(1);
    expect(bucket.take(100)).toBe(true);
    expect(bucket.take(100)).toBe(false);
  });

  it("forgives violations over time, so only sustained abuse accumulates", () => {
    const bucket = new TokenBucket(10, 1, 0);
    bucket.take(0);
    for (let i = 0; i < 5; i++) bucket.take(0);
    expect(bucket.violations).toBe(5);
    bucket.take(3000);
    expect(bucket.violations).toBe(2);
  });
});
