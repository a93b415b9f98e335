// The directory API (protocol/directory.ts) as a client: search, details, publish, .torrent files, ICE
// configuration, stats. Every reply is checked before it is used; the checks are injectable so the Node entry
// uses the protocol's zod schemas and a page bundle can use the light shape checks here (zod 4 classic does not
// tree-shake). Layer: client/lib (platform-neutral: fetch only).
import type { ErrorBody, PublishEntryWire, PublishResponse, SearchResponse, SearchSort, StatsResponse, TorrentDetails, WebSeedStatus } from "../../protocol/directory";
import type { RtcConfig } from "../../protocol/rtc-config";
import { deployment, type Deployment } from "./deployment";
import { BadReplyError, DirectoryError, ServerUnreachableError, UsageError } from "./errors";

/** Turns a reply body into its type, or throws (any error; it is reported as a bad reply). */
export type ReplyParser<T> = (body: unknown) => T;

export type ReplyParsers = {
  search: ReplyParser<SearchResponse>;
  details: ReplyParser<TorrentDetails>;
  publish: ReplyParser<PublishResponse>;
  rtcConfig: ReplyParser<RtcConfig>;
  stats: ReplyParser<StatsResponse>;
  /** Web seed upload replies (default: the light check). */
  webSeed?: ReplyParser<WebSeedStatus>;
};

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isHit = (v: unknown) => isObject(v) && typeof v.info_hash === "string" && typeof v.name === "string" && typeof v.size === "number" && typeof v.magnet === "string";
function check<T>(ok: (v: unknown) => boolean, what: string): ReplyParser<T> {
  return (body) => {
    if (!ok(body)) throw new Error(`not a ${what}`);
    return body as T;
  };
}

/** Shape checks of the fields the library reads; no dependencies. */
export const lightParsers: ReplyParsers = {
  search: check((v) => isObject(v) && Array.isArray(v.hits) && v.hits.every(isHit), "search reply"),
  details: check((v) => isHit(v) && Array.isArray((v as Record<string, unknown>).files), "torrent"),
  publish: check((v) => isObject(v) && Array.isArray(v.entries) && v.entries.every(isHit), "publish reply"),
  rtcConfig: check((v) => isObject(v) && Array.isArray(v.iceServers), "rtc config"),
  stats: check((v) => isObject(v) && typeof v.torrents === "number", "stats reply"),
  webSeed: check((v) => isObject(v) && typeof v.part_size === "number" && typeof v.parts === "number" && Array.isArray(v.uploaded), "web seed reply"),
};

export type SearchQuery = {
  /** The query language of docs/directory.md: words, "phrases", -exclusions, prefix*. Empty = everything. */
  q?: string;
  sort?: SearchSort;
  order?: "asc" | "desc";
  minSize?: number;
  maxSize?: number;
  /** Exact tags, all of which must match. */
  tags?: string[];
  /** Only torrents with live peers. */
  alive?: boolean;
  limit?: number;
  cursor?: string | null;
};

export type PublishOptions = {
  /** The deployment's PUBLISH_KEY, when it requires one (sent as X-Publish-Key). */
  publishKey?: string;
  /** Tags and description for a published .torrent (JSON entries carry their own). */
  tags?: string[];
  description?: string;
};

/** What can be published: .torrent bytes (verified by the directory), or JSON entries (a share list). */
export type Publishable = Uint8Array | { torrentFile: Uint8Array } | PublishEntryWire | PublishEntryWire[];

export type DirectoryClientOptions = {
  fetch?: typeof fetch;
  parsers?: ReplyParsers;
  /** Per request. Default 15 s. */
  timeoutMs?: number;
};

export class DirectoryClient {
  readonly deployment: Deployment;
  private readonly fetchImpl: typeof fetch;
  private readonly parsers: ReplyParsers;
  private readonly timeoutMs: number;

  constructor(server: string | Deployment, options: DirectoryClientOptions = {}) {
    this.deployment = typeof server === "string" ? deployment(server) : server;
    this.fetchImpl = options.fetch ?? ((input, init) => fetch(input, init));
    this.parsers = options.parsers ?? lightParsers;
    this.timeoutMs = options.timeoutMs ?? 15_000;
  }

  /** One page of hits; a string is the query. Aborting `signal` rejects with its AbortError (not a failure). */
  async search(query: SearchQuery | string, options: { signal?: AbortSignal } = {}): Promise<SearchResponse> {
    const q = typeof query === "string" ? { q: query } : query;
    const params = new URLSearchParams({ q: q.q ?? "" });
    if (q.sort) params.set("sort", q.sort);
    if (q.order) params.set("order", q.order);
    if (q.minSize !== undefined) params.set("min_size", String(q.minSize));
    if (q.maxSize !== undefined) params.set("max_size", String(q.maxSize));
    for (const tag of q.tags ?? []) params.append("tag", tag);
    if (q.alive) params.set("alive", "1");
    if (q.limit !== undefined) params.set("limit", String(q.limit));
    if (q.cursor) params.set("cursor", q.cursor);
    return this.json(this.parsers.search, `/api/search?${params}`, { signal: options.signal });
  }

  /** The directory's entry for a torrent with its file list, or null when the directory does not list it. */
  async details(infoHash: string): Promise<TorrentDetails | null> {
    if (!/^[0-9a-f]{40}$/i.test(infoHash)) throw new UsageError(`not an info hash: ${infoHash} (expected 40 hexadecimal characters)`);
    try {
      return await this.json(this.parsers.details, `/api/torrents/${infoHash.toLowerCase()}`);
    } catch (error) {
      if (error instanceof DirectoryError && error.status === 404) return null;
      throw error;
    }
  }

  /** The .torrent as published (a details' `torrent_url`, or an info hash). */
  async torrentFile(urlOrInfoHash: string): Promise<Uint8Array> {
    const path = /^[0-9a-f]{40}$/i.test(urlOrInfoHash) ? `/api/torrents/${urlOrInfoHash.toLowerCase()}/torrent` : urlOrInfoHash;
    const response = await this.request(path, {});
    if (!response.ok) throw await errorFrom(response, path);
    return new Uint8Array(await response.arrayBuffer());
  }

  /**
   * Publishes a .torrent (the directory verifies it and reads name, files and piece length from it) or JSON
   * entries (the publisher's word). Re-publishing a listed torrent changes nothing and is not an error.
   */
  async publish(what: Publishable, options: PublishOptions = {}): Promise<PublishResponse> {
    const headers: Record<string, string> = {};
    if (options.publishKey) headers["x-publish-key"] = options.publishKey;
    let path = "/api/torrents";
    let body: BodyInit;
    const torrentFile = what instanceof Uint8Array ? what : "torrentFile" in what && what.torrentFile instanceof Uint8Array ? what.torrentFile : null;
    if (torrentFile) {
      const params = new URLSearchParams();
      if (options.tags?.length) params.set("tags", options.tags.join(","));
      if (options.description) params.set("description", options.description);
      if ([...params].length > 0) path += `?${params}`;
      headers["content-type"] = "application/x-bittorrent";
      // A copy with its own ArrayBuffer: fetch refuses views of shared or oversized buffers in some browsers.
      body = new Blob([torrentFile.slice()]);
    } else {
      headers["content-type"] = "application/json";
      body = JSON.stringify(what);
    }
    return this.json(this.parsers.publish, path, { method: "POST", headers, body });
  }

  /** Starts or resumes storing a listing's bytes at the edge (web seed); needs the publisher token. */
  webSeedStart(infoHash: string, token: string): Promise<WebSeedStatus> {
    return this.json(this.webSeedParser(), `/api/torrents/${infoHash}/web-seed`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
  }

  /** One part of the upload (the server checks its pieces against the torrent). */
  async webSeedPart(infoHash: string, token: string, part: number, bytes: Uint8Array): Promise<void> {
    await this.json((body) => body, `/api/torrents/${infoHash}/web-seed/parts/${part}`, {
      method: "PUT",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/octet-stream" },
      body: new Blob([bytes.slice()]),
    });
  }

  /** Makes the web seed live once every part is stored. */
  webSeedComplete(infoHash: string, token: string): Promise<WebSeedStatus> {
    return this.json(this.webSeedParser(), `/api/torrents/${infoHash}/web-seed/complete`, { method: "POST", headers: { authorization: `Bearer ${token}` } });
  }

  private webSeedParser(): ReplyParser<WebSeedStatus> {
    return this.parsers.webSeed ?? lightParsers.webSeed!;
  }

  /** The deployment's STUN/TURN servers (none on localhost). */
  async rtcConfig(): Promise<RtcConfig> {
    return this.json(this.parsers.rtcConfig, "/api/rtc-config");
  }

  async stats(): Promise<StatsResponse> {
    return this.json(this.parsers.stats, "/api/stats");
  }

  private async request(path: string, init: RequestInit): Promise<Response> {
    const url = this.deployment.api(path);
    const caller = init.signal ?? undefined;
    const timeout = AbortSignal.timeout(this.timeoutMs);
    try {
      return await this.fetchImpl(url, { ...init, signal: caller ? AbortSignal.any([caller, timeout]) : timeout });
    } catch (error) {
      if (caller?.aborted) throw caller.reason ?? error;
      const origin = this.deployment.origin;
      if (isTimeout(error)) throw new ServerUnreachableError(`the edgeswarm server at ${origin} did not answer within ${Math.round(this.timeoutMs / 1000)} s`, { cause: error });
      throw new ServerUnreachableError(`cannot reach the edgeswarm server at ${origin}${networkReason(error)}`, { cause: error });
    }
  }

  private async json<T>(parse: ReplyParser<T>, path: string, init: RequestInit = {}): Promise<T> {
    const response = await this.request(path, { ...init, headers: { accept: "application/json", ...(init.headers as Record<string, string>) } });
    if (!response.ok) throw await errorFrom(response, path);
    const body: unknown = await response.json().catch(() => undefined);
    try {
      return parse(body);
    } catch (error) {
      throw new BadReplyError(`unexpected reply from ${this.deployment.origin}${path.split("?")[0]} (is this an edgeswarm server?): ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`);
    }
  }
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
}

/** " (connection refused)" from undici's `fetch failed` and its cause. */
function networkReason(error: unknown): string {
  const cause = (error as { cause?: { code?: string } })?.cause;
  const code = cause?.code ?? (error as { code?: string })?.code;
  const reasons: Record<string, string> = {
    ECONNREFUSED: "connection refused",
    ENOTFOUND: "host not found",
    EAI_AGAIN: "host not found",
    ECONNRESET: "connection reset",
    EHOSTUNREACH: "host unreachable",
    ENETUNREACH: "network unreachable",
    ETIMEDOUT: "timed out",
  };
  if (code && reasons[code]) return ` (${reasons[code]})`;
  return code ? ` (${code})` : "";
}

async function errorFrom(response: Response, path: string): Promise<DirectoryError | BadReplyError> {
  const body: unknown = await response.json().catch(() => undefined);
  if (isErrorBody(body)) return new DirectoryError(body.error.message, response.status, body.error.code);
  return new DirectoryError(`${response.status} ${response.statusText} from ${path.split("?")[0]}`.trim(), response.status, "http_error");
}

function isErrorBody(v: unknown): v is ErrorBody {
  return isObject(v) && isObject(v.error) && typeof v.error.message === "string" && typeof v.error.code === "string";
}
