// The directory client's reply checks made of the protocol's zod schemas (the full contract). The Node entry
// uses these; a browser bundle may keep the light checks to leave zod out. Layer: client/lib.
import { PublishResponse, SearchResponse, StatsResponse, TorrentDetails, WebSeedStatus } from "../../protocol/directory";
import { RtcConfig } from "../../protocol/rtc-config";
import type { ReplyParsers } from "./directory-client";

export const zodParsers: ReplyParsers = {
  search: (body) => SearchResponse.parse(body),
  details: (body) => TorrentDetails.parse(body),
  publish: (body) => PublishResponse.parse(body),
  rtcConfig: (body) => RtcConfig.parse(body),
  stats: (body) => StatsResponse.parse(body),
  webSeed: (body) => WebSeedStatus.parse(body),
};
