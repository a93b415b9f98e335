// After an eviction the swarm object is rebuilt from socket attachments and its own storage. We build a
// second instance over the same state (what the runtime does on wake-up) and check it serves the same swarm.
import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { SwarmObject } from "../../durable-objects/swarm-object";
import { TrackerSocket, bin, hexOf, offers, randomInfoHash } from "./tracker-client";

describe("a swarm object rebuilt after hibernation", () => {
  it("keeps direct and gateway peers, their counts and the completed count, and relays offers", async () => {
    const hash = randomInfoHash();
    const hex = hexOf(hash);
    const direct = await TrackerSocket.open(`/announce/${hex}`);
    const viaGateway = await TrackerSocket.open("/announce");
    await direct.announce({ info_hash: hash, peer_id: bin("d"), left: 10, event: "started" });
    await viaGateway.announce({ info_hash: hash, peer_id: bin("g"), left: 10, event: "started" });
    await viaGateway.announce({ info_hash: hash, peer_id: bin("g"), left: 0, event: "completed" });

    const stub = env.SWARMS.get(env.SWARMS.idFromName(hex));
    const rebuilt = await runInDurableObject(stub, async (_instance, state) => {
      const fresh = new SwarmObject(state, env);
      const counts = await fresh.counts();
      // The woken instance handles the next frame from the direct peer's socket: an announce with an offer.
      const [socket] = state.getWebSockets();
      await fresh.webSocketMessage(
        socket!,
        JSON.stringify({ action: "announce", info_hash: hash, peer_id: bin("d"), left: 10, numwant: 1, offers: offers("w") }),
      );
      return counts;
    });
    expect(rebuilt).toEqual({ complete: 1, incomplete: 1, downloaded: 1 });
    // The offer reached the gateway peer through the rebuilt instance's routing table.
    expect(await viaGateway.waitFor((f) => f.offer !== undefined)).toMatchObject({ peer_id: bin("d"), offer_id: bin("w") });
  });
});
