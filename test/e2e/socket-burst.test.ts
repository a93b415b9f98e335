// A burst of 1,000 WebSocket clients against the real local server on both hosts (workerd, Deno), half on
// `/announce` (on workerd held by the worker and multiplexed into the swarm objects; on Deno routed in process)
// and half on `/announce/<hash>`: every socket connects at once, every
// first announce is answered with the right counts, and none is dropped.
import { randomBytes } from "node:crypto";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hexToBinary } from "../../protocol/ids";
import { hostsUnderTest, startLocalHost, type LocalHost } from "../../scripts/local-host";

const SOCKETS = 1000;
const SWARMS = 40; // 25 sockets per swarm, well under the per-address cap (all come from 127.0.0.1)

/** The host of the `describe` running now. */
let worker: LocalHost;
const sockets: WebSocket[] = [];

describe.each(hostsUnderTest())("on %s", (host) => {
  beforeAll(async () => {
    worker = await startLocalHost({ host });
  });

  afterAll(async () => {
    for (const ws of sockets.splice(0)) ws.terminate();
    await worker?.stop();
  });

  describe("a burst of 1,000 sockets", () => {
    it("all connect at once and every first announce is served", async () => {
      const hashes = Array.from({ length: SWARMS }, () => randomBytes(20).toString("hex"));
      const opened = await Promise.allSettled(
        Array.from({ length: SOCKETS }, (_, i) => {
          const hash = hashes[i % SWARMS]!;
          const url = i % 2 === 0 ? `${worker.wsUrl}/announce` : `${worker.wsUrl}/announce/${hash}`;
          return new Promise<{ ws: WebSocket; hash: string }>((resolve, reject) => {
            const ws = new WebSocket(url, { perMessageDeflate: false });
            sockets.push(ws);
            const timer = setTimeout(() => reject(new Error("connect timeout")), 30_000);
            ws.once("open", () => {
              clearTimeout(timer);
              resolve({ ws, hash });
            });
            ws.once("error", (error) => {
              clearTimeout(timer);
              reject(error);
            });
          });
        }),
      );
      const failures = opened.filter((r) => r.status === "rejected").map((r) => String((r as PromiseRejectedResult).reason));
      expect(failures, failures.slice(0, 3).join("; ")).toEqual([]);

      const connected = opened.map((r) => (r as PromiseFulfilledResult<{ ws: WebSocket; hash: string }>).value);
      const closedEarly: number[] = [];
      connected.forEach(({ ws }, i) => ws.once("close", () => closedEarly.push(i)));
      const replies = await Promise.all(
        connected.map(
          ({ ws, hash }) =>
            new Promise<Record<string, unknown>>((resolve, reject) => {
              const timer = setTimeout(() => reject(new Error("no announce reply within 30 s")), 30_000);
              ws.once("message", (data) => {
                clearTimeout(timer);
                resolve(JSON.parse(String(data)) as Record<string, unknown>);
              });
              ws.send(JSON.stringify({ action: "announce", info_hash: hexToBinary(hash), peer_id: randomBytes(20).toString("latin1"), numwant: 0, left: 10, event: "started", offers: [] }));
            }),
        ),
      );
      expect(replies.filter((r) => r.interval === undefined)).toEqual([]);
      // Each swarm's last announce saw all of its 25 peers (counts are exact in the swarm's own object).
      const most = new Map<string, number>();
      connected.forEach(({ hash }, i) => most.set(hash, Math.max(most.get(hash) ?? 0, replies[i]!.incomplete as number)));
      expect([...most.values()].every((n) => n === SOCKETS / SWARMS)).toBe(true);
      expect(closedEarly).toEqual([]);
    }, 90_000);
  });
});
