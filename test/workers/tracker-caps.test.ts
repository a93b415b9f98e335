// One client must not be able to fill a swarm: caps on peer ids per connection, connections per address and
// peers per swarm, each answered with a failure reason (or a refused upgrade) while other peers keep working.
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { TrackerSocket, bin, hexOf, offers, randomInfoHash } from "./tracker-client";

const MAX_PEERS = Number((env as unknown as { MAX_PEERS_PER_SWARM: string }).MAX_PEERS_PER_SWARM);
const failureOf = (f: Record<string, unknown>) => f["failure reason"] as string | undefined;

/** A distinct made-up client address per test (TEST-NET-2), so the per-address cap of one test is its own. */
let nextAddress = 1;
const address = () => `198.51.100.${nextAddress++}`;

describe.each([
  ["/announce", () => "/announce"],
  ["/announce/<hash>", (hash: string) => `/announce/${hexOf(hash)}`],
])("caps on %s", (_name, pathFor) => {
  it("keep at most 2 of 50 peer ids announced from one socket", async () => {
    const hash = randomInfoHash();
    const attacker = await TrackerSocket.open(pathFor(hash), { "cf-connecting-ip": address() });
    const replies = [];
    for (let i = 0; i < 50; i++) replies.push(await attacker.announce({ info_hash: hash, peer_id: `fake${String(i).padStart(16, "0")}` }));
    expect(replies.filter((r) => r.interval !== undefined)).toHaveLength(2);
    expect(failureOf(replies[49]!)).toMatch(/too many peer ids on one connection/);
    // An outsider's scrape reads what the swarm pushed to the directory (within a push interval).
    const observer = await TrackerSocket.open(pathFor(hash), { "cf-connecting-ip": address() });
    await expect.poll(async () => (await observer.scrape(hash)).files, { timeout: 5000, interval: 100 }).toEqual({ [hash]: { complete: 0, incomplete: 2, downloaded: 0 } });
  });

  it("refuse a peer once the swarm is full, while its peers keep relaying", async () => {
    const hash = randomInfoHash();
    const sockets: TrackerSocket[] = [];
    // Two peer ids per socket, each socket from its own address: only the swarm ceiling is in play.
    for (let i = 0; sockets.length * 2 < MAX_PEERS; i++) {
      const socket = await TrackerSocket.open(pathFor(hash), { "cf-connecting-ip": address() });
      sockets.push(socket);
      await socket.announce({ info_hash: hash, peer_id: `full${String(2 * i).padStart(16, "0")}` });
      await socket.announce({ info_hash: hash, peer_id: `full${String(2 * i + 1).padStart(16, "0")}` });
    }
    const late = await TrackerSocket.open(pathFor(hash), { "cf-connecting-ip": address() });
    expect(failureOf(await late.announce({ info_hash: hash, peer_id: bin("L") }))).toBe(`swarm is full (limit ${MAX_PEERS} peers)`);
    const member = sockets[0]!;
    const reply = await member.announce({ info_hash: hash, peer_id: `full${"0".repeat(16)}`, numwant: 1, offers: offers("o") });
    expect(reply).toMatchObject({ incomplete: MAX_PEERS });
    const receiver = await Promise.any(sockets.slice(1).map((s) => s.waitFor((f) => f.offer !== undefined).then(() => s)));
    expect(receiver).toBeDefined();
  });
});

describe("connections per address", () => {
  const CAP = 64;

  it("refuse a /announce/<hash> upgrade past the cap with a 429, and let other addresses in", async () => {
    const hash = randomInfoHash();
    const crowd = address();
    const sockets = await Promise.all(Array.from({ length: CAP }, () => TrackerSocket.open(`/announce/${hexOf(hash)}`, { "cf-connecting-ip": crowd })));
    await expect(TrackerSocket.open(`/announce/${hexOf(hash)}`, { "cf-connecting-ip": crowd })).rejects.toThrow(/status 429.*too many connections/);
    const other = await TrackerSocket.open(`/announce/${hexOf(hash)}`, { "cf-connecting-ip": address() });
    expect(await other.announce({ info_hash: hash, peer_id: bin("o") })).toHaveProperty("interval");
    // A socket that closes frees its place.
    sockets[0]!.close();
    await sockets[0]!.waitForClose();
    await expect.poll(async () => {
      try {
        (await TrackerSocket.open(`/announce/${hexOf(hash)}`, { "cf-connecting-ip": crowd })).close();
        return true;
      } catch {
        return false;
      }
    }, { timeout: 5000 }).toBe(true);
  });

  it("answer a /announce client past the cap with a failure reason for that torrent only", async () => {
    const [hash, other] = [randomInfoHash(), randomInfoHash()];
    const crowd = address();
    const sockets = await Promise.all(Array.from({ length: CAP + 1 }, () => TrackerSocket.open("/announce", { "cf-connecting-ip": crowd })));
    const replies = await Promise.all(sockets.map((s, i) => s.announce({ info_hash: hash, peer_id: `crowd${String(i).padStart(15, "0")}` })));
    expect(replies.filter((r) => r.interval !== undefined)).toHaveLength(CAP);
    expect(replies.map(failureOf).filter(Boolean)).toEqual([expect.stringMatching(/too many connections to this swarm from one address/)]);
    const refused = sockets[replies.findIndex((r) => failureOf(r) !== undefined)]!;
    expect(await refused.announce({ info_hash: other, peer_id: bin("r") })).toHaveProperty("interval");
  });
});
