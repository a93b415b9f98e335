// What a swarm reports beside its counts, for the stats page and metrics (README "Stats and metrics"): peers
// by transport and by client software (from peer-id prefixes, read by `bittorrent-peerid`), and its activity
// per second since the last push — announces, offers and answers relayed, refusals by reason.
// Layer: adapter (a library that reads Node's Buffer global; workerd's nodejs_compat provides it).
import peerid from "bittorrent-peerid";
import type { PeerRecord, Transport } from "./swarm/swarm";

/** The parts of a swarm a report reads. */
type Readable = { countsByTransport(): Record<Transport, { complete: number; incomplete: number }>; all(): Iterable<PeerRecord<unknown>> };

export type SwarmActivityReport = {
  httpComplete: number;
  httpIncomplete: number;
  /** Peers per client name ("qBittorrent", "WebTorrent", …; "unknown" when the prefix says nothing). */
  clients: Record<string, number>;
  announcesPerSecond: number;
  offersPerSecond: number;
  answersPerSecond: number;
  /** Refusals per second, by reason. */
  refusals: Record<string, number>;
};

/** A window shorter than this (a swarm's first report, moments after it began) would inflate its rates. */
const MIN_WINDOW_MS = 5_000;

/** Reasons are grouped by their text up to the first "(" so limits in them do not make a new reason each. */
const reasonKey = (reason: string) => reason.split(" (")[0]!.slice(0, 80);

export class SwarmActivity {
  private announces = 0;
  private offers = 0;
  private answers = 0;
  private readonly refusalCounts = new Map<string, number>();
  private readonly clientOf = new Map<string, string>();

  constructor(private since: number) {}

  announced(): void {
    this.announces++;
  }
  offerRelayed(): void {
    this.offers++;
  }
  answerRelayed(): void {
    this.answers++;
  }
  refused(reason: string): void {
    const key = reasonKey(reason);
    this.refusalCounts.set(key, (this.refusalCounts.get(key) ?? 0) + 1);
  }

  hasActivity(): boolean {
    return this.announces + this.offers + this.answers + this.refusalCounts.size > 0;
  }

  report(now: number, swarm: Readable): SwarmActivityReport {
    const seconds = Math.max(MIN_WINDOW_MS, now - this.since) / 1000;
    const byTransport = swarm.countsByTransport();
    const clients: Record<string, number> = {};
    const present = new Set<string>();
    for (const peer of swarm.all()) {
      present.add(peer.peerId);
      let client = this.clientOf.get(peer.peerId);
      if (client === undefined) {
        client = clientName(peer.peerId);
        this.clientOf.set(peer.peerId, client);
      }
      clients[client] = (clients[client] ?? 0) + 1;
    }
    for (const id of this.clientOf.keys()) if (!present.has(id)) this.clientOf.delete(id);
    const refusals: Record<string, number> = {};
    for (const [reason, n] of this.refusalCounts) refusals[reason] = n / seconds;
    return {
      httpComplete: byTransport.http.complete,
      httpIncomplete: byTransport.http.incomplete,
      clients,
      announcesPerSecond: this.announces / seconds,
      offersPerSecond: this.offers / seconds,
      answersPerSecond: this.answers / seconds,
      refusals,
    };
  }

  /** The report reached the directory: the next window starts now. */
  reset(now: number): void {
    this.since = now;
    this.announces = this.offers = this.answers = 0;
    this.refusalCounts.clear();
  }
}

/** A client's name from its peer id (hex), e.g. "qBittorrent" or "WebTorrent"; "unknown" when unreadable. */
export function clientName(peerIdHex: string): string {
  try {
    const parsed = peerid(peerIdHex) as { client?: string };
    return parsed.client && parsed.client !== "unknown" ? parsed.client : "unknown";
  } catch {
    return "unknown";
  }
}
