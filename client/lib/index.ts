// The client library's platform-neutral surface: the peer core, the directory client, targets, progress,
// formatting and errors. Import a platform entry instead to get a working peer: `node.ts` (Node) or
// `browser.ts` (browsers, with WebTorrent's browser build injected); `directory-schemas.ts` adds the full zod
// reply checks where bundle size does not matter. These four are the library's entries. Layer: client/lib.
export { EdgeswarmPeer, Download } from "./peer";
export type {
  DownloadEvents,
  DownloadOptions,
  DownloadResult,
  PeerEvents,
  PeerOptions,
  PeerPlatform,
  PieceStrategy,
  Resolved,
  SeedOptions,
  Seeding,
  TorrentFileInfo,
  TorrentInfo,
} from "./peer";
export {
  applySelection,
  checkSelection,
  parseFileSelection,
  piecesOfFile,
  piecesOfSelection,
  selectedBytes,
  selectionDone,
  selectionPieceBytes,
  selectionProgress,
} from "./file-selection";
export type { FileLayout, SelectableTorrent } from "./file-selection";
export { DirectoryClient, lightParsers } from "./directory-client";
export { ALWAYS_WEB_SEED_POLICY, DEFAULT_WEB_SEED_POLICY, decide as decideWebSeed, initialState as initialWebSeedState } from "./web-seed-policy";
export type { Decision as WebSeedDecision, Observation as WebSeedObservation, PolicyState as WebSeedPolicyState, WebSeedPolicy } from "./web-seed-policy";
export { assistWithWebSeed } from "./web-seed-assist";
export type { AssistOptions, WebSeedAssist, WebSeedStats } from "./web-seed-assist";
export { uploadWebSeed } from "./web-seed-upload";
export type { WebSeedUploadOptions } from "./web-seed-upload";
export { magnetWebSeeds } from "./torrent-meta";
export type { DirectoryClientOptions, PublishOptions, Publishable, ReplyParsers, SearchQuery } from "./directory-client";
export { DEFAULT_SERVER, deployment, isLoopbackHost, normalizeServer, rtcConfigFor, withSocketTag } from "./deployment";
export type { Deployment, PeerRtcConfig } from "./deployment";
export { parseTarget, infoHashOf } from "./targets";
export type { Target } from "./targets";
export { countHeld, heldPieces, pieceDiversity, progressOf } from "./progress";
export type { Progress, TorrentLike } from "./progress";
export { verifyPieces, webCryptoSha1 } from "./piece-verify";
export { keepRtcConfigFresh, setClientIceServers } from "./rtc-refresh";
export type { PieceLayout, Sha1, VerifyResult } from "./piece-verify";
export { describeNarrowed, formatAge, formatBytes, formatDuration, formatPercent, formatSpeed, plural } from "./format";
export type { ByteFormat, DurationFormat } from "./format";
export * from "./errors";
export { layoutProblem, quoteName } from "./torrent-layout";
export type { LayoutProblem } from "./torrent-layout";
export { nameProblem, stripUnsafe, visibleText } from "../../protocol/name-rules";
export type { NameProblem, NameRuleOptions } from "../../protocol/name-rules";
