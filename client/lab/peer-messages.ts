// Messages between the lab runner and its peer hosts (Node IPC, JSON). A host is one Node process running
// several lab peers (slots), each its own WebTorrent client with its own caps. Layer: client/lab, no imports.
import type { Mode } from "./bounds";
import type { Strategy } from "./simulator";

/** One role in one run, sent by the runner to a slot of a peer host. */
export type PeerAssignment = {
  runId: string;
  mode: Mode;
  role: "seed" | "leecher";
  /** This slot's peer id (hex, 20 bytes): how the tracker and the other peers know it. */
  peerId: string;
  /** The .torrent (base64); absent in cs, where the peer only downloads over HTTP. */
  torrent?: string;
  /** This slot's own tracker URL (the proxy's, with `?slot=`): one tracker socket per lab peer. */
  announceUrl?: string;
  /** Folder holding the file (seed) or receiving it (leecher). */
  dir: string;
  strategy: Strategy;
  /** Upload and download caps, bytes/s; null = none. */
  upBytesPerSecond: number | null;
  downBytesPerSecond: number | null;
  /** cs: the file's URL (through the runner's rate-capping proxy); hybrid: the BEP 19 web seed URL. */
  httpUrl?: string;
  /** cs: expected SHA-256 (hex) and size of the file. */
  sha256?: string;
  size?: number;
  /** Hex peer id of the seed, to tell bytes from the seed (server) from bytes from other peers. */
  seedPeerId?: string;
  /** hybrid: use the web seed only when the product's policy says so (client/lib/web-seed-policy.ts). */
  webSeedPolicy?: boolean;
  /** hybrid: parallel requests to the web seed (webtorrent's maxWebConns). */
  webSeedRequests?: number;
  /** webtorrent's hot-swap whenever a wire cannot fill its pipeline, or only in the endgame (client/lib's default). */
  hotswap?: "always" | "endgame" | "never";
  /** Issue 14: a free rider never unchokes anyone, so it uploads nothing (it still requests and announces). */
  freeRider?: boolean;
  sampleMs: number;
};

export type HostMeasure = { cpuSeconds: number; wallSeconds: number; p50Ms: number; p99Ms: number; maxMs: number };

export type RunnerToPeer =
  | { type: "start"; slot: number; assignment: PeerAssignment }
  /** The run's clock starts: caps start afresh (the seed waited for the leechers with nothing to send). */
  | { type: "go"; slot: number; runId: string }
  | { type: "stop"; slot: number; runId: string }
  /** Opens (begin) or closes (end) this host's measuring window for a run. */
  | { type: "probe"; runId: string; phase: "begin" | "end" }
  | { type: "exit" };

/** Counters a peer reports; times are epoch milliseconds (performance.timeOrigin + performance.now()). */
export type PeerSample = {
  t: number;
  /** Payload bytes received from the server (HTTP, web seed, or the p2p seed) and from other peers. */
  fromServer: number;
  fromPeers: number;
  /** Payload bytes uploaded. */
  uploaded: number;
  /** Pieces held, as a hex bitfield (BEP 3 bit order); empty in cs. */
  have: string;
  connections: number;
  /** When the first payload byte arrived, and when 95% of the pieces were held (null: not yet). */
  firstByteAt: number | null;
  at95: number | null;
  /** Time (ms, cumulative) the upload / download cap had data waiting and no tokens; null = no cap. */
  upWaitMs?: number | null;
  downWaitMs?: number | null;
  /** Bytes the upload cap released (every wire byte: payload and protocol messages). */
  upCapBytes?: number | null;
};

export type SlotMessage =
  | { type: "seeding"; runId: string; t: number }
  | { type: "announced"; runId: string; t: number }
  | { type: "started"; runId: string; t: number }
  | { type: "sample"; runId: string; sample: PeerSample }
  | { type: "done"; runId: string; t: number; sample: PeerSample }
  | { type: "stopped"; runId: string; sample: PeerSample | null }
  | { type: "error"; runId: string | null; message: string };

export type PeerToRunner =
  | { type: "ready"; pid: number }
  | (SlotMessage & { slot: number })
  /** This host's CPU share and event-loop delay over the last interval (while a probe window is open). */
  | { type: "host-sample"; t: number; cpuShare: number; p99Ms: number }
  | { type: "probed"; runId: string; measure: HostMeasure };
