// Removing a tracker from a running torrent (a user who does not want a third party's tracker to see them).
// webtorrent 3 starts one bittorrent-tracker Client per torrent (torrent.discovery.tracker) with one tracker
// object per URL in `_trackers`; destroying that object sends `stopped` there and closes its share of the
// socket. Layer: client/lib (platform-neutral; webtorrent internals named here only).
import type { Torrent } from "webtorrent";

type TrackerObject = { announceUrl: string; destroy(cb?: () => void): void };
type WithTrackerClient = Torrent & { announce: string[]; discovery: { tracker: { _trackers?: TrackerObject[] } | null } | null };

/** Stops announcing on `url` (and drops it from the torrent's list). True when the torrent had it. */
export function removeTracker(torrent: Torrent, url: string): boolean {
  const t = torrent as WithTrackerClient;
  const had = t.announce.includes(url);
  t.announce = t.announce.filter((u) => u !== url);
  const trackers = t.discovery?.tracker?._trackers;
  if (trackers) {
    const normalized = url.replace(/\/$/, "");
    for (let i = trackers.length - 1; i >= 0; i--) {
      if (trackers[i]!.announceUrl.split("?")[0] === normalized) {
        trackers[i]!.destroy();
        trackers.splice(i, 1);
      }
    }
  }
  return had;
}
