// The browser page (served at `/`): search the directory, share files, download with a live piece map.
// Boots the WebTorrent client with this deployment's ICE servers and routes `#<info hash>` to a torrent.
// Layer: client/web (entry point).
import type WebTorrent from "webtorrent";
import type { RtcConfig } from "../../protocol/rtc-config";
import { DirectoryClient, deployment, keepRtcConfigFresh, setClientIceServers } from "../lib/browser";
import { App } from "./app";
import { WEBRTC_SUPPORTED, createBrowserClient, startStreamServer } from "./browser-peer";
import { byId, setText } from "./dom";
import { infoHashFromRoute } from "./links";
import { plural } from "./format";
import { opfsAvailable, removeOrphanStores } from "./opfs-stores";
import { SearchView } from "./views/search-view";
import { ShareView } from "./views/share-view";
import { TorrentView } from "./views/torrent-view";
import { TransfersView } from "./views/transfers-view";

const REFRESH_MS = 500;

function banner(message: string): void {
  const element = byId("banner");
  element.hidden = false;
  setText(element, message);
}

async function boot(): Promise<void> {
  const site = deployment(location.origin);
  // The light reply checks: zod would add ~450 KB to the page (zod 4 classic does not tree-shake).
  const api = new DirectoryClient(site);
  if (!WEBRTC_SUPPORTED) banner("This browser has no WebRTC data channels: you can search, but not download or share.");
  if (!opfsAvailable()) banner("This browser has no private file system (OPFS): downloads are kept in memory, so keep them small.");

  const [rtc] = await Promise.all([
    api.rtcConfig().catch((): RtcConfig => ({ iceServers: [] })),
    // Stores left by closed tabs; must run before this tab creates any.
    removeOrphanStores().catch(() => 0),
  ]);
  const client = createBrowserClient({ deployment: site, iceServers: rtc.iceServers });
  // Short-lived TURN credentials are renewed before they expire, for the tab's later connections.
  keepRtcConfigFresh({
    ttlSeconds: rtc.ttlSeconds,
    fetch: () => api.rtcConfig(),
    apply: (iceServers) => setClientIceServers(client as unknown as WebTorrent, iceServers),
  });
  client.on("error", (error) => banner(`WebTorrent: ${error instanceof Error ? error.message : String(error)}`));
  const streaming = await startStreamServer(client);
  const app = new App(api, client, site, streaming);

  const search = new SearchView(byId("search-view"), app);
  const torrentView = new TorrentView(byId("torrent-view"), app);
  const share = new ShareView(byId("share-view"), app);
  const transfers = new TransfersView(byId("transfers-view"), app);

  const route = () => {
    const infoHash = infoHashFromRoute(location.hash);
    const searchRoot = byId("search-view");
    if (infoHash) {
      searchRoot.hidden = true;
      void torrentView.show(infoHash).catch((error: unknown) => banner(String(error)));
    } else {
      torrentView.hide();
      searchRoot.hidden = false;
    }
  };
  window.addEventListener("hashchange", route);
  route();
  void search.run(true);

  setInterval(() => {
    torrentView.update();
    transfers.update();
    share.update();
  }, REFRESH_MS);

  const stats = byId("net-stats");
  const refreshStats = () =>
    api.stats().then(
      (s) => setText(stats, `${plural(s.torrents, "torrent")} listed · ${plural(s.peers, "peer")} online`),
      () => setText(stats, ""),
    );
  void refreshStats();
  setInterval(refreshStats, 30_000);

  // Tests and scripts wait for this before driving the page.
  document.body.dataset.ready = "true";
}

void boot().catch((error: unknown) => banner(`The page could not start: ${error instanceof Error ? error.message : String(error)}`));
