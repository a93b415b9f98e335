// When a download should ask the edge (a BEP 19 web seed) and when it should leave it alone — peers first, the
// server only when peers cannot serve well (Spotify's rule: P2P by default, the server when no peer has what is
// needed or the peers are too slow). Pure: takes observations with the clock as a number; the adapter that
// watches a WebTorrent torrent is web-seed-assist.ts, and the lab's hybrid mode imports both.
// Layer: client/lib (pure, platform-neutral).

export type WebSeedPolicy = {
  /** No peer connected for this long (from the start, or since the last left): use the edge. */
  noPeerGraceMs: number;
  /** Peers together slower than this (bytes/s) … */
  floorBytesPerSecond: number;
  /** … for this long: use the edge. */
  slowForMs: number;
  /** Wanted pieces that no connected peer has, for this long: use the edge. */
  gapForMs: number;
  /** Peers at least twice the floor, no gap, for this long: stop using the edge (hysteresis). */
  healthyForMs: number;
  /** At most this many requests in flight to the edge (webtorrent's maxWebConns). */
  maxRequests: number;
};

export const DEFAULT_WEB_SEED_POLICY: WebSeedPolicy = {
  noPeerGraceMs: 3_000,
  floorBytesPerSecond: 64 * 1024,
  slowForMs: 5_000,
  gapForMs: 3_000,
  healthyForMs: 5_000,
  maxRequests: 2,
};

/**
 * The edge from the first look and never dropped while anything is missing: a CDN download that peers speed
 * up. The lab's hybrid mode (client/lab) measures this against cs and p2p; the product uses the default.
 */
export const ALWAYS_WEB_SEED_POLICY: WebSeedPolicy = { ...DEFAULT_WEB_SEED_POLICY, noPeerGraceMs: 0, slowForMs: 0, gapForMs: 0, healthyForMs: Infinity, maxRequests: 16 };

export type Observation = {
  now: number;
  /** Connected peers (not the web seed). */
  peers: number;
  /** Download rate from peers only, bytes/s. */
  peerRate: number;
  /** Wanted pieces not held yet. */
  missing: number;
  /** Of those, pieces no connected peer has. */
  gaps: number;
};

export type PolicyState = {
  active: boolean;
  startedAt: number;
  noPeerSince: number | null;
  slowSince: number | null;
  gapSince: number | null;
  healthySince: number | null;
};

export type Decision = { action: "add" | "remove" | null; reason: string };

export function initialState(now: number): PolicyState {
  return { active: false, startedAt: now, noPeerSince: now, slowSince: null, gapSince: null, healthySince: null };
}

/** One step: the next state and whether to add or remove the web seed now. */
export function decide(state: PolicyState, obs: Observation, policy: WebSeedPolicy = DEFAULT_WEB_SEED_POLICY): { state: PolicyState; decision: Decision } {
  const since = (flag: boolean, at: number | null) => (flag ? (at ?? obs.now) : null);
  const next: PolicyState = {
    ...state,
    noPeerSince: since(obs.peers === 0, state.noPeerSince),
    slowSince: since(obs.peers > 0 && obs.peerRate < policy.floorBytesPerSecond && obs.missing > 0, state.slowSince),
    gapSince: since(obs.gaps > 0, state.gapSince),
    healthySince: since(obs.peers > 0 && obs.peerRate >= 2 * policy.floorBytesPerSecond && obs.gaps === 0, state.healthySince),
  };
  const held = (at: number | null, ms: number) => at !== null && obs.now - at >= ms;
  if (obs.missing === 0) {
    next.active = false;
    return { state: next, decision: state.active ? { action: "remove", reason: "nothing left to fetch" } : { action: null, reason: "done" } };
  }
  if (!state.active) {
    const reason = held(next.noPeerSince, policy.noPeerGraceMs)
      ? "no peer connected"
      : held(next.gapSince, policy.gapForMs)
        ? `${obs.gaps} wanted pieces no connected peer has`
        : held(next.slowSince, policy.slowForMs)
          ? "peers slower than the floor"
          : null;
    if (reason) {
      next.active = true;
      next.healthySince = null;
      return { state: next, decision: { action: "add", reason } };
    }
    return { state: next, decision: { action: null, reason: "peers serve" } };
  }
  if (held(next.healthySince, policy.healthyForMs)) {
    next.active = false;
    next.noPeerSince = null;
    next.slowSince = null;
    next.gapSince = null;
    return { state: next, decision: { action: "remove", reason: "peers are healthy" } };
  }
  return { state: next, decision: { action: null, reason: "the edge helps" } };
}
