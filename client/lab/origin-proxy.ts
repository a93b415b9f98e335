// The lab's view of the central server: a loopback proxy in front of the worker that (1) caps the server's
// aggregate upload at u_s for file downloads (/lab/files/*: cs HTTP and the hybrid web seed), sharing it
// evenly among open responses, and (2) relays tracker WebSockets, counting each peer's messages and bytes.
// Layer: client/lab (Node). Pacing here rather than in the worker: workerd has no shared clock-driven
// scheduler across requests, and the runner then measures exactly what left "the server".
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocket, WebSocketServer, type RawData } from "ws";
import { rangeAnswer } from "../../protocol/http-range";
import { CumulativeCap } from "./lossless-cap";

export type TrackerTraffic = { messagesIn: number; bytesIn: number; messagesOut: number; bytesOut: number };

export type ProxyStats = {
  /** Bytes served per peer (the `peer` query parameter of the file URL). */
  servedByPeer: Record<string, number>;
  /** Cumulative bytes served, sampled every `sampleMs`: [epoch ms, bytes]. */
  servedSamples: [number, number][];
  /** Tracker traffic per peer id (hex), as seen by the server: in = from the peer. */
  trackerByPeer: Record<string, TrackerTraffic>;
  /** Requests that reached the worker for file bodies (edge cache misses). */
  originFetches?: number;
  /** Time (ms) paced responses had data waiting and the cap no tokens, since reset(); null = no cap. */
  waitMs?: number | null;
};

export type OriginProxy = {
  url: string;
  wsUrl: string;
  /** Upload cap of the server, bytes/s (null = none). */
  setRate(bytesPerSecond: number | null): void;
  /** Starts a fresh measurement (per run). */
  reset(): void;
  stats(): ProxyStats;
  close(): Promise<void>;
};

const TICK_MS = 10;
const BACKLOG_BYTES = 64 * 1024;

/**
 * The server's cap: lossless and cumulative (lossless-cap.ts), so a tick that fires late hands out what
 * became due meanwhile instead of losing it; the burst is the peers' (100 ms of rate, at most 16 KiB).
 */
function serverCap(rate: number | null): CumulativeCap | null {
  return rate === null ? null : new CumulativeCap(rate, { burstBytes: Math.max(1, Math.min(16 * 1024, rate * 0.1)), now: performance.now() });
}

type Stream = { peer: string; queue: Buffer[]; queued: number; upstream: IncomingMessage | null; res: ServerResponse; ended: boolean };

const now = () => performance.timeOrigin + performance.now();

export async function startOriginProxy(options: {
  upstream: string;
  rateBytesPerSecond: number | null;
  sampleMs?: number;
  /** Serve /lab/files/* from one whole-file fetch per file (default true). */
  edgeCache?: boolean;
}): Promise<OriginProxy> {
  const upstream = new URL(options.upstream);
  let cap = serverCap(options.rateBytesPerSecond);
  const sampleMs = options.sampleMs ?? 100;
  const streams = new Set<Stream>();
  let served = 0;
  let stats: ProxyStats = { servedByPeer: {}, servedSamples: [[now(), 0]], trackerByPeer: {} };

  // ---- pacing: each tick, the cap's credit is shared evenly among streams with data and a writable client;
  // what one cannot take (empty backlog, slow client) goes to the others (water-filling).
  const tick = setInterval(() => {
    const t = performance.now();
    const budgetAtStart = cap === null ? Infinity : Math.floor(cap.available(t));
    let budget = budgetAtStart;
    let open = [...streams].filter((s) => s.queued > 0 && !s.res.writableNeedDrain);
    const wanted = open.length > 0;
    while (budget > 0.5 && open.length > 0) {
      const share = budget / open.length;
      const next: Stream[] = [];
      for (const s of open) {
        const sent = write(s, share === Infinity ? s.queued : Math.floor(share));
        budget -= sent;
        if (s.queued > 0 && !s.res.writableNeedDrain && sent > 0) next.push(s);
      }
      if (next.length === open.length && share < 1) break;
      open = next;
    }
    if (cap !== null) {
      if (budgetAtStart > budget) cap.take(budgetAtStart - budget, t);
      // data left waiting while the credit is spent: the server is saturated (its cap binds)
      cap.setWaiting(wanted && open.length > 0 && budget < 1024, t);
    }
    for (const s of streams) {
      if (s.upstream && s.queued < BACKLOG_BYTES && s.upstream.isPaused()) s.upstream.resume();
      if (s.ended && s.queued === 0) {
        s.res.end();
        streams.delete(s);
      }
    }
  }, TICK_MS);
  const sampler = setInterval(() => stats.servedSamples.push([now(), served]), sampleMs);

  function write(s: Stream, max: number): number {
    let sent = 0;
    while (sent < max && s.queue.length > 0) {
      const head = s.queue[0]!;
      const take = Math.min(head.length, max - sent);
      const chunk = take === head.length ? head : head.subarray(0, take);
      if (take === head.length) s.queue.shift();
      else s.queue[0] = head.subarray(take);
      s.queued -= take;
      sent += take;
      s.res.write(chunk);
      if (s.res.writableNeedDrain) break;
    }
    served += sent;
    stats.servedByPeer[s.peer] = (stats.servedByPeer[s.peer] ?? 0) + sent;
    return sent;
  }

  // ---- edge cache: one GET per file from the worker (R2), then ranges from memory, as Cloudflare's cache
  // would serve them; keeps workerd's per-request CPU (16 KiB web seed requests) out of the measurement.
  let cache = new Map<string, Promise<Buffer>>();
  let originFetches = 0;
  const fetchWhole = (pathname: string) => {
    let hit = cache.get(pathname);
    if (!hit) {
      originFetches++;
      hit = fetch(new URL(pathname, upstream)).then(async (response) => {
        if (!response.ok) throw Object.assign(new Error(`origin ${response.status}`), { status: response.status });
        return Buffer.from(await response.arrayBuffer());
      });
      hit.catch(() => cache.delete(pathname));
      cache.set(pathname, hit);
    }
    return hit;
  };
  const serveCached = async (req: IncomingMessage, res: ServerResponse, pathname: string, peer: string) => {
    let body: Buffer;
    try {
      body = await fetchWhole(pathname);
    } catch (error) {
      res.writeHead((error as { status?: number }).status ?? 502).end();
      return;
    }
    const answer = rangeAnswer(req.headers.range, body.length);
    if (answer.status === 416) {
      res.writeHead(416, answer.headers).end();
      return;
    }
    const slice = body.subarray(answer.offset, answer.offset + answer.length);
    res.writeHead(answer.status, { ...answer.headers, "content-type": "application/octet-stream" });
    if (req.method === "HEAD") {
      res.end();
      return;
    }
    const s: Stream = { peer, queue: [slice], queued: slice.length, upstream: null, res, ended: true };
    streams.add(s);
    res.on("close", () => streams.delete(s));
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://proxy");
    const peer = url.searchParams.get("peer") ?? "unknown";
    if (options.edgeCache !== false && url.pathname.startsWith("/lab/files/") && (req.method === "GET" || req.method === "HEAD")) {
      void serveCached(req, res, url.pathname, peer);
      return;
    }
    const forward = httpRequest(
      { host: upstream.hostname, port: upstream.port, path: url.pathname + url.search, method: req.method, headers: { ...req.headers, host: upstream.host } },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        if (!url.pathname.startsWith("/lab/files/") || req.method === "HEAD") {
          up.pipe(res); // only file bodies are paced and counted
          return;
        }
        const s: Stream = { peer, queue: [], queued: 0, upstream: up, res, ended: false };
        streams.add(s);
        up.on("data", (chunk: Buffer) => {
          s.queue.push(chunk);
          s.queued += chunk.length;
          if (s.queued >= BACKLOG_BYTES) up.pause();
        });
        up.on("end", () => (s.ended = true));
        up.on("error", () => {
          streams.delete(s);
          res.destroy();
        });
        res.on("close", () => {
          streams.delete(s);
          up.destroy();
        });
      },
    );
    forward.on("error", () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(forward);
  });

  // ---- tracker relay
  const wss = new WebSocketServer({ noServer: true });
  server.on("upgrade", (req, socket, head) => {
    wss.handleUpgrade(req, socket, head, (client) => relay(client, req.url ?? "/announce"));
  });
  function relay(client: WebSocket, path: string): void {
    const wsBase = `${upstream.protocol === "https:" ? "wss:" : "ws:"}//${upstream.host}`;
    // `slot` only tells the lab's peers apart (several WebTorrent clients in one process would otherwise share
    // one tracker socket, which the tracker limits to two peer ids per torrent); the worker never sees it
    const url = new URL(path, "ws://proxy");
    url.searchParams.delete("slot");
    const server = new WebSocket(wsBase + url.pathname + url.search);
    const pending: RawData[] = [];
    let peer: string | null = null;
    const account = (data: RawData, direction: "in" | "out") => {
      const text = data.toString();
      peer ??= peerIdOf(text);
      if (!peer) return;
      // looked up per message: reset() swaps the stats object between runs while sockets stay open
      const traffic = (stats.trackerByPeer[peer] ??= { messagesIn: 0, bytesIn: 0, messagesOut: 0, bytesOut: 0 });
      const bytes = Buffer.byteLength(text);
      if (direction === "in") {
        traffic.messagesIn++;
        traffic.bytesIn += bytes;
      } else {
        traffic.messagesOut++;
        traffic.bytesOut += bytes;
      }
    };
    client.on("message", (data, isBinary) => {
      account(data, "in");
      if (server.readyState === WebSocket.OPEN) server.send(data, { binary: isBinary });
      else pending.push(data);
    });
    server.on("open", () => {
      for (const data of pending.splice(0)) server.send(data.toString());
    });
    server.on("message", (data, isBinary) => {
      account(data, "out");
      if (client.readyState === WebSocket.OPEN) client.send(data, { binary: isBinary });
    });
    const closeBoth = () => {
      if (client.readyState <= WebSocket.OPEN) client.close();
      if (server.readyState <= WebSocket.OPEN) server.close();
    };
    client.on("close", closeBoth);
    server.on("close", closeBoth);
    client.on("error", closeBoth);
    server.on("error", closeBoth);
  }

  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    setRate: (bytesPerSecond) => {
      if (bytesPerSecond !== cap?.rate) cap = serverCap(bytesPerSecond);
    },
    reset: () => {
      cache = new Map();
      originFetches = 0;
      served = 0;
      cap?.reset(performance.now());
      stats = { servedByPeer: {}, servedSamples: [[now(), 0]], trackerByPeer: {} };
    },
    stats: () => ({ ...stats, originFetches, waitMs: cap ? cap.waitedMs(performance.now()) : null }),
    close: async () => {
      clearInterval(tick);
      clearInterval(sampler);
      for (const client of wss.clients) client.terminate();
      for (const s of streams) s.res.destroy();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}

/** The announcing peer's id (hex) from a tracker message: `peer_id` is a 20-char binary (latin-1) string. */
function peerIdOf(text: string): string | null {
  try {
    const message = JSON.parse(text) as { peer_id?: unknown };
    return typeof message.peer_id === "string" ? Buffer.from(message.peer_id, "latin1").toString("hex") : null;
  } catch {
    return null;
  }
}
