// Access control on a real local server, on both hosts (workerd, Deno), over both transports (WebSocket on both
// endpoints, HTTP announce):
// a tracker serving only its directory's torrents plus an allow-list, minus a deny-list, for browsers of one
// origin; and a private tracker whose announces need a key the operator issues and can revoke.
/// <reference path="../../protocol/bencode.d.ts" />
import { randomBytes } from "node:crypto";
import bencode from "bencode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hexToBinary } from "../../protocol/ids";
import { hostsUnderTest, startLocalHost, type LocalHost } from "../../scripts/local-host";
import { TrackerSocket, announceFrame, isAnnounceReply, isFailure, randomId, type Frame, type Id } from "./tracker-socket";

const REPLY_MS = 10_000;
const idOf = (hex: string): Id => ({ hex, binary: hexToBinary(hex) });
const escape = (hex: string) => hex.replace(/../g, (byte) => `%${byte}`);

/** What the tracker says to one WebSocket announce: the reply, or the failure reason. */
async function wsAnnounce(url: string, infoHash: Id, headers: Record<string, string> = {}): Promise<Frame> {
  const socket = await TrackerSocket.open(url, { headers });
  try {
    socket.send(announceFrame(infoHash, randomId(), { event: "started" }));
    return await socket.next((f) => isAnnounceReply(infoHash)(f) || isFailure(f), REPLY_MS, "announce reply or failure");
  } finally {
    socket.close();
  }
}

async function httpAnnounce(base: string, infoHash: string): Promise<Record<string, unknown>> {
  const query = `info_hash=${escape(infoHash)}&peer_id=${escape(randomBytes(20).toString("hex"))}&port=6881&left=0&compact=1`;
  const res = await fetch(`${base}?${query}`);
  const decoded = bencode.decode(new Uint8Array(await res.arrayBuffer())) as Record<string, unknown>;
  const reason = decoded["failure reason"];
  return reason instanceof Uint8Array ? { "failure reason": new TextDecoder().decode(reason) } : decoded;
}

/** The outcome over every way in: "served" or the failure reason, per transport. */
async function outcomes(worker: LocalHost, infoHash: string, prefix = "/announce") {
  const id = idOf(infoHash);
  const say = (f: Record<string, unknown>) => (f["failure reason"] !== undefined ? String(f["failure reason"]) : "served");
  return {
    mux: say(await wsAnnounce(`${worker.wsUrl}${prefix}`, id)),
    direct: say(await wsAnnounce(`${worker.wsUrl}${prefix}/${infoHash}`, id)),
    http: say(await httpAnnounce(`${worker.httpUrl}${prefix}`, infoHash)),
  };
}
const everywhere = (outcome: string) => ({ mux: outcome, direct: outcome, http: outcome });

describe.each(hostsUnderTest())("on %s", (host) => {
  describe("a tracker serving its directory's torrents, an allow-list, minus a deny-list, to one origin", () => {
    const [listed, allowed, denied, stranger] = Array.from({ length: 4 }, () => randomBytes(20).toString("hex"));
    let worker: LocalHost;

    beforeAll(async () => {
      worker = await startLocalHost({
        host,
        vars: { TRACKER_ACCESS: "listed", INFO_HASH_ALLOW: allowed!, INFO_HASH_DENY: denied!, ALLOWED_ORIGINS: "https://page.example" },
      });
      for (const [hash, name] of [
        [listed, "listed"],
        [denied, "denied"],
      ] as const) {
        const res = await fetch(`${worker.httpUrl}/api/torrents`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ info_hash: hash, name, size: 1 }),
        });
        expect(res.status).toBe(201);
      }
    });
    afterAll(async () => worker?.stop());

    it("serves a listed torrent and an allow-listed one", async () => {
      expect(await outcomes(worker, listed!)).toEqual(everywhere("served"));
      expect(await outcomes(worker, allowed!)).toEqual(everywhere("served"));
    });

    it("refuses an unlisted torrent and a denied one, even a listed denied one", async () => {
      expect(await outcomes(worker, stranger!)).toEqual(everywhere("this tracker serves only torrents listed in its directory"));
      expect(await outcomes(worker, denied!)).toEqual(everywhere("this torrent is not served by this tracker"));
    });

    it("refuses sockets opened by other sites' pages, and lets in its page and non-browser clients", async () => {
      const id = idOf(listed!);
      expect(await wsAnnounce(`${worker.wsUrl}/announce`, id, { origin: "https://evil.example" })).toMatchObject({
        "failure reason": "sockets from this web page's origin are not allowed by this tracker",
      });
      expect(await wsAnnounce(`${worker.wsUrl}/announce/${listed}`, id, { origin: "https://page.example" })).toHaveProperty("interval");
      expect(await wsAnnounce(`${worker.wsUrl}/announce`, id)).toHaveProperty("interval");
    });
  });

  describe("a private tracker", () => {
    const ADMIN = "operator-admin-key-0123456789";
    let worker: LocalHost;
    const admin = (path: string, init: RequestInit = {}) =>
      fetch(`${worker.httpUrl}${path}`, { ...init, headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json", ...init.headers } });

    beforeAll(async () => {
      worker = await startLocalHost({ host, vars: { TRACKER_PRIVATE: "1", ADMIN_KEY: ADMIN } });
    });
    afterAll(async () => worker?.stop());

    it("serves announces carrying an issued key, and refuses missing, wrong and revoked keys", async () => {
      const hash = randomBytes(20).toString("hex");
      const issued = (await (await admin("/api/tracker-keys", { method: "POST", body: JSON.stringify({ label: "alice" }) })).json()) as {
        id: string;
        key: string;
        announce: { websocket: string; http: string };
      };
      expect(issued.announce.websocket).toBe(`${worker.wsUrl}/announce/k/${issued.key}`);
      expect(await outcomes(worker, hash, `/announce/k/${issued.key}`)).toEqual(everywhere("served"));
      expect(await outcomes(worker, hash)).toEqual(everywhere("this is a private tracker: announce with your key (/announce/k/<key>)"));
      expect(await outcomes(worker, hash, `/announce/k/${randomBytes(24).toString("base64url")}`)).toEqual(everywhere("unknown or revoked tracker key"));

      expect((await admin(`/api/tracker-keys/${issued.id}`, { method: "DELETE" })).status).toBe(204);
      expect(await outcomes(worker, hash, `/announce/k/${issued.key}`)).toEqual(everywhere("unknown or revoked tracker key"));
      const listed = (await (await admin("/api/tracker-keys")).json()) as { keys: { id: string; label: string; revoked: string | null }[] };
      expect(listed.keys).toEqual([expect.objectContaining({ id: issued.id, label: "alice", revoked: expect.any(String) })]);
    });

    it("keeps its key API to the operator", async () => {
      expect((await fetch(`${worker.httpUrl}/api/tracker-keys`, { method: "POST", body: "{}" })).status).toBe(401);
      expect((await fetch(`${worker.httpUrl}/api/tracker-keys`, { headers: { authorization: "Bearer wrong-key-wrong-key-000" } })).status).toBe(403);
    });
  });
});
