// WebTorrent's browser bundle has the same API as the package (typed in client/types/webtorrent.d.ts).
declare module "webtorrent/dist/webtorrent.min.js" {
  import WebTorrent from "webtorrent";
  export default WebTorrent;
}
