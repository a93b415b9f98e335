// One client's tracker socket in the in-process host: the same guard as on Cloudflare (frame type and size,
// UTF-8, the per-connection rate limit), each frame parsed once and handed straight to its swarm's core with
// the client's socket as the peer's handle — no upstream sockets, no second parse. A `/announce/<hash>` socket
// is bound to its swarm; a `/announce` socket joins up to 100 swarms as it announces in them. When it goes,
// every swarm it joined drops its peers (a synthetic `stopped`). Layer: adapter (web-standard APIs only).
import { TRACKER_LIMITS, failureFrame, type ClientMessage } from "../../protocol/tracker";
import { closeQuietly, trySend, type PeerSocket } from "../connection-guard";
import { scrapeFrame } from "../scrape";
import type { SwarmCore } from "../swarm-core";
import type { SwarmRegistry } from "./swarm-registry";

export class TrackerConnection<S extends PeerSocket> {
  /** Swarms this socket joined, by info hash. */
  private readonly joined = new Map<string, SwarmCore<S>>();
  private closed = false;

  private constructor(
    private readonly registry: SwarmRegistry<S>,
    private readonly socket: S,
    private readonly addr: string,
    private readonly bound: string | null,
  ) {}

  /** A `/announce` socket: any number of swarms (up to the limit), joined as it announces. */
  static multiplexed<S extends PeerSocket>(registry: SwarmRegistry<S>, socket: S, addr: string): TrackerConnection<S> {
    return new TrackerConnection(registry, socket, addr, null);
  }

  /** A `/announce/<hash>` socket, joined to its swarm at once; check `registry.admission` before the upgrade. */
  static bound<S extends PeerSocket>(registry: SwarmRegistry<S>, socket: S, addr: string, infoHash: string): TrackerConnection<S> {
    const connection = new TrackerConnection(registry, socket, addr, infoHash);
    connection.joined.set(infoHash, registry.attach(infoHash, socket, addr));
    return connection;
  }

  /** A frame as the runtime hands it over (text, or binary as ArrayBuffer or Blob). */
  frame(raw: string | ArrayBuffer | Blob): void {
    if (this.closed) return;
    let message: ClientMessage | undefined;
    try {
      const verdict = this.registry.guard.check(this.socket, raw, this.registry.now());
      if (verdict.kind === "close") {
        // Our own close: the peers leave now, whether or not a close event follows.
        this.gone();
        closeQuietly(this.socket, verdict.code, verdict.reason);
        return;
      }
      if (verdict.kind === "reply") return void trySend(this.socket, verdict.frame);
      message = verdict.message;
      const core = this.bound !== null ? this.joined.get(this.bound)! : this.route(message);
      if (core) core.handle(this.socket, message).catch((error) => this.failed(message, error));
    } catch (error) {
      this.failed(message, error);
    }
  }

  /** The socket closed (either side) or failed: every swarm it joined drops its peers. */
  closedWith(code: number): void {
    this.gone();
    closeQuietly(this.socket, code);
  }

  /** A `/announce` frame's swarm, joined on its first announce; null when the frame was answered here. */
  private route(message: ClientMessage): SwarmCore<S> | null {
    if (message.kind === "scrape") {
      const hashes = message.infoHashes;
      // A scrape of one swarm this socket is in is answered by that swarm, exactly; others read the counts the
      // swarms pushed to the directory's database (as on Cloudflare).
      const only = hashes !== "all" && new Set(hashes).size === 1 ? this.joined.get(hashes[0]!) : undefined;
      if (only) return only;
      scrapeFrame(this.registry.settings.db, hashes).then(
        (frame) => this.send(frame),
        (error) => this.failed(message, error),
      );
      return null;
    }
    const joined = this.joined.get(message.infoHash);
    if (joined) return joined;
    const fail = (reason: string) => this.send(failureFrame(reason, { action: "announce", infoHash: message.infoHash }));
    // An answer in a swarm this socket never announced in can only be refused: without making the swarm.
    if (message.kind === "answer") return fail("answer from a peer that has not announced on this connection"), null;
    if (this.joined.size >= TRACKER_LIMITS.maxInfoHashesPerSocket) {
      return fail(`too many torrents on one connection (limit ${TRACKER_LIMITS.maxInfoHashesPerSocket})`), null;
    }
    const refusal = this.registry.admission(message.infoHash, this.addr);
    if (refusal) return fail(refusal), null;
    const core = this.registry.attach(message.infoHash, this.socket, this.addr);
    this.joined.set(message.infoHash, core);
    return core;
  }

  private gone(): void {
    if (this.closed) return;
    this.closed = true;
    for (const infoHash of this.joined.keys()) {
      try {
        this.registry.detach(infoHash, this.socket);
      } catch (error) {
        this.log("leaving a swarm failed", { infoHash, error });
      }
    }
    this.joined.clear();
  }

  private send(frame: string): void {
    if (!this.closed) trySend(this.socket, frame);
  }

  /** Named like any refusal, so the client can match it to what it sent; the log keeps the detail. */
  private failed(message: ClientMessage | undefined, error: unknown): void {
    const infoHash = message && message.kind !== "scrape" ? message.infoHash : undefined;
    this.log("message handling failed", { infoHash, error });
    this.send(failureFrame("internal error", infoHash ? { action: "announce", infoHash } : {}));
  }

  private log(what: string, detail: { infoHash?: string; error: unknown }): void {
    console.error(`tracker connection: ${what}`, {
      addr: this.addr,
      bound: this.bound,
      swarms: this.joined.size,
      ...detail,
      error: String(detail.error),
    });
  }
}
