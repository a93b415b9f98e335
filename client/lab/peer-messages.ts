// Messages between the lab runner and its peer processes (Node IPC, JSON). Layer: client/lab, no imports.
import type { Mode } from "./bounds";
import type { Strategy } from "./simulator";

/** One role in one run, sent by the runner to a peer process. */
export type PeerAssignment = {
  runId: string;
  mode: Mode;
  role: "seed" | "leecher";
  /** The .torrent (base64); absent in cs, where the peer only downloads over HTTP. */
  torrent?: string;
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
  sampleMs: number;
};

export type RunnerToPeer = { type: "start"; assignment: PeerAssignment } | { type: "stop"; runId: string } | { type: "exit" };

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
};

export type PeerToRunner =
  | { type: "ready"; peerId: string; pid: number }
  | { type: "seeding"; runId: string; t: number }
  | { type: "announced"; runId: string; t: number }
  | { type: "started"; runId: string; t: number }
  | { type: "sample"; runId: string; sample: PeerSample }
  | { type: "done"; runId: string; t: number; sample: PeerSample }
  | { type: "stopped"; runId: string; sample: PeerSample | null }
  | { type: "error"; runId: string | null; message: string };
