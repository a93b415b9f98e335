// Peers behind NATs, relayed as Skype did (issue 16). Two peers, each in its own network namespace behind its
// own NAT router (nftables masquerade), with no route between them; a real coturn (`use-auth-secret`) and the
// real local worker (wrangler dev → workerd, minting TURN credentials) reachable from both through the lab's
// "wan" namespace (test/support/netns.ts). The peers are the client library in Node child processes (as the CLI
// runs it), started with `ip netns exec`. Needs root, iproute2, nftables and coturn: without them it fails.
import { createHash, randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { mintTurnCredentials, type TurnCredentials } from "../../worker/rtc/turn-credentials";
import { startCoturn, type Coturn, type TurnTraffic } from "../support/coturn";
import { startLocalWorker, type LocalWorker } from "../../scripts/local-worker";
import { bridgeIntoNamespace, type Bridge } from "../support/namespace-bridge";
import type { NatPeerCommand, NatPeerEvent } from "../support/nat-peer";
import { spawnNatPeer, type NatPeerProcess } from "../support/nat-peer-process";
import { PUBLIC_ADDRESS, checkNatLabPrerequisites, createNatLab, type NatLab } from "../support/netns";

const SECRET = `nat-relay-${randomBytes(12).toString("hex")}`;
const TRACKER_PORT = 8787;
/** The deployment as the peers see it: the worker, through the bridge in the wan namespace. */
const SERVER = `http://${PUBLIC_ADDRESS}:${TRACKER_PORT}`;
const FILE_BYTES = 4 * 1024 * 1024;
/**
 * How long the direct attempt may look for a peer before giving up. The relayed transfer below connects in
 * about 4 s (3 s of it the answerer holding back candidates, client/lib/webrtc-node.ts), so this is ample.
 */
const DIRECT_WINDOW_MS = 10_000;

let lab: NatLab | null = null;
let coturn: Coturn | null = null;
let worker: LocalWorker | null = null;
let bridge: Bridge | null = null;
let dir = "";
let file = "";
let fileSha256 = "";
const running = new Set<NatPeerProcess>();

beforeAll(async () => {
  // Missing tools or privileges fail every test here, loudly: this suite is never skipped.
  await checkNatLabPrerequisites(["turnserver"]);
  dir = await mkdtemp(path.join(tmpdir(), "edgeswarm-nat-"));
  file = path.join(dir, "payload.bin");
  const bytes = randomBytes(FILE_BYTES);
  await writeFile(file, bytes);
  fileSha256 = sha256(bytes);
  lab = await createNatLab();
  coturn = await startCoturn(lab, { ns: lab.wan, address: PUBLIC_ADDRESS, secret: SECRET });
  worker = await startLocalWorker({ vars: { TURN_SECRET: SECRET, TURN_URLS: coturn.url } });
  bridge = await bridgeIntoNamespace(lab, { ns: lab.wan, host: PUBLIC_ADDRESS, port: TRACKER_PORT, targetPort: worker.port });
}, 90_000);

afterEach(async () => {
  await Promise.all([...running].map((peer) => peer.stop()));
  running.clear();
});

afterAll(async () => {
  // Each step runs even if one before it fails: the namespaces must go whatever happened.
  const steps: Array<() => unknown> = [
    () => bridge?.close(),
    () => coturn?.stop(),
    () => worker?.stop(),
    () => lab?.destroy(),
    () => dir && rm(dir, { recursive: true, force: true }),
  ];
  const errors: unknown[] = [];
  for (const step of steps) await Promise.resolve().then(step).catch((error: unknown) => errors.push(error));
  if (errors.length > 0) throw new AggregateError(errors, "NAT lab cleanup failed");
}, 30_000);

function start(ns: string, command: NatPeerCommand): NatPeerProcess {
  const peer = spawnNatPeer(lab!, ns, command);
  running.add(peer);
  return peer;
}

const is =
  <K extends NatPeerEvent["event"]>(kind: K) =>
  (event: NatPeerEvent): event is Extract<NatPeerEvent, { event: K }> =>
    event.event === kind;

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/**
 * coturn's verbose line for a request of one of `usernames` (`method` as coturn names it, e.g. ALLOCATE, or
 * "message" for one refused before it was read) and its outcome ("success", "error 401"). Newer coturn releases add the
 * client's address (` remote <…>`) after the user. Usernames are unique per test, so the whole log may be searched.
 */
function processed(usernames: string[], method: string, outcome: string): RegExp {
  return new RegExp(`user <(${usernames.map(escape).join("|")})>( remote <[^>]*>)?: incoming packet ${method} processed, ${outcome}`);
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

describe("two peers behind their own NATs, with no route between them", () => {
  it("cannot connect directly: without ICE servers the download gives up with no peer", async () => {
    const seeder = start(lab!.peer.a, { role: "seed", server: SERVER, file, iceServers: [] });
    const { magnet } = await seeder.waitFor(is("seeding"), 30_000, "the seeder to announce");
    const out = path.join(dir, "direct");
    const leecher = start(lab!.peer.b, { role: "get", server: SERVER, magnet, out, noPeersTimeoutMs: DIRECT_WINDOW_MS, iceServers: [] });

    const failed = await leecher.waitFor(is("failed"), DIRECT_WINDOW_MS + 20_000, "the direct download to give up");
    expect(failed.code).toBe("no_peers");
    // The tracker did introduce them (offers and answers crossed, ICE checks ran); only the network stood between.
    expect(leecher.events.some((e) => e.event === "ice" && e.state === "checking")).toBe(true);
    expect(seeder.events.some((e) => e.event === "ice" && e.state === "checking")).toBe(true);
    expect([...leecher.events, ...seeder.events].filter(is("connected"))).toEqual([]);
  });

  it("moves the file through coturn with the credentials the worker minted", async () => {
    const trafficBefore = await coturn!.traffic();
    const seeder = start(lab!.peer.a, { role: "seed", server: SERVER, file });
    const { magnet } = await seeder.waitFor(is("seeding"), 30_000, "the seeder to announce");
    const leecher = start(lab!.peer.b, { role: "get", server: SERVER, magnet, out: path.join(dir, "relayed"), noPeersTimeoutMs: 30_000 });
    // Each peer started its session with a credential of its own from GET /api/rtc-config.
    const usernames = await Promise.all(
      [seeder, leecher].map(async (peer) => {
        const { turnUsernames } = await peer.waitFor(is("rtc"), 30_000, "the peer's ICE servers");
        expect(turnUsernames).toEqual([expect.stringMatching(/^\d+:[0-9a-f]{16}$/)]);
        return turnUsernames[0]!;
      }),
    );
    expect(new Set(usernames).size).toBe(2);

    const done = await leecher.waitFor(is("done"), 45_000, "the relayed download");
    expect(done.verified).toBe(true);
    expect(sha256(await readFile(done.path))).toBe(fileSha256);
    // No direct path exists, and ICE says so: every connection that opened runs through a relay candidate.
    const opened = [...leecher.events, ...seeder.events].filter(is("connected"));
    expect(opened.length).toBeGreaterThan(0);
    for (const pair of opened) expect([pair.local, pair.remote]).toContain("relay");

    // coturn let both peers, each through its own NAT, allocate a relay with its minted credential and open
    // permissions for the other's candidates; the side that sends through its relay bound a channel for it.
    // (Logged by now; the wait only covers the pipe from coturn's stdout.)
    for (const username of usernames) {
      await coturn!.waitForLog(processed([username], "ALLOCATE", "success"), 5_000, `an allocation for ${username}`);
      await coturn!.waitForLog(processed([username], "CREATE_PERMISSION", "success"), 5_000, `a permission for ${username}`);
    }
    await coturn!.waitForLog(processed(usernames, "CHANNEL_BIND", "success"), 5_000, "a channel bound");

    // Every byte of the file crossed the relay twice: into the TURN server from one peer and out of it to the
    // other, and between a relay address and a peer on the way.
    const after = await coturn!.traffic();
    const moved = (key: keyof TurnTraffic) => after[key] - trafficBefore[key];
    expect(moved("fromClients") + moved("fromPeers")).toBeGreaterThan(FILE_BYTES);
    expect(moved("toClients") + moved("toPeers")).toBeGreaterThan(FILE_BYTES);
    expect(moved("fromPeers") + moved("toPeers")).toBeGreaterThan(FILE_BYTES);
    // coturn's own books agree: it reports an allocation's usage every 4096 packets (and when it ends), and one
    // of these two moved at least 100 kB between its relay address and the other peer, one way or the other.
    const ours = usernames.map(escape).join("|");
    const atLeast100kB = "[1-9]\\d{5,}";
    await coturn!.waitForLog(
      new RegExp(`peer usage: realm=<[^>]*>, username=<(${ours})>, rp=\\d+, (rb=${atLeast100kB}|rb=\\d+, sp=\\d+, sb=${atLeast100kB})`),
      5_000,
      "a usage report of a relayed allocation",
    );
  });

  it("is refused a relay by coturn with an expired credential, and granted one with a fresh one", async () => {
    const expired = await mintTurnCredentials({ secret: SECRET, ttlSeconds: 3600, nowMs: Date.now() - 2 * 3600_000 });
    const fresh = await mintTurnCredentials({ secret: SECRET, ttlSeconds: 3600, nowMs: Date.now() });
    const gather = async (credentials: TurnCredentials) => {
      const iceServers = [{ urls: coturn!.url, username: credentials.username, credential: credentials.credential }];
      const probe = start(lab!.peer.a, { role: "gather", iceServers });
      return (await probe.waitFor(is("candidates"), 20_000, "ICE gathering")).types;
    };

    expect(await gather(expired)).not.toContain("relay");
    await coturn!.waitForLog(processed([expired.username], "message", "error 401"), 5_000, "the expired credential refused");
    expect(coturn!.log()).not.toMatch(processed([expired.username], "ALLOCATE", "success"));

    expect(await gather(fresh)).toContain("relay");
    expect(coturn!.log()).toMatch(processed([fresh.username], "ALLOCATE", "success"));
  });
});
