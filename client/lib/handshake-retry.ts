// Retries failed WebRTC handshakes: when a connection a tracker introduced closes before it ever opened, the
// torrent re-announces soon (fresh offers) instead of waiting out the announce interval (120 s by default).
// Layer: client/lib (Node and browser; no platform imports).
import type WebTorrent from "webtorrent";
import type { Torrent, WebRtcConnection } from "webtorrent";
import { wasSuperseded } from "./offer-glare";

export type HandshakeRetryOptions = {
  /** Delay before the first re-announce after a failure; doubles per further failure. Default 1 s. */
  firstDelayMs?: number;
  /** Cap on that delay. Default 30 s. */
  maxDelayMs?: number;
  /** Re-announces in a row without a successful connection before giving up until the next success. Default 5. */
  maxAttempts?: number;
};

const DEFAULTS: Required<HandshakeRetryOptions> = { firstDelayMs: 1_000, maxDelayMs: 30_000, maxAttempts: 5 };

/** Watches every torrent the client holds or adds. Returns a function that stops watching new torrents. */
export function retryFailedHandshakes(client: WebTorrent, options: HandshakeRetryOptions = {}): () => void {
  const settings = { ...DEFAULTS, ...options };
  const onAdd = (torrent: Torrent) => watchTorrent(torrent, settings);
  for (const torrent of client.torrents) onAdd(torrent);
  client.on("add", onAdd);
  return () => client.off("add", onAdd);
}

function watchTorrent(torrent: Torrent, settings: Required<HandshakeRetryOptions>): void {
  let failuresInARow = 0;
  let timer: ReturnType<typeof setTimeout> | null = null;

  const reannounce = () => {
    timer = null;
    if (torrent.destroyed) return;
    torrent.discovery?.tracker?.update();
  };

  const onFailure = () => {
    if (torrent.destroyed || timer !== null || failuresInARow >= settings.maxAttempts) return;
    const delay = Math.min(settings.firstDelayMs * 2 ** failuresInARow, settings.maxDelayMs);
    failuresInARow++;
    timer = setTimeout(reannounce, delay);
    timer.unref?.();
  };

  // `peer` carries either an address (TCP, not used here) or a WebRTC connection, usually still connecting.
  torrent.on("peer", (peer) => {
    if (typeof peer === "string" || peer.connected) return;
    watchConnection(peer, () => (failuresInARow = 0), onFailure);
  });
  torrent.once("close", () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
  });
}

function watchConnection(connection: WebRtcConnection, onOpen: () => void, onFailure: () => void): void {
  let opened = false;
  connection.once("connect", () => {
    opened = true;
    onOpen();
  });
  connection.once("close", () => {
    if (!opened && !wasSuperseded(connection)) onFailure();
  });
}
