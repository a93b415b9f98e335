// The browser page (served at `/`): search the directory, open any magnet or .torrent, share files, download
// with a live piece map, pause and resume across reloads. Boots the WebTorrent client with this deployment's
// ICE servers, resumes the downloads kept from the last visit, and routes `#<info hash>` / `#magnet:?…`.
// Layer: client/web (entry point).
import type WebTorrent from "webtorrent";
import type { RtcConfig } from "../../protocol/rtc-config";
import { DirectoryClient, deployment, keepRtcConfigFresh, setClientIceServers } from "../lib/browser";
import { App } from "./app";
import { WEBRTC_SUPPORTED, createBrowserClient, startStreamServer } from "./browser-peer";
import { byId, setText } from "./dom";
import { allRecords } from "./library-store";
import { routeOf } from "./links";
import { plural } from "./format";
import { opfsAvailable, removeOrphanStores } from "./opfs-stores";
import { OpenView } from "./views/open-view";
import { SettingsView } from "./views/settings-view";
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

  const [rtc, records] = await Promise.all([api.rtcConfig().catch((): RtcConfig => ({ iceServers: [] })), allRecords()]);
  // Stores nobody keeps (no record, no tab); must run before this tab creates any.
  await removeOrphanStores(new Set(records.map((r) => r.infoHash))).catch(() => 0);
  let app: App | null = null;
  const client = createBrowserClient({
    deployment: site,
    iceServers: rtc.iceServers,
    keepTracker: (url, infoHash) => app?.allowedTrackers.get(infoHash)?.has(url) ?? false,
  });
  // Short-lived TURN credentials are renewed before they expire, for the tab's later connections.
  keepRtcConfigFresh({
    ttlSeconds: rtc.ttlSeconds,
    fetch: () => api.rtcConfig(),
    apply: (iceServers) => setClientIceServers(client as unknown as WebTorrent, iceServers),
  });
  client.on("error", (error) => banner(`WebTorrent: ${error instanceof Error ? error.message : String(error)}`));
  const streaming = await startStreamServer(client);
  app = new App(api, client, site, streaming);
  const page = app;
  new OpenView(byId("open-view"), app);
  new SettingsView(byId("settings-view"), client);

  const search = new SearchView(byId("search-view"), app);
  const torrentView = new TorrentView(byId("torrent-view"), app);
  const share = new ShareView(byId("share-view"), app);
  const transfers = new TransfersView(byId("transfers-view"), app);

  const route = () => {
    const opened = routeOf(location.hash);
    const searchRoot = byId("search-view");
    if (opened) {
      searchRoot.hidden = true;
      // A magnet in the address bar; a kept download of the same torrent already knows more (its .torrent).
      const known = page.held.has(opened.infoHash) || page.pending.get(opened.infoHash)?.meta;
      if (opened.kind === "magnet" && !known) page.setPending(opened.infoHash, { torrentId: opened.magnet, magnet: opened.magnet, meta: null });
      void torrentView.show(opened.infoHash).catch((error: unknown) => banner(String(error)));
    } else {
      torrentView.hide();
      searchRoot.hidden = false;
    }
  };
  window.addEventListener("hashchange", route);
  // Downloads running when the page last closed go on; paused ones are listed.
  await app.restore().catch((error: unknown) => banner(`Could not resume the kept downloads: ${error instanceof Error ? error.message : String(error)}`));
  route();
  void search.run(true);

  const baseTitle = document.title;
  setInterval(() => {
    torrentView.update();
    transfers.update();
    share.update();
    document.title = titleOf(page, baseTitle);
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

/**
 * The tab title shows the active download: the one on screen if it is one, else the first running one —
 * `42% name — edgeswarm`, `100%` when its chosen files are complete.
 */
function titleOf(app: App, baseTitle: string): string {
  const shown = routeOf(location.hash)?.infoHash;
  const downloads = [...app.held.values()].filter((held) => held.role === "download" && !held.torrent.destroyed);
  const active = downloads.find((held) => held.torrent.infoHash === shown) ?? downloads.find((held) => !held.paused && !app.complete(held));
  if (!active) return baseTitle;
  const t = active.torrent;
  const name = t.name && t.name !== t.infoHash ? t.name : `${t.infoHash.slice(0, 8)}…`;
  // Whole percents, rounded down: 100% only once complete.
  const percent = app.complete(active) ? 100 : Math.min(99, Math.floor(app.progress(active) * 100));
  return `${percent}% ${name} — edgeswarm`;
}

void boot().catch((error: unknown) => banner(`The page could not start: ${error instanceof Error ? error.message : String(error)}`));
