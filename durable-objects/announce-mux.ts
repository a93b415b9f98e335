// `/announce`: the stock clients' one socket carrying all their torrents, held by the worker itself (no
// object of its own) and multiplexed onto one WebSocket per torrent into that swarm's object — the same
// connection a `/announce/<hash>` client opens. The swarm object therefore applies every rule (answers,
// take-over, caps, expiry) to these peers exactly as to direct ones, and an announce cycle costs what it costs
// on the direct path: WebSocket messages, no RPC. Layer: adapter (runs in the worker; I/O only).
// Why a worker-held socket and not a Durable Object per socket: README "Where sockets live".
import { CLOSE_CODES, TRACKER_LIMITS, failureFrame, routeClientFrame, type RouteResult } from "../protocol/tracker";
import { ConnectionGuard, closeQuietly, trySend } from "./connection-guard";
import type { TrackerEnv } from "./env";
import { scrapeFrame } from "./scrape";
import { INFO_HASH_HEADER, REMOTE_ADDR_HEADER } from "./socket-host";
import { meter } from "./usage";

/** Close codes of a swarm object that mean "this client misbehaved": the client's socket closes with them. */
const POLICY_CLOSES = new Set<number>([CLOSE_CODES.policyViolation, CLOSE_CODES.messageTooBig, CLOSE_CODES.invalidPayload]);

/** One upstream per swarm: frames wait in `queue` until the swarm object accepted the socket. */
type Upstream = { ws: WebSocket | null; queue: string[]; closing: boolean };

export class AnnounceMux {
  private readonly guard = new ConnectionGuard<Extract<RouteResult, { ok: true }>["route"]>((text) => {
    const routed = routeClientFrame(text);
    return routed.ok ? { ok: true, message: routed.route } : routed;
  });
  private readonly upstreams = new Map<string, Upstream>();
  private closed = false;

  constructor(
    private readonly client: WebSocket,
    private readonly env: TrackerEnv,
    private readonly addr: string,
  ) {
    client.accept();
    client.addEventListener("message", (event) => this.guarded("message", () => this.onClientFrame(event.data)));
    client.addEventListener("close", (event) =>
      this.guarded("close", () => {
        // Complete the close handshake, or the runtime sees a request that never ends.
        closeQuietly(client, event.code);
        this.shutDown(event.code);
      }),
    );
    client.addEventListener("error", () => this.guarded("error", () => this.shutDown(CLOSE_CODES.internalError)));
  }

  private onClientFrame(raw: string | ArrayBuffer | Blob): void {
    meter.workerWsIn++;
    const verdict = this.guard.check(this.client, raw, Date.now());
    if (verdict.kind === "close") {
      closeQuietly(this.client, verdict.code, verdict.reason);
      return this.shutDown(verdict.code);
    }
    if (verdict.kind === "reply") return void this.send(verdict.frame);
    const route = verdict.message;
    if (route.kind === "scrape") {
      const hashes = route.message.infoHashes;
      // A scrape of one swarm this client is in is answered by that swarm's object, exactly; others read the
      // counts the objects pushed to D1.
      if (hashes !== "all" && new Set(hashes).size === 1 && this.upstreams.has(hashes[0]!)) return this.forward(hashes[0]!, raw as string);
      void this.scrape(hashes).catch((error) => this.log("scrape failed", error));
      return;
    }
    // An answer in a swarm this client never announced in can only be refused: say so here, without waking
    // (or creating) the swarm's object.
    if (route.isAnswer && !this.upstreams.has(route.infoHash)) {
      this.send(failureFrame("answer from a peer that has not announced on this connection", { action: "announce", infoHash: route.infoHash }));
      return;
    }
    // The swarm object parses the frame in full: it trusts nothing a socket sends, whoever holds the socket.
    this.forward(route.infoHash, raw as string);
  }

  private forward(infoHash: string, frame: string): void {
    let upstream = this.upstreams.get(infoHash);
    if (!upstream) {
      if (this.upstreams.size >= TRACKER_LIMITS.maxInfoHashesPerSocket) {
        this.send(failureFrame(`too many torrents on one connection (limit ${TRACKER_LIMITS.maxInfoHashesPerSocket})`, { action: "announce", infoHash }));
        return;
      }
      upstream = { ws: null, queue: [], closing: false };
      this.upstreams.set(infoHash, upstream);
      void this.open(infoHash, upstream);
    }
    if (upstream.ws) {
      meter.workerWsOut++;
      trySend(upstream.ws, frame);
    } else upstream.queue.push(frame);
  }

  private async open(infoHash: string, upstream: Upstream): Promise<void> {
    let ws: WebSocket | null = null;
    let refusal = "tracker busy: try again";
    try {
      const stub = this.env.SWARMS.get(this.env.SWARMS.idFromName(infoHash));
      meter.doRequests++;
      const response = await stub.fetch("https://swarm.internal/announce", {
        headers: { Upgrade: "websocket", [INFO_HASH_HEADER]: infoHash, [REMOTE_ADDR_HEADER]: this.addr },
      });
      ws = response.webSocket;
      // A refusal the swarm object explains (a cap) is passed on as the announce's failure reason.
      if (!ws) refusal = (await errorMessage(response)) ?? refusal;
    } catch (error) {
      this.log("swarm connection failed", error);
    }
    if (!ws) {
      this.upstreams.delete(infoHash);
      for (const _ of upstream.queue) this.send(failureFrame(refusal, { action: "announce", infoHash }));
      return;
    }
    ws.accept();
    if (this.closed || upstream.closing) return closeQuietly(ws);
    upstream.ws = ws;
    ws.addEventListener("message", (event) => {
      meter.workerWsIn++;
      this.send(event.data as string);
    });
    ws.addEventListener("close", (event) => this.guarded("upstream close", () => this.onUpstreamClosed(infoHash, upstream, event.code, event.reason)));
    ws.addEventListener("error", () => this.guarded("upstream error", () => this.onUpstreamClosed(infoHash, upstream, CLOSE_CODES.internalError, "")));
    for (const frame of upstream.queue.splice(0)) {
      meter.workerWsOut++;
      trySend(ws, frame);
    }
  }

  /**
   * A swarm object closed its side. For abuse it names (rate, size, encoding) the client's socket closes the
   * same way. Otherwise the object restarted (a deploy, an eviction) and dropped this client's peers: the
   * client's socket closes too, so that the client reconnects and re-announces at once, as a direct client
   * whose socket closed would, instead of staying unlisted until its next interval.
   */
  private onUpstreamClosed(infoHash: string, upstream: Upstream, code: number, reason: string): void {
    if (upstream.ws) closeQuietly(upstream.ws, code);
    if (this.upstreams.get(infoHash) === upstream) this.upstreams.delete(infoHash);
    if (this.closed || upstream.closing) return;
    const policy = POLICY_CLOSES.has(code);
    closeQuietly(this.client, policy ? code : CLOSE_CODES.serviceRestart, policy ? reason : "tracker restarted: reconnect");
    this.shutDown(code);
  }

  private async scrape(infoHashes: string[] | "all"): Promise<void> {
    this.send(await scrapeFrame(this.env.DB, infoHashes));
  }

  /** The client is gone: every swarm object learns it at once (its peers leave, a synthetic `stopped`). */
  private shutDown(_code: number): void {
    if (this.closed) return;
    this.closed = true;
    for (const upstream of this.upstreams.values()) {
      upstream.closing = true;
      if (upstream.ws) closeQuietly(upstream.ws, CLOSE_CODES.normal, "client left");
    }
    this.upstreams.clear();
  }

  private send(frame: string): void {
    if (!this.closed) trySend(this.client, frame);
  }

  private guarded(what: string, work: () => void): void {
    try {
      work();
    } catch (error) {
      this.log(`${what} handling failed`, error);
      if (what === "message") this.send(failureFrame("internal error"));
    }
  }

  private log(what: string, error: unknown): void {
    console.error(`announce mux: ${what}`, { addr: this.addr, swarms: this.upstreams.size, error: String(error) });
  }
}

async function errorMessage(response: Response): Promise<string | null> {
  const body = (await response.json().catch(() => null)) as { error?: { message?: unknown } } | null;
  return typeof body?.error?.message === "string" ? body.error.message : null;
}
