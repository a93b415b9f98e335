// The directory's HTTP API as the page uses it: search, details, publish a .torrent, ICE config, stats.
// Layer: client/web (a candidate for client/lib: nothing here is page-specific). Types come from protocol/;
// replies get a shape check here instead of the zod schemas, which would add ~450 KB (zod 4 classic does not
// tree-shake) to a page whose WebTorrent bundle is 220 KB.
import type { ErrorBody, PublishResponse, SearchResponse, SearchSort, StatsResponse, TorrentDetails } from "../../protocol/directory";
import type { RtcConfig } from "../../protocol/rtc-config";

/** A reply's shape, checked just enough that the page can rely on the fields it reads. */
type Check<T> = (body: unknown) => body is T;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);
const isHit = (v: unknown): boolean => isObject(v) && typeof v.info_hash === "string" && typeof v.name === "string" && typeof v.size === "number";
const isSearch: Check<SearchResponse> = (v): v is SearchResponse => isObject(v) && Array.isArray(v.hits) && v.hits.every(isHit);
const isDetails: Check<TorrentDetails> = (v): v is TorrentDetails => isHit(v) && Array.isArray((v as Record<string, unknown>).files);
const isPublish: Check<PublishResponse> = (v): v is PublishResponse => isObject(v) && Array.isArray(v.entries) && v.entries.every(isHit);
const isRtc: Check<RtcConfig> = (v): v is RtcConfig => isObject(v) && Array.isArray(v.iceServers);
const isStats: Check<StatsResponse> = (v): v is StatsResponse => isObject(v) && typeof v.torrents === "number" && typeof v.peers === "number";
const isError: Check<ErrorBody> = (v): v is ErrorBody => isObject(v) && isObject(v.error) && typeof v.error.message === "string" && typeof v.error.code === "string";

export class DirectoryError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
  ) {
    super(message);
    this.name = "DirectoryError";
  }
}

export type SearchQuery = {
  q: string;
  sort?: SearchSort;
  order?: "asc" | "desc";
  limit?: number;
  cursor?: string | null;
};

export type PublishOptions = { tags?: string[]; description?: string; publishKey?: string };

export class DirectoryApi {
  /** `base` is the deployment's origin; "" means the page's own. */
  constructor(private readonly base = "") {}

  async search(query: SearchQuery, signal?: AbortSignal): Promise<SearchResponse> {
    const params = new URLSearchParams({ q: query.q });
    if (query.sort) params.set("sort", query.sort);
    if (query.order) params.set("order", query.order);
    if (query.limit) params.set("limit", String(query.limit));
    if (query.cursor) params.set("cursor", query.cursor);
    return this.json(isSearch, `/api/search?${params}`, { signal });
  }

  /** The directory's entry for a torrent, or null when the directory does not list it. */
  async details(infoHash: string): Promise<TorrentDetails | null> {
    try {
      return await this.json(isDetails, `/api/torrents/${infoHash}`);
    } catch (error) {
      if (error instanceof DirectoryError && error.status === 404) return null;
      throw error;
    }
  }

  /** The .torrent the publisher uploaded (full metadata at once, no ut_metadata round trips). */
  async torrentFile(url: string): Promise<Uint8Array> {
    const response = await fetch(this.base + url);
    if (!response.ok) throw await errorFrom(response);
    return new Uint8Array(await response.arrayBuffer());
  }

  /** Publishes a .torrent (the directory verifies it and reads name, size and files from it). */
  async publishTorrentFile(torrentFile: Uint8Array, options: PublishOptions = {}): Promise<PublishResponse> {
    const params = new URLSearchParams();
    for (const tag of options.tags ?? []) params.append("tags", tag);
    if (options.description) params.set("description", options.description);
    const headers: Record<string, string> = { "content-type": "application/x-bittorrent" };
    if (options.publishKey) headers["x-publish-key"] = options.publishKey;
    const query = params.toString() ? `?${params}` : "";
    // A copy with its own ArrayBuffer: fetch refuses views of shared or oversized buffers in some browsers.
    return this.json(isPublish, `/api/torrents${query}`, { method: "POST", headers, body: new Blob([torrentFile.slice()]) });
  }

  /** STUN/TURN servers of this deployment; none on localhost. */
  async rtcConfig(): Promise<RtcConfig> {
    return this.json(isRtc, "/api/rtc-config");
  }

  async stats(): Promise<StatsResponse> {
    return this.json(isStats, "/api/stats");
  }

  private async json<T>(check: Check<T>, path: string, init: RequestInit = {}): Promise<T> {
    let response: Response;
    try {
      response = await fetch(this.base + path, { ...init, headers: { accept: "application/json", ...init.headers } });
    } catch (error) {
      if (error instanceof DOMException && error.name === "AbortError") throw error;
      throw new DirectoryError("the server cannot be reached", 0, "unreachable");
    }
    if (!response.ok) throw await errorFrom(response);
    const body: unknown = await response.json().catch(() => undefined);
    if (!check(body)) throw new DirectoryError(`unexpected reply from ${path.split("?")[0]}`, response.status, "bad_reply");
    return body;
  }
}

async function errorFrom(response: Response): Promise<DirectoryError> {
  const body: unknown = await response.json().catch(() => undefined);
  if (isError(body)) return new DirectoryError(body.error.message, response.status, body.error.code);
  return new DirectoryError(`${response.status} ${response.statusText}`.trim(), response.status, "http_error");
}
