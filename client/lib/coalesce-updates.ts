// One request update per turn of the event loop. webtorrent 3 (lib/torrent.js `_update`) re-plans every wire's
// requests on each HAVE, bitfield, unchoke and received block; browsers batch that through requestIdleCallback,
// Node runs it every time — with 16 wires and a HAVE from each for every piece, most of a lab peer host's
// request-planning CPU (issue 13) went into plans the next message replaced at once. Here calls made while
// one is pending fold into it, run with setImmediate (after the I/O callbacks that triggered them). Pipelines
// hold a second of requests, so the few milliseconds cost no throughput.
// Layer: client/lib (platform-neutral; used for Node clients, where there is no idle callback).
import type WebTorrent from "webtorrent";
import type { Torrent } from "webtorrent";

type Updatable = Torrent & { _update?: () => void; destroyed?: boolean };

const later: (fn: () => void) => void = (globalThis as { setImmediate?: (fn: () => void) => void }).setImmediate ?? ((fn) => setTimeout(fn, 0));
const done = new WeakSet<object>();

export function coalesceUpdates(torrent: Torrent): void {
  const t = torrent as Updatable;
  if (done.has(t) || typeof t._update !== "function") return;
  done.add(t);
  const update = t._update.bind(t);
  let pending = false;
  t._update = () => {
    if (pending) return;
    pending = true;
    later(() => {
      pending = false;
      if (!t.destroyed) update();
    });
  };
}

/** Applies it to every torrent the client holds or adds. Returns a function that stops for new ones. */
export function coalesceUpdatesForClient(client: WebTorrent): () => void {
  const onAdd = (torrent: Torrent) => coalesceUpdates(torrent);
  for (const torrent of client.torrents) onAdd(torrent);
  client.on("add", onAdd);
  return () => client.off("add", onAdd);
}
