// Desktop BitTorrent clients on our HTTP announce (BEP 3/23), on both hosts (workerd, Deno): two aria2
// processes from Debian's package move a random file over TCP on loopback, introduced by the local server; a WebRTC peer announcing the same swarm
// over WebSocket counts the desktop seeder; bittorrent-tracker's own HTTP client announces and scrapes.
import { spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { Client, type AnnounceResponse, type ScrapeResponse } from "bittorrent-tracker";
import createTorrent from "create-torrent";
import parseTorrent from "parse-torrent";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hostsUnderTest, startLocalHost, type LocalHost } from "../../scripts/local-host";
import { freePort } from "../../scripts/local-worker";
import { stopProcessGroup } from "../../scripts/process-group";
import { installNodeWebRtcFixes } from "../../client/lib/webrtc-node";
import { eventually, nextEvent } from "./wait";

const ARIA2 = "/usr/bin/aria2c";
const FILE_BYTES = 6 * 1024 * 1024;

/** The host of the `describe` running now. */
let worker: LocalHost;
let dir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  // Fails, never skips: .ci/run installs aria2 with the other Debian packages the suite needs.
  if (!existsSync(ARIA2)) throw new Error(`${ARIA2} is missing: apt-get install aria2 (bash .ci/run does)`);
  // The WebSocket client makes real WebRTC offers; without the fix each waits out simple-peer's ICE timeout.
  installNodeWebRtcFixes();
  dir = await mkdtemp(path.join(tmpdir(), "edgeswarm-desktop-"));
});

afterAll(async () => {
  await Promise.allSettled(children.splice(0).map((child) => stopProcessGroup(child, 2000)));
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** aria2 as a plain desktop client: trackers only (no DHT, PEX or local discovery), no outside hosts. */
async function aria2(args: string[], cwd: string): Promise<{ child: ChildProcess; output: () => string; exited: Promise<number | null> }> {
  const port = await freePort();
  const child = spawn(
    ARIA2,
    [
      "--enable-dht=false",
      "--enable-dht6=false",
      "--enable-peer-exchange=false",
      "--bt-enable-lpd=false",
      "--bt-tracker-connect-timeout=10",
      "--bt-tracker-interval=2",
      `--listen-port=${port}`,
      "--disable-ipv6=true",
      "--summary-interval=0",
      "--console-log-level=warn",
      ...args,
    ],
    { cwd, stdio: ["ignore", "pipe", "pipe"], detached: true },
  );
  children.push(child);
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, output: () => output, exited };
}

describe.each(hostsUnderTest())("on %s", (host) => {
  beforeAll(async () => {
    worker = await startLocalHost({ host });
  });

  afterAll(async () => {
    await Promise.allSettled(children.splice(0).map((child) => stopProcessGroup(child, 2000)));
    await worker?.stop();
  });

  describe("desktop clients on HTTP announce", () => {
    it("move a file between two aria2 processes, and a WebRTC peer of the swarm counts the desktop seeder", async () => {
      // A folder per host: both hosts' runs share the file's temporary folder.
      const seedDir = path.join(dir, worker.host, "seed");
      const getDir = path.join(dir, worker.host, "get");
      await Promise.all([mkdir(seedDir, { recursive: true }), mkdir(getDir, { recursive: true })]);
      const content = randomBytes(FILE_BYTES);
      await writeFile(path.join(seedDir, "desktop.bin"), content);
      const torrentFile = await new Promise<Uint8Array>((resolve, reject) =>
        createTorrent(path.join(seedDir, "desktop.bin"), { announce: [`${worker.httpUrl}/announce`], pieceLength: 256 * 1024 }, (error, torrent) =>
          error ? reject(error) : resolve(torrent),
        ),
      );
      const torrentPath = path.join(dir, worker.host, "desktop.torrent");
      await writeFile(torrentPath, torrentFile);
      const infoHash = (await parseTorrent(torrentFile)).infoHash!;

      const seeder = await aria2(["--check-integrity=true", "--bt-seed-unverified=false", "--seed-ratio=0.0", `--dir=${seedDir}`, torrentPath], seedDir);
      // A WebTorrent-side client (bittorrent-tracker's, which webtorrent uses) announcing the same torrent over
      // WebSocket counts the desktop seeder.
      const webrtc = new Client({ infoHash, peerId: randomBytes(20).toString("hex"), announce: [`${worker.wsUrl}/announce`], port: 6881 });
      webrtc.on("warning", () => undefined);
      webrtc.on("peer", (peer: { destroy(): void }) => peer.destroy());
      let started = false;
      try {
        const counts = await eventually(
          async () => {
            const update = nextEvent<[AnnounceResponse]>(webrtc, "update", 10_000, "announce reply");
            if (started) webrtc.update();
            else webrtc.start();
            started = true;
            const [reply] = await update;
            return reply.complete >= 1 ? reply : undefined;
          },
          { timeoutMs: 30_000, pauseMs: 500, what: `the aria2 seeder in the counts (aria2 said: ${seeder.output()})` },
        );
        expect(counts).toMatchObject({ complete: 1 });
      } finally {
        await new Promise<void>((resolve) => webrtc.destroy(() => resolve()));
      }

      const leecher = await aria2(["--seed-time=0", `--dir=${getDir}`, torrentPath], getDir);
      const code = await Promise.race([leecher.exited, new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), 45_000))]);
      expect(code, `aria2 leecher: ${leecher.output()}`).toBe(0);
      const fetched = await readFile(path.join(getDir, "desktop.bin"));
      expect(createHash("sha256").update(fetched).digest("hex")).toBe(createHash("sha256").update(content).digest("hex"));
    }, 90_000);
  });

  describe("bittorrent-tracker's HTTP client", () => {
    it("announces and scrapes against ours", async () => {
      const infoHash = randomBytes(20).toString("hex");
      const client = new Client({ infoHash, peerId: randomBytes(20).toString("hex"), announce: [`${worker.httpUrl}/announce`], port: 6881 });
      client.on("warning", () => undefined);
      try {
        const update = nextEvent<[AnnounceResponse]>(client, "update", 10_000, "announce reply");
        client.start({ left: 0 } as never);
        const [reply] = await update;
        expect(reply).toMatchObject({ complete: 1, incomplete: 0 });
        const scraped = await eventually(
          async () => {
            const scrape = nextEvent<[ScrapeResponse]>(client, "scrape", 10_000, "scrape reply");
            client.scrape();
            const [data] = await scrape;
            return data.complete === 1 ? data : undefined;
          },
          { timeoutMs: 10_000, pauseMs: 300, what: "the client's own seeder in a scrape" },
        );
        expect(scraped, JSON.stringify(scraped)).toMatchObject({ complete: 1, incomplete: 0 });
      } finally {
        await new Promise<void>((resolve) => client.destroy(() => resolve()));
      }
    });
  });
});
