// Every runtime entry point of the swarm object runs inside one guard (durable-objects/socket-host.ts):
// a failure inside message, close, error or alarm handling is logged, the socket's close still completes, and
// the swarm goes on serving other peers. Each test makes the object's own code throw, then checks both.
import { env, runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { TrackerSocket, bin, hexOf, offers, randomInfoHash } from "./tracker-client";

type Patchable = Record<string, unknown>;

/** Replaces a method of the live object with one that throws `times` times, then restores it. */
function throwIn(instance: object, method: string, times = 1): void {
  const target = instance as Patchable;
  const original = target[method] as (...args: unknown[]) => unknown;
  let left = times;
  target[method] = function (this: unknown, ...args: unknown[]) {
    if (left-- > 0) throw new Error(`injected failure in ${method}`);
    target[method] = original;
    return original.apply(this, args);
  } satisfies (...args: unknown[]) => unknown;
}

/**
 * The swarm still counts, relays an offer and relays its answer between two fresh peers. B offers to every
 * peer: one whose leave failed is still listed (until it expires) and may take an offer too.
 */
async function expectSwarmServes(hash: string): Promise<void> {
  const a = await TrackerSocket.open(`/announce/${hexOf(hash)}`);
  const b = await TrackerSocket.open("/announce");
  try {
    expect(await a.announce({ info_hash: hash, peer_id: bin("A"), left: 0 })).toHaveProperty("interval");
    expect(await b.announce({ info_hash: hash, peer_id: bin("B"), numwant: 3, offers: offers("z", "y", "w") })).toHaveProperty("interval");
    const offer = await a.waitFor((f) => f.offer !== undefined);
    expect(offer).toMatchObject({ peer_id: bin("B") });
    a.send({ action: "announce", info_hash: hash, peer_id: bin("A"), to_peer_id: bin("B"), offer_id: offer.offer_id, answer: { type: "answer", sdp: "v=0 a" } });
    expect(await b.waitFor((f) => f.answer !== undefined)).toMatchObject({ peer_id: bin("A"), offer_id: offer.offer_id });
  } finally {
    a.close();
    b.close();
  }
}

describe("the swarm object's entry points", () => {
  it("answers a failing message with a failure reason, keeps the socket, and keeps serving", async () => {
    const hash = randomInfoHash();
    const socket = await TrackerSocket.open(`/announce/${hexOf(hash)}`);
    await runInDurableObject(env.SWARMS.get(env.SWARMS.idFromName(hexOf(hash))), (instance) => throwIn((instance as unknown as { core: object }).core, "announce"));
    expect(await socket.announce({ info_hash: hash, peer_id: bin("s") })).toMatchObject({ "failure reason": "internal error" });
    expect(await socket.announce({ info_hash: hash, peer_id: bin("s") })).toMatchObject({ incomplete: 1 });
    expect(socket.closed).toBeNull();
    socket.close();
    await expectSwarmServes(hash);
  });

  it("completes the close when close handling fails, and keeps serving", async () => {
    const hash = randomInfoHash();
    const socket = await TrackerSocket.open(`/announce/${hexOf(hash)}`);
    await socket.announce({ info_hash: hash, peer_id: bin("c") });
    await runInDurableObject(env.SWARMS.get(env.SWARMS.idFromName(hexOf(hash))), (instance) => throwIn(instance, "onSocketGone"));
    socket.close();
    expect((await socket.waitForClose()).code).toBe(1000);
    await expectSwarmServes(hash);
  });

  it("closes the socket when error handling fails, and keeps serving", async () => {
    const hash = randomInfoHash();
    const socket = await TrackerSocket.open(`/announce/${hexOf(hash)}`);
    await socket.announce({ info_hash: hash, peer_id: bin("e") });
    await runInDurableObject(env.SWARMS.get(env.SWARMS.idFromName(hexOf(hash))), async (instance, state) => {
      throwIn(instance, "onSocketGone");
      await instance.webSocketError(state.getWebSockets()[0]!, new Error("injected socket error"));
    });
    expect((await socket.waitForClose()).code).toBe(1011);
    await expectSwarmServes(hash);
  });

  it("re-arms a failing alarm instead of losing expiry, and keeps serving", async () => {
    const hash = randomInfoHash();
    const socket = await TrackerSocket.open(`/announce/${hexOf(hash)}`);
    await socket.announce({ info_hash: hash, peer_id: bin("x") });
    const stub = env.SWARMS.get(env.SWARMS.idFromName(hexOf(hash)));
    await runInDurableObject(stub, (instance) => throwIn((instance as unknown as { core: { swarm: object } }).core.swarm, "expire"));
    expect(await runDurableObjectAlarm(stub)).toBe(true);
    const rearmed = await runInDurableObject(stub, (_instance, state) => state.storage.getAlarm());
    expect(rearmed).toBeGreaterThan(Date.now());
    socket.close();
    await expectSwarmServes(hash);
  });
});
