// The page's WebTorrent client: WebRTC peers introduced by this deployment's tracker, rarest-first piece
// selection, ICE servers from the deployment, downloads in OPFS, and a service-worker stream server for saving
// and previews. The client itself comes from the library's browser entry. Layer: client/web (browser).
import WebTorrent from "webtorrent/dist/webtorrent.min.js";
import type { PieceStrategy, Torrent, TorrentFile, TorrentOptions, Wire } from "webtorrent";
import { createBrowserWebTorrent, type Deployment } from "../lib/browser";

/** webtorrent's bitfield (the `bitfield` package). */
export type BitFieldLike = { get(index: number): boolean };

/** The parts of webtorrent's browser objects the page reads beyond client/types/webtorrent.d.ts. */
export type BrowserWire = Wire & { peerPieces: BitFieldLike; downloadSpeed(): number; uploadSpeed(): number };
export type BrowserFile = TorrentFile & {
  readonly type: string;
  readonly done: boolean;
  readonly streamURL: string;
  stream(opts?: { start?: number; end?: number }): ReadableStream<Uint8Array>;
  blob(): Promise<Blob>;
};
export type BrowserTorrent = Omit<Torrent, "files" | "wires"> & {
  readonly files: BrowserFile[];
  readonly wires: BrowserWire[];
  /** Pieces held (null until the metadata is in). */
  readonly bitfield: BitFieldLike | null;
  /** One entry per piece once the metadata is in. */
  readonly pieces: unknown[];
  readonly lastPieceLength: number;
  readonly downloadSpeed: number;
  readonly uploadSpeed: number;
  /** Milliseconds until done at the current speed (Infinity when stalled). */
  readonly timeRemaining: number;
  /** The trackers the torrent announces on (read when discovery starts). */
  announce: string[];
  /** Payload bytes received from peers and web seeds. */
  readonly received: number;
  readonly pieceLength: number;
  readonly torrentFile: Uint8Array;
};
export type BrowserClient = Omit<WebTorrent, "torrents"> & {
  readonly torrents: BrowserTorrent[];
  readonly downloadSpeed: number;
  readonly uploadSpeed: number;
  createServer(options: { controller: ServiceWorkerRegistration }): unknown;
};

export type SeedOptions = TorrentOptions & {
  pieceLength?: number;
  preloadedStore?: unknown;
  filterJunkFiles?: boolean;
  onProgress?: (hashedBytes: number, totalBytes: number) => void;
};

/** Rarest first unless a caller asks for sequential (what streaming from the start needs). */
export const DEFAULT_STRATEGY: PieceStrategy = "rarest";

export const WEBRTC_SUPPORTED: boolean = WebTorrent.WEBRTC_SUPPORT;

export function createBrowserClient(options: { deployment: Deployment; iceServers: RTCIceServer[]; keepTracker?: (url: string, infoHash: string) => boolean }): BrowserClient {
  // Every torrent announces on its swarm's own socket of this deployment (`/announce/<hash>`), and its magnet
  // and .torrent say so — also a new seed's, whose hash is only known once hashed. Trackers a magnet or
  // .torrent from elsewhere names are kept only when `keepTracker` says so (the user's choice).
  const client = createBrowserWebTorrent({ WebTorrent, rtc: { iceServers: options.iceServers }, swarmUrl: options.deployment.swarm, keepTracker: options.keepTracker });
  return client as unknown as BrowserClient;
}

/**
 * Starts WebTorrent's stream server in the service worker, so files are saved and previewed by streaming
 * from the chunk store (`file.streamURL`) rather than through an in-memory Blob. False when service workers
 * are unavailable (then saving falls back to Blobs).
 */
export async function startStreamServer(client: BrowserClient, scriptUrl = "/sw.js"): Promise<boolean> {
  if (!("serviceWorker" in navigator)) return false;
  try {
    const registration = await navigator.serviceWorker.register(scriptUrl, { scope: "/" });
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) {
      // A first visit is claimed on activation; a hard reload bypasses the worker until it is asked to claim.
      const claimed = new Promise<void>((resolve) => navigator.serviceWorker.addEventListener("controllerchange", () => resolve(), { once: true }));
      registration.active?.postMessage("edgeswarm:claim");
      const timedOut = await Promise.race([claimed.then(() => false), delay(5_000).then(() => true)]);
      if (timedOut || !navigator.serviceWorker.controller) return false;
    }
    const active = registration.active;
    if (!active || (active.state !== "activated" && active.state !== "activating")) return false;
    client.createServer({ controller: registration });
    return true;
  } catch {
    return false;
  }
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
