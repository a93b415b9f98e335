// The addresses of one edgeswarm deployment: its API, tracker sockets, magnet links and the page's share
// links, plus the ICE configuration its peers use. Layer: client/lib (pure, platform-neutral).
import type { IceServer } from "../../protocol/rtc-config";
import { UsageError } from "./errors";

export const DEFAULT_SERVER = "http://127.0.0.1:8787";

/** RTCPeerConnection configuration; `bindAddress` is node-datachannel's (the local address ICE binds). */
export type PeerRtcConfig = { iceServers: IceServer[]; bindAddress?: string };

/** ICE on loopback only, no STUN/TURN: nothing leaves the machine (local deployments, tests, labs). */
export const LOOPBACK_RTC: PeerRtcConfig = Object.freeze({ iceServers: [], bindAddress: "127.0.0.1" }) as PeerRtcConfig;

export type Deployment = {
  /** `http(s)://host[:port]`, no trailing slash. */
  origin: string;
  /** Whether the deployment runs on this machine (127.0.0.0/8, ::1, localhost). */
  isLoopback: boolean;
  /** The API URL of `path` (which starts with `/`). */
  api(path: string): string;
  /** The tracker's gateway socket (any torrent): `ws(s)://host/announce`. */
  gateway: string;
  /** The tracker socket of one swarm: `ws(s)://host/announce/<info hash>`. */
  swarm(infoHash: string): string;
  /** The page's link that opens a torrent: `<origin>/#<info hash>`. */
  shareLink(infoHash: string): string;
  /** A magnet whose tracker is this deployment's swarm socket (the directory's own magnet shape). */
  magnet(infoHash: string, name?: string | null, size?: number | null): string;
  /**
   * The first of `urls` (a magnet's ws=, a .torrent's url-list) that is this deployment's own web seed
   * (`<origin>/seed/…`). Like a link's xs= (swarm-announce.ts), another host named by whoever made the link is
   * never fetched: the edge is asked when peers are slow, so a stranger's host would learn who downloads what
   * (and the page's CSP allows no other origin).
   */
  ownWebSeed(urls: readonly string[]): string | undefined;
};

/**
 * Reads a server address as users type it (`http://host:8787`, `host:8787`, `https://edge.example/`) into
 * its origin. Only http and https are deployments; a path is ignored (the API lives at the origin's root).
 */
export function normalizeServer(server: string): string {
  const text = server.trim();
  if (text === "") throw new UsageError("the server address is empty");
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `http://${text}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new UsageError(`not a server address: ${server} (expected e.g. http://127.0.0.1:8787)`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new UsageError(`the server address must be http:// or https://, not ${url.protocol}//`);
  }
  return url.origin;
}

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return host === "localhost" || host.endsWith(".localhost") || host === "::1" || /^127(\.\d{1,3}){3}$/.test(host);
}

export function deployment(server: string): Deployment {
  const origin = normalizeServer(server);
  const url = new URL(origin);
  const wsBase = `${url.protocol === "https:" ? "wss" : "ws"}://${url.host}`;
  const swarm = (infoHash: string) => `${wsBase}/announce/${infoHash.toLowerCase()}`;
  return {
    origin,
    isLoopback: isLoopbackHost(url.hostname),
    api: (path) => `${origin}${path}`,
    gateway: `${wsBase}/announce`,
    swarm,
    shareLink: (infoHash) => `${origin}/#${infoHash.toLowerCase()}`,
    magnet: (infoHash, name, size) => {
      const parts = [`xt=urn:btih:${infoHash.toLowerCase()}`];
      if (name) parts.push(`dn=${encodeURIComponent(name)}`);
      if (size !== undefined && size !== null && size > 0) parts.push(`xl=${size}`);
      parts.push(`tr=${encodeURIComponent(swarm(infoHash))}`);
      return `magnet:?${parts.join("&")}`;
    },
    ownWebSeed: (urls) =>
      urls.find((candidate) => {
        try {
          const url = new URL(candidate);
          return url.origin === origin && url.pathname.startsWith("/seed/");
        } catch {
          return false;
        }
      }),
  };
}

/**
 * A tracker URL with a tag that gives its user a WebSocket of its own. bittorrent-tracker keeps one socket per
 * URL for the whole process and hands every frame for an info hash to every torrent of that hash on it, so
 * two peers of one process (tests, labs) sharing a swarm must not share the socket. The tracker ignores the
 * query string.
 */
export function withSocketTag(url: string, tag: string | undefined): string {
  if (!tag) return url;
  const parsed = new URL(url);
  parsed.searchParams.set("peer", tag);
  return parsed.toString();
}

/**
 * The RTCPeerConnection configuration for a deployment: its STUN/TURN servers (GET /api/rtc-config, set by the
 * deployment's ICE_SERVERS secret). A loopback deployment with none keeps ICE on loopback, so nothing leaves
 * the machine; elsewhere an empty list means host candidates only (peers on one network, or reachable ones).
 */
export function rtcConfigFor(target: Pick<Deployment, "isLoopback">, iceServers: IceServer[]): PeerRtcConfig {
  if (iceServers.length === 0 && target.isLoopback) return { ...LOOPBACK_RTC, iceServers: [] };
  return { iceServers };
}
