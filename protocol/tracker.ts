// The WebTorrent WebSocket tracker protocol (as bittorrent-tracker 11 speaks it), parsed once at the edge.
// Layer: protocol. Raw frames become one domain shape with hex ids; nothing downstream sees raw JSON.
import { z } from "zod";
import { BinaryId, binaryToHex, hexToBinary } from "./ids";
import { describeIssue } from "./issues";

/** Documented limits (README "Tracker limits"). Stock clients stay far below every one of them. */
export const TRACKER_LIMITS = {
  /** Largest text frame accepted; a stock announce with 5 offers is ~2-15 KB. */
  maxFrameBytes: 64 * 1024,
  /** Largest SDP in one offer or answer. */
  maxSdpBytes: 16 * 1024,
  /** Offers beyond this many in one announce are ignored (stock clients send at most 5). */
  maxOffersPerAnnounce: 10,
  /** Server cap on how many peers one announce's offers fan out to. */
  maxFanOut: 10,
  /** Distinct info hashes one socket may announce. */
  maxInfoHashesPerSocket: 100,
  /** Info hashes in one scrape request; a scrape of "all" returns at most this many swarms. */
  maxScrapeHashes: 100,
  /** Sustained messages per second per socket, and the burst allowed above it. */
  messagesPerSecond: 20,
  messageBurst: 60,
  /** Over-limit messages tolerated (each answered with a failure reason) before the socket is closed. */
  maxRateViolations: 50,
} as const;

/** WebSocket close codes we use (RFC 6455 §7.4.1). */
export const CLOSE_CODES = {
  normal: 1000,
  unsupportedData: 1003,
  invalidPayload: 1007,
  policyViolation: 1008,
  messageTooBig: 1009,
  internalError: 1011,
  /** The server side restarted (a deploy, an eviction): reconnect. */
  serviceRestart: 1012,
} as const;

export const ANNOUNCE_EVENTS = ["started", "completed", "stopped", "paused", "update"] as const;
export type AnnounceEvent = (typeof ANNOUNCE_EVENTS)[number];

const Sdp = z.string().max(TRACKER_LIMITS.maxSdpBytes, "sdp too long");
const Count = z.number().finite().nonnegative();

const OfferEntry = z.object({
  offer: z.object({ type: z.literal("offer"), sdp: Sdp }),
  offer_id: BinaryId,
});

/** The common head every message has; checked first so errors can name the action and info hash. */
const Head = z.object({ action: z.enum(["announce", "scrape"], { error: "unknown action" }) });

const AnnounceWire = z.object({
  action: z.literal("announce"),
  info_hash: BinaryId,
  peer_id: BinaryId,
  numwant: z.number().int().nonnegative().optional(),
  uploaded: Count.optional(),
  downloaded: Count.optional(),
  // A client without metadata yet sends left = Infinity, which JSON turns into null.
  left: Count.nullable().optional(),
  event: z.enum(ANNOUNCE_EVENTS, { error: "unknown event" }).optional(),
  offers: z.array(OfferEntry).optional(),
});

const AnswerWire = z.object({
  action: z.literal("announce"),
  info_hash: BinaryId,
  peer_id: BinaryId,
  to_peer_id: BinaryId,
  offer_id: BinaryId,
  answer: z.object({ type: z.literal("answer"), sdp: Sdp }),
});

// One hash or a list; the shape is chosen up front so errors say what is wrong rather than "invalid input".
const ScrapeOne = z.object({ action: z.literal("scrape"), info_hash: BinaryId.optional() });
const ScrapeMany = z.object({
  action: z.literal("scrape"),
  info_hash: z.array(BinaryId).max(TRACKER_LIMITS.maxScrapeHashes, "too many info hashes"),
});

export type AnnounceMessage = {
  kind: "announce";
  infoHash: string;
  peerId: string;
  event: AnnounceEvent;
  /** Bytes still missing; null when unknown (no metadata yet). 0 means seeder. */
  left: number | null;
  numwant: number | undefined;
  offers: { offerId: string; sdp: string }[];
};
export type AnswerMessage = {
  kind: "answer";
  infoHash: string;
  peerId: string;
  toPeerId: string;
  offerId: string;
  sdp: string;
};
export type ScrapeMessage = { kind: "scrape"; infoHashes: string[] | "all" };
export type ClientMessage = AnnounceMessage | AnswerMessage | ScrapeMessage;

export type ParseFailure = { ok: false; reason: string; action?: string; infoHash?: string };
export type ParseResult = { ok: true; message: ClientMessage } | ParseFailure;

/**
 * workerd hands over a text frame with invalid UTF-8 decoded with U+FFFD in place of the bad bytes instead of
 * closing (RFC 6455 §8.1 wants 1007). No frame of this protocol carries U+FFFD (ids are latin-1, SDP is
 * ASCII), so its presence marks a frame that was not valid UTF-8.
 */
export function looksLikeInvalidUtf8(text: string): boolean {
  return text.includes("\uFFFD");
}

/** Parses one text frame (its size is the socket's business: it closes with 1009). Never throws: every
 * problem becomes a failure reason for the wire. */
export function parseClientFrame(text: string): ParseResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: "invalid JSON" };
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return { ok: false, reason: "message must be a JSON object" };
  }
  const record = json as Record<string, unknown>;
  // The common case is checked by hand; zod's Head only words the refusal (this runs on every frame).
  const headOk = record.action === "announce" || record.action === "scrape";
  // Echo the action/info_hash back only when they are well formed, so the client can match the error.
  // Worked out only for a refusal: it costs a parse of its own.
  const fail = (reason: string): ParseFailure => ({
    ok: false,
    reason,
    action: headOk ? (record.action as string) : undefined,
    infoHash: BinaryId.safeParse(record.info_hash).success ? binaryToHex(record.info_hash as string) : undefined,
  });
  if (!headOk) return fail(describeIssue(Head.safeParse(json).error!));

  if (record.action === "scrape") {
    const scrape = (Array.isArray(record.info_hash) ? ScrapeMany : ScrapeOne).safeParse(json);
    if (!scrape.success) return fail(describeIssue(scrape.error));
    const raw = scrape.data.info_hash;
    const infoHashes = raw === undefined ? "all" : (Array.isArray(raw) ? raw : [raw]).map(binaryToHex);
    return { ok: true, message: { kind: "scrape", infoHashes } };
  }

  if (record.answer !== undefined) {
    const answer = AnswerWire.safeParse(json);
    if (!answer.success) return fail(describeIssue(answer.error));
    const a = answer.data;
    return {
      ok: true,
      message: {
        kind: "answer",
        infoHash: binaryToHex(a.info_hash),
        peerId: binaryToHex(a.peer_id),
        toPeerId: binaryToHex(a.to_peer_id),
        offerId: binaryToHex(a.offer_id),
        sdp: a.answer.sdp,
      },
    };
  }

  const announce = AnnounceWire.safeParse(json);
  if (!announce.success) return fail(describeIssue(announce.error));
  const a = announce.data;
  return {
    ok: true,
    message: {
      kind: "announce",
      infoHash: binaryToHex(a.info_hash),
      peerId: binaryToHex(a.peer_id),
      event: a.event ?? "update",
      left: a.left ?? null,
      numwant: a.numwant,
      offers: (a.offers ?? [])
        .slice(0, TRACKER_LIMITS.maxOffersPerAnnounce)
        .map((o) => ({ offerId: binaryToHex(o.offer_id), sdp: o.offer.sdp })),
    },
  };
}

/** Where a frame goes: a scrape (parsed in full), or the swarm of an info hash (parsed there in full). */
export type RouteResult =
  | { ok: true; route: { kind: "scrape"; message: ScrapeMessage } | { kind: "swarm"; infoHash: string; isAnswer: boolean } }
  | ParseFailure;

const SwarmRoute = z.object({ action: z.literal("announce"), info_hash: BinaryId });

/**
 * Reads only what a multiplexer needs to route a frame — its action and info hash — and leaves the rest to
 * the swarm object that receives it, which parses it in full (parsing every announce twice was measurable).
 */
export function routeClientFrame(text: string): RouteResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: "invalid JSON" };
  }
  if (typeof json === "object" && json !== null && (json as Record<string, unknown>).action === "scrape") {
    const parsed = parseClientFrame(text);
    return parsed.ok ? { ok: true, route: { kind: "scrape", message: parsed.message as ScrapeMessage } } : parsed;
  }
  const route = SwarmRoute.safeParse(json);
  // A frame that cannot be routed gets the full parse's precise reason.
  if (!route.success) return parseClientFrame(text) as ParseFailure;
  const isAnswer = (json as Record<string, unknown>).answer !== undefined;
  return { ok: true, route: { kind: "swarm", infoHash: binaryToHex(route.data.info_hash), isAnswer } };
}

// ---- Server → client frames. Built from domain values; ids go back to latin-1 binary here. ----

export function announceReplyFrame(infoHash: string, interval: number, complete: number, incomplete: number): string {
  return JSON.stringify({ action: "announce", info_hash: hexToBinary(infoHash), interval, complete, incomplete });
}

export function offerFrame(infoHash: string, fromPeerId: string, offerId: string, sdp: string): string {
  return JSON.stringify({
    action: "announce",
    info_hash: hexToBinary(infoHash),
    peer_id: hexToBinary(fromPeerId),
    offer: { type: "offer", sdp },
    offer_id: hexToBinary(offerId),
  });
}

export function answerFrame(infoHash: string, fromPeerId: string, offerId: string, sdp: string): string {
  return JSON.stringify({
    action: "announce",
    info_hash: hexToBinary(infoHash),
    peer_id: hexToBinary(fromPeerId),
    answer: { type: "answer", sdp },
    offer_id: hexToBinary(offerId),
  });
}

export type SwarmCounts = { complete: number; incomplete: number; downloaded: number };

export function scrapeReplyFrame(files: Record<string, SwarmCounts>): string {
  const wireFiles: Record<string, SwarmCounts> = {};
  for (const [hash, counts] of Object.entries(files)) wireFiles[hexToBinary(hash)] = counts;
  return JSON.stringify({ action: "scrape", files: wireFiles });
}

export function failureFrame(reason: string, context: { action?: string; infoHash?: string } = {}): string {
  const frame: Record<string, string> = { "failure reason": reason };
  if (context.action) frame.action = context.action;
  if (context.infoHash) frame.info_hash = hexToBinary(context.infoHash);
  return JSON.stringify(frame);
}
