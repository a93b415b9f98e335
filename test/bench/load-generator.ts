// Load generator for the tracker benchmark, run as a child process (forked by tracker-bench.ts) so its CPU is
// not charged to the tracker under test. Each peer has its own WebSocket, announces with N offers, announces
// again as soon as the announce is answered, and answers every offer it receives — optionally paced per
// socket by a client-side token bucket, to stay under a tracker's per-connection rate limit.
// Driven over IPC: start (connect every socket) → ready, go (first announces) → primed once every peer's first
// announce has been answered, window-start → window-started, window-end → window, stop → exit.
import { randomBytes } from "node:crypto";
import { performance } from "node:perf_hooks";
import WebSocket from "ws";

export type GeneratorConfig = {
  /** One URL per swarm, in `swarms` order (ours: /announce/<hash> or /announce; reference: /). */
  urls: string[];
  /** Info hashes (40 hex) this generator drives; each gets `peersPerSwarm` peers. */
  swarms: string[];
  peersPerSwarm: number;
  offersPerAnnounce: number;
  sdpBytes: number;
  /** Messages per second per socket, or null for no pacing (closed loop as fast as answered). */
  pacing: { ratePerSecond: number; burst: number } | null;
  /**
   * Open loop instead of a closed one: each peer announces once per this many ms (first at a random phase),
   * whatever the replies — a crowd of clients on their timers. Null: announce again as soon as answered.
   */
  announceEveryMs: number | null;
  connectConcurrency: number;
  connectTimeoutMs: number;
  announceTimeoutMs: number;
};

export type WindowStats = {
  seconds: number;
  announcesSent: number;
  announceReplies: number;
  offersReceived: number;
  answersSent: number;
  answersReceived: number;
  /** Failure-reason frames by reason: never counted as answered announces. */
  failures: Record<string, number>;
  announceTimeouts: number;
  /** Replies that arrived for an announce already given up on (after a timeout or an ambiguous failure). */
  strayReplies: number;
  socketsClosedByServer: number;
  /** Announce round trips (frame written → reply read), ms. */
  latenciesMs: number[];
  /** Mean time frames waited in the client-side pacing queue, ms (large = the pacing, not the server, limits). */
  meanPacingWaitMs: number;
};

export type ToGenerator =
  | { type: "start"; config: GeneratorConfig }
  | { type: "go" }
  | { type: "window-start" }
  | { type: "window-end" }
  | { type: "stop" };
export type FromGenerator =
  | { type: "ready"; connected: number; failed: number; connectMs: number; firstError?: string }
  | { type: "primed"; answered: number; ms: number }
  | { type: "window-started" }
  | { type: "window"; stats: WindowStats }
  | { type: "stopped" };

// Failure reasons that reject an answer rather than an announce (ours sends both with action "announce").
const ANSWER_FAILURES = ["no matching offer", "the offering peer has left", "answer from a peer"];

function fakeSdp(kind: "offer" | "answer", bytes: number): string {
  const lines = [
    "v=0",
    `o=- ${Date.now()} 2 IN IP4 127.0.0.1`,
    "s=-",
    "t=0 0",
    "a=group:BUNDLE 0",
    "m=application 9 UDP/DTLS/SCTP webrtc-datachannel",
    "c=IN IP4 0.0.0.0",
    `a=setup:${kind === "offer" ? "actpass" : "active"}`,
    "a=sctp-port:5000",
    "a=ice-ufrag:bench",
    "a=ice-pwd:benchbenchbenchbenchbench",
    "a=fingerprint:sha-256 " + "AB:".repeat(31) + "AB",
  ];
  let sdp = lines.join("\r\n") + "\r\n";
  while (sdp.length < bytes) sdp += "a=x-pad:" + "p".repeat(Math.min(60, bytes - sdp.length)) + "\r\n";
  return sdp.slice(0, bytes);
}

const hexToBinary = (hex: string) => Buffer.from(hex, "hex").toString("latin1");
const randomBinaryId = () => randomBytes(20).toString("latin1");

type Outgoing = { kind: "announce"; queuedAt: number } | { kind: "answer"; frame: string; queuedAt: number };

class Counters {
  announcesSent = 0;
  announceReplies = 0;
  offersReceived = 0;
  answersSent = 0;
  answersReceived = 0;
  failures: Record<string, number> = {};
  announceTimeouts = 0;
  strayReplies = 0;
  socketsClosedByServer = 0;
  latenciesMs: number[] = [];
  pacingWaitMs = 0;
  framesSent = 0;
}

class Peer {
  readonly peerId = randomBinaryId();
  ws: WebSocket | null = null;
  open = false;
  private queue: Outgoing[] = [];
  private tokens: number;
  private refilledAt = performance.now();
  private timer: NodeJS.Timeout | null = null;
  /** idle: nothing pending; queued: an announce waits in the queue; inflight: sent, reply awaited. */
  announceState: "idle" | "queued" | "inflight" = "idle";
  sentAt = 0;
  private started = false;
  /** Whether this peer's first announce got a reply: the swarm knows it. */
  primed = false;
  private readonly prefix: string;

  constructor(
    private readonly gen: Generator,
    readonly url: string,
    readonly infoHash: string,
  ) {
    this.tokens = gen.config.pacing?.burst ?? 0;
    this.prefix = `{"action":"announce","info_hash":${JSON.stringify(infoHash)},"peer_id":${JSON.stringify(this.peerId)}`;
  }

  connect(): Promise<void> {
    return new Promise((resolve, reject) => {
      // An all-zero mask lets ws skip masking our frames (RFC 6455 allows any key); the server unmasks as usual.
      const ws = new WebSocket(this.url, { perMessageDeflate: false, skipUTF8Validation: true, generateMask: (mask) => void mask.fill(0) });
      this.ws = ws;
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error("connect timeout"));
      }, this.gen.config.connectTimeoutMs);
      ws.once("open", () => {
        clearTimeout(timer);
        this.open = true;
        resolve();
      });
      ws.once("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
      ws.on("message", (data: Buffer) => this.onMessage(data.toString()));
      ws.on("close", () => {
        if (this.open && !this.gen.stopping) this.gen.c.socketsClosedByServer++;
        this.open = false;
        if (this.timer) clearTimeout(this.timer);
        this.gen.primedOne(0); // one peer fewer to wait for
      });
    });
  }

  private onMessage(text: string): void {
    const c = this.gen.c;
    if (text.includes('"failure reason"')) {
      const reason = String((JSON.parse(text) as Record<string, unknown>)["failure reason"]);
      c.failures[reason] = (c.failures[reason] ?? 0) + 1;
      if (this.announceState === "inflight" && !ANSWER_FAILURES.some((r) => reason.startsWith(r))) {
        // Most likely the announce was refused (e.g. rate limit): it is over, announce again.
        this.announceState = "idle";
        if (this.gen.config.announceEveryMs === null) this.queueAnnounce();
      }
      return;
    }
    if (text.includes('"offer":')) {
      const offer = JSON.parse(text) as { peer_id: string; offer_id: string };
      c.offersReceived++;
      const frame =
        `{"action":"announce","info_hash":${JSON.stringify(this.infoHash)},"peer_id":${JSON.stringify(this.peerId)}` +
        `,"to_peer_id":${JSON.stringify(offer.peer_id)},"offer_id":${JSON.stringify(offer.offer_id)}` +
        `,"answer":{"type":"answer","sdp":${this.gen.answerSdpJson}}}`;
      this.enqueue({ kind: "answer", frame, queuedAt: performance.now() });
      return;
    }
    if (text.includes('"answer":')) {
      c.answersReceived++;
      return;
    }
    if (text.includes('"interval"')) {
      if (this.announceState !== "inflight") {
        c.strayReplies++;
        return;
      }
      c.announceReplies++;
      c.latenciesMs.push(performance.now() - this.sentAt);
      if (!this.primed) {
        this.primed = true;
        this.gen.primedOne();
      }
      this.announceState = "idle";
      if (this.gen.config.announceEveryMs === null) this.queueAnnounce();
    }
  }

  /** Open loop: announce on a fixed period, starting at a random phase within it. */
  startTimer(): void {
    const period = this.gen.config.announceEveryMs!;
    const tick = () => {
      if (!this.open) return;
      if (this.announceState === "idle") this.queueAnnounce();
      this.periodTimer = setTimeout(tick, period);
    };
    this.periodTimer = setTimeout(tick, Math.random() * period);
  }

  periodTimer: NodeJS.Timeout | null = null;

  queueAnnounce(): void {
    if (this.announceState !== "idle" || !this.open) return;
    this.announceState = "queued";
    this.enqueue({ kind: "announce", queuedAt: performance.now() });
  }

  private enqueue(item: Outgoing): void {
    this.queue.push(item);
    this.drain();
  }

  private drain = (): void => {
    this.timer = null;
    if (!this.open || !this.ws) return;
    const pacing = this.gen.config.pacing;
    const now = performance.now();
    if (pacing) {
      this.tokens = Math.min(pacing.burst, this.tokens + ((now - this.refilledAt) / 1000) * pacing.ratePerSecond);
      this.refilledAt = now;
    }
    const c = this.gen.c;
    while (this.queue.length > 0 && (!pacing || this.tokens >= 1)) {
      const item = this.queue.shift()!;
      if (pacing) this.tokens -= 1;
      c.pacingWaitMs += now - item.queuedAt;
      c.framesSent++;
      if (item.kind === "answer") {
        this.ws.send(item.frame);
        c.answersSent++;
      } else {
        this.ws.send(this.announceFrame());
        this.announceState = "inflight";
        this.sentAt = performance.now();
        c.announcesSent++;
      }
    }
    if (this.queue.length > 0 && pacing) {
      this.timer = setTimeout(this.drain, Math.max(1, Math.ceil(((1 - this.tokens) / pacing.ratePerSecond) * 1000)));
    }
  };

  private announceFrame(): string {
    const g = this.gen;
    const ids = randomBytes(20 * g.config.offersPerAnnounce).toString("latin1");
    let offers = "";
    for (let i = 0; i < g.config.offersPerAnnounce; i++) {
      if (i > 0) offers += ",";
      offers += `{"offer":{"type":"offer","sdp":${g.offerSdpJson}},"offer_id":${JSON.stringify(ids.slice(i * 20, i * 20 + 20))}}`;
    }
    const event = this.started ? "" : `,"event":"started"`;
    this.started = true;
    return `${this.prefix},"numwant":${g.config.offersPerAnnounce},"uploaded":0,"downloaded":0,"left":1000000${event},"offers":[${offers}]}`;
  }

  /** Gives up on an announce that was never answered, so a lost reply does not stall this peer. */
  checkTimeout(now: number): void {
    if (this.announceState === "inflight" && now - this.sentAt > this.gen.config.announceTimeoutMs) {
      this.gen.c.announceTimeouts++;
      this.announceState = "idle";
      if (this.gen.config.announceEveryMs === null) this.queueAnnounce();
    }
  }
}

class Generator {
  c = new Counters();
  stopping = false;
  readonly peers: Peer[] = [];
  readonly offerSdpJson: string;
  readonly answerSdpJson: string;
  private windowStartedAt = 0;
  private primedCount = 0;
  private goAt = 0;
  private onPrimed: ((message: FromGenerator) => void) | null = null;
  private sweeper: NodeJS.Timeout | null = null;

  constructor(readonly config: GeneratorConfig) {
    this.offerSdpJson = JSON.stringify(fakeSdp("offer", config.sdpBytes));
    this.answerSdpJson = JSON.stringify(fakeSdp("answer", config.sdpBytes));
    config.swarms.forEach((hex, i) => {
      for (let p = 0; p < config.peersPerSwarm; p++) this.peers.push(new Peer(this, config.urls[i]!, hexToBinary(hex)));
    });
  }

  async connectAll(): Promise<FromGenerator> {
    const t0 = performance.now();
    let next = 0;
    let connected = 0;
    let failed = 0;
    let firstError: string | undefined;
    // Interleave swarms so every swarm fills up at the same pace.
    const order = [...this.peers.keys()].sort((a, b) => (a % this.config.peersPerSwarm) - (b % this.config.peersPerSwarm) || a - b);
    const worker = async () => {
      while (next < order.length) {
        const peer = this.peers[order[next++]!]!;
        try {
          await peer.connect();
          connected++;
        } catch (error) {
          failed++;
          firstError ??= String(error);
        }
      }
    };
    await Promise.all(Array.from({ length: this.config.connectConcurrency }, worker));
    this.sweeper = setInterval(() => {
      const now = performance.now();
      for (const peer of this.peers) peer.checkTimeout(now);
    }, 500);
    return { type: "ready", connected, failed, connectMs: performance.now() - t0, firstError };
  }

  /** Starts every peer; resolves once each open peer has had its first announce answered. */
  go(): Promise<FromGenerator> {
    this.goAt = performance.now();
    if (this.config.announceEveryMs !== null) {
      // Open loop: no priming round; the crowd's first announces are part of what is measured.
      for (const peer of this.peers) peer.startTimer();
      return Promise.resolve({ type: "primed", answered: 0, ms: 0 });
    }
    const result = new Promise<FromGenerator>((resolve) => (this.onPrimed = resolve));
    for (const peer of this.peers) peer.queueAnnounce();
    this.primedOne(0);
    return result;
  }

  primedOne(count = 1): void {
    this.primedCount += count;
    const open = this.peers.filter((p) => p.open).length;
    if (this.onPrimed && this.primedCount >= open) {
      this.onPrimed({ type: "primed", answered: this.primedCount, ms: performance.now() - this.goAt });
      this.onPrimed = null;
    }
  }

  startWindow(): void {
    this.c = new Counters();
    this.windowStartedAt = performance.now();
  }

  endWindow(): WindowStats {
    const c = this.c;
    return {
      seconds: (performance.now() - this.windowStartedAt) / 1000,
      announcesSent: c.announcesSent,
      announceReplies: c.announceReplies,
      offersReceived: c.offersReceived,
      answersSent: c.answersSent,
      answersReceived: c.answersReceived,
      failures: c.failures,
      announceTimeouts: c.announceTimeouts,
      strayReplies: c.strayReplies,
      socketsClosedByServer: c.socketsClosedByServer,
      latenciesMs: c.latenciesMs.map((ms) => Math.round(ms * 100) / 100),
      meanPacingWaitMs: c.framesSent > 0 ? c.pacingWaitMs / c.framesSent : 0,
    };
  }

  /** Drops every connection at once: the tracker is stopped right after, so no close handshake is needed. */
  stop(): void {
    this.stopping = true;
    if (this.sweeper) clearInterval(this.sweeper);
    for (const peer of this.peers) {
      if (peer.periodTimer) clearTimeout(peer.periodTimer);
      peer.ws?.terminate();
    }
  }
}

if (process.send) {
  const send = (message: FromGenerator) => process.send!(message);
  let gen: Generator | null = null;
  process.on("message", (message: ToGenerator) => {
    void (async () => {
      if (message.type === "start") {
        gen = new Generator(message.config);
        send(await gen.connectAll());
      } else if (message.type === "go") {
        if (gen) send(await gen.go());
      } else if (message.type === "window-start") {
        gen?.startWindow();
        send({ type: "window-started" });
      } else if (message.type === "window-end") {
        if (gen) send({ type: "window", stats: gen.endWindow() });
      } else if (message.type === "stop") {
        gen?.stop();
        send({ type: "stopped" });
        process.disconnect();
        process.exit(0);
      }
    })();
  });
  process.on("disconnect", () => process.exit(0)); // the parent went away: never linger
}
