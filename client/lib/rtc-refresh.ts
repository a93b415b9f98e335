// Keeps a running WebTorrent client's short-lived TURN credentials fresh (issue 16). Layer: client/lib
// (platform-neutral; timers are a parameter).
//
// WebTorrent hands one rtcConfig object to every connection it makes: webtorrent keeps `opts.tracker` as
// `client.tracker`, torrents and torrent-discovery copy that object shallowly, bittorrent-tracker keeps its
// `rtcConfig` as `_rtcConfig` and passes it to each new simple-peer, which builds its RTCPeerConnection from it
// then. Replacing `client.tracker.rtcConfig.iceServers` therefore reaches every later offer and answer; a running
// connection keeps the TURN allocation it made with the credentials it started with.
import type WebTorrent from "webtorrent";
import type { IceServer, RtcConfig } from "../../protocol/rtc-config";

/** Share of a credential's lifetime after which a fresh one is fetched: early enough to retry before it ends. */
export const REFRESH_AFTER = 0.8;
const MIN_DELAY_MS = 1_000;
const MAX_RETRY_MS = 30_000;

/** When to fetch again, after receiving a credential that lives `ttlSeconds`. */
export function refreshDelayMs(ttlSeconds: number): number {
  return Math.max(MIN_DELAY_MS, Math.floor(ttlSeconds * 1000 * REFRESH_AFTER));
}

/** When to try again after a failed fetch: a twentieth of the lifetime, 1 to 30 s. */
export function retryDelayMs(ttlSeconds: number): number {
  return Math.min(MAX_RETRY_MS, Math.max(MIN_DELAY_MS, Math.floor(ttlSeconds * 1000 * 0.05)));
}

export type Timers = {
  setTimeout(run: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
};

const realTimers: Timers = {
  setTimeout: (run, ms) => {
    const handle = setTimeout(run, ms);
    // A refresh alone must not keep a Node process alive.
    (handle as { unref?: () => void }).unref?.();
    return handle;
  },
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Fetches the deployment's ICE configuration again before the credentials in use expire, and hands each fresh
 * list to `apply`, for as long as the replies carry a lifetime. Returns a function that stops it.
 */
export function keepRtcConfigFresh(options: {
  /** Lifetime of the credentials in use (the reply's `ttlSeconds`); missing or not positive = nothing to refresh. */
  ttlSeconds: number | undefined;
  fetch: () => Promise<RtcConfig>;
  apply: (iceServers: IceServer[]) => void;
  onError?: (error: unknown) => void;
  timers?: Timers;
}): () => void {
  const timers = options.timers ?? realTimers;
  let stopped = false;
  let timer: unknown = null;
  let ttl = options.ttlSeconds;

  const schedule = (ms: number) => {
    timer = timers.setTimeout(() => void refresh(), ms);
  };
  const refresh = async () => {
    timer = null;
    let reply: RtcConfig;
    try {
      reply = await options.fetch();
    } catch (error) {
      if (stopped) return;
      options.onError?.(error);
      schedule(retryDelayMs(ttl!));
      return;
    }
    if (stopped) return;
    options.apply(reply.iceServers);
    ttl = reply.ttlSeconds;
    if (isLifetime(ttl)) schedule(refreshDelayMs(ttl));
  };

  if (isLifetime(ttl)) schedule(refreshDelayMs(ttl));
  return () => {
    stopped = true;
    if (timer !== null) timers.clearTimeout(timer);
    timer = null;
  };
}

function isLifetime(ttl: unknown): ttl is number {
  return typeof ttl === "number" && Number.isFinite(ttl) && ttl > 0;
}

/** Puts `iceServers` in the rtcConfig object the client hands to its next connections. */
export function setClientIceServers(client: WebTorrent, iceServers: RTCIceServer[]): void {
  // The object itself must stay: trackers already running hold a reference to it, not to `client.tracker`.
  const config = client.tracker ? client.tracker.rtcConfig : undefined;
  if (config) config.iceServers = iceServers;
}
