// The page's service worker (client/web): WebTorrent's stream server, which answers /webtorrent/<hash>/<path>
// from the page's torrents (saving and previews stream from the chunk store instead of building a Blob in
// memory), plus one message so a page loaded without a controller (a hard reload) can ask to be claimed.
import "webtorrent-sw";

self.addEventListener("message", (event) => {
  if (event.data === "edgeswarm:claim") event.waitUntil(self.clients.claim());
});
