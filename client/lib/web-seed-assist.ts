// Applies the web seed policy (web-seed-policy.ts) to a running WebTorrent torrent: adds the edge as a BEP 19
// web seed (webtorrent's lib/webconn.js, a wire that requests pieces by HTTP Range) only while peers cannot
// serve well, with few requests in flight, and removes it when they can. Counts what came from the edge and
// from peers. Layer: client/lib (platform-neutral; Node, the page and the lab use it).
import type { Torrent, Wire } from "webtorrent";
import { DEFAULT_WEB_SEED_POLICY, decide, initialState, type PolicyState, type WebSeedPolicy } from "./web-seed-policy";

/** webtorrent 3 parts read here (lib/torrent.js, bittorrent-protocol). */
type AssistedWire = Wire & { peerPieces?: { get(i: number): boolean }; downloadSpeed(): number };
type AssistedTorrent = Torrent & {
  wires: AssistedWire[];
  bitfield: { get(i: number): boolean } | null;
  pieces: unknown[];
  maxWebConns: number;
  addWebSeed(url: string): void;
};

export type WebSeedStats = {
  /** Payload bytes from the edge and from peers, since the assist started. */
  edgeBytes: number;
  peerBytes: number;
  active: boolean;
  /** Every add and remove, with why. */
  changes: Array<{ at: number; action: "add" | "remove"; reason: string }>;
};

export type WebSeedAssist = { stats(): WebSeedStats; stop(): void };

export type AssistOptions = {
  policy?: Partial<WebSeedPolicy>;
  /** Pieces wanted (a partial download); default every piece. */
  wanted?: () => ReadonlySet<number> | null;
  /** How often the policy looks, ms (default 500). */
  tickMs?: number;
  now?: () => number;
};

export function assistWithWebSeed(torrent: Torrent, url: string, options: AssistOptions = {}): WebSeedAssist {
  const t = torrent as AssistedTorrent;
  const policy = { ...DEFAULT_WEB_SEED_POLICY, ...options.policy };
  const now = options.now ?? (() => Date.now());
  const stats: WebSeedStats = { edgeBytes: 0, peerBytes: 0, active: false, changes: [] };
  let state: PolicyState = initialState(now());
  const counted = new WeakSet<Wire>();
  const count = (wire: Wire) => {
    if (counted.has(wire)) return;
    counted.add(wire);
    wire.on("download", (bytes: number) => {
      if (wire.type === "webSeed") stats.edgeBytes += bytes;
      else stats.peerBytes += bytes;
    });
  };
  for (const wire of t.wires) count(wire);
  torrent.on("wire", count);

  const tick = () => {
    if (t.destroyed) return stop();
    if (!t.ready || !t.bitfield) return;
    const peers = (t.wires as AssistedWire[]).filter((w) => w.type !== "webSeed");
    const wanted = options.wanted?.() ?? null;
    let missing = 0;
    let gaps = 0;
    for (let i = 0; i < t.pieces.length; i++) {
      if (t.bitfield.get(i) || (wanted && !wanted.has(i))) continue;
      missing++;
      if (!peers.some((w) => w.peerPieces?.get(i))) gaps++;
    }
    const result = decide(state, { now: now(), peers: peers.length, peerRate: peers.reduce((sum, w) => sum + w.downloadSpeed(), 0), missing, gaps }, policy);
    state = result.state;
    const { action, reason } = result.decision;
    if (action === "add") {
      // Few requests in flight: the edge fills in, it does not race the peers.
      t.maxWebConns = policy.maxRequests;
      t.addWebSeed(url);
    } else if (action === "remove") {
      t.removePeer(url);
    }
    if (action) stats.changes.push({ at: now(), action, reason });
    stats.active = state.active;
  };
  const timer = setInterval(tick, options.tickMs ?? 500);
  tick(); // a first look now: a policy without grace time uses the edge at once
  function stop() {
    clearInterval(timer);
    torrent.off("wire", count);
  }
  return { stats: () => ({ ...stats, changes: [...stats.changes] }), stop };
}
