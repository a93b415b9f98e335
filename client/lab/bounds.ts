// Lower bounds on the time to distribute one file to N peers (Kurose & Ross, "Computer Networking", §2.5).
// Layer: client/lab, pure TypeScript. Units are whatever the caller uses consistently (bits and bit/s here).

export type Capacities = {
  /** File size F (bits). */
  fileBits: number;
  /** Server upload rate u_s (bit/s). */
  serverUp: number;
  /** Each peer's upload rate u_i (bit/s); one number = every peer the same. */
  peerUp: number | readonly number[];
  /** Each peer's download rate d_i (bit/s); one number = every peer the same. Infinity = unlimited. */
  peerDown: number | readonly number[];
  /** Number of peers N that must each end up with the whole file. */
  peers: number;
};

/** Σ and min of a rate given per peer or as one number for all (no arrays built: N may be huge). */
function summarize(value: number | readonly number[], peers: number, name: string): { sum: number; min: number } {
  if (typeof value === "number") return { sum: value * peers, min: value };
  if (value.length !== peers) throw new RangeError(`${name}: ${value.length} rates for ${peers} peers`);
  let sum = 0;
  let min = Infinity;
  for (const v of value) {
    sum += v;
    if (v < min) min = v;
  }
  return { sum, min };
}

function check(c: Capacities): { totalUp: number; dMin: number } {
  if (!(c.fileBits > 0)) throw new RangeError("fileBits must be > 0");
  if (!(c.serverUp > 0)) throw new RangeError("serverUp must be > 0");
  if (!Number.isInteger(c.peers) || c.peers < 1) throw new RangeError("peers must be an integer ≥ 1");
  const up = summarize(c.peerUp, c.peers, "peerUp");
  const down = summarize(c.peerDown, c.peers, "peerDown");
  if (!(up.min >= 0) || !(down.min > 0)) throw new RangeError("rates must be ≥ 0 (up) and > 0 (down)");
  return { totalUp: up.sum, dMin: down.min };
}

/** d_min: the slowest peer's download rate. */
export function minDownload(c: Capacities): number {
  return check(c).dMin;
}

/** Client-server: d_cs = max(N·F/u_s, F/d_min). The server sends N copies; the slowest peer receives one. */
export function clientServerBound(c: Capacities): number {
  const { dMin } = check(c);
  return Math.max((c.peers * c.fileBits) / c.serverUp, c.fileBits / dMin);
}

/** The three terms of d_p2p: the server's one copy, the slowest download, the swarm's total upload. */
export function peerToPeerTerms(c: Capacities): { server: number; download: number; aggregate: number } {
  const { totalUp, dMin } = check(c);
  return { server: c.fileBits / c.serverUp, download: c.fileBits / dMin, aggregate: (c.peers * c.fileBits) / (c.serverUp + totalUp) };
}

/**
 * Peer-to-peer: d_p2p = max(F/u_s, F/d_min, N·F/(u_s + Σu_i)). The server must send at least one copy, the
 * slowest peer must receive one, and the N copies must be uploaded by the server and peers together.
 */
export function peerToPeerBound(c: Capacities): number {
  const t = peerToPeerTerms(c);
  return Math.max(t.server, t.download, t.aggregate);
}

export type Mode = "cs" | "p2p" | "hybrid";

/**
 * The bound a lab mode is held to: cs moves every byte from the server, so d_cs; p2p (a seed with u_s) and
 * hybrid (the server as a web seed with u_s, plus the peers) both have the server and the peers uploading, so
 * d_p2p.
 */
export function boundFor(mode: Mode, c: Capacities): number {
  return mode === "cs" ? clientServerBound(c) : peerToPeerBound(c);
}

/** Which term of d_p2p binds. */
export function bindingTerm(c: Capacities): "server" | "download" | "aggregate" {
  const terms = peerToPeerTerms(c);
  return (Object.keys(terms) as (keyof typeof terms)[]).reduce((a, b) => (terms[b] > terms[a] ? b : a));
}

/**
 * Issue 14: a lower bound for the contributors alone when `freeRiders` of the N peers upload nothing — the
 * p2p bound of a swarm of the N − k contributors with the server, max(F/u_s, F/d_min, (N − k)·F/(u_s + Σ
 * contributors' u)). Free riders can only add load, so contributors cannot finish sooner; with no free rider
 * it is d_p2p. (Peer rates given per peer: the free riders are the last k.)
 */
export function contributorBound(c: Capacities, freeRiders: number): number {
  if (!Number.isInteger(freeRiders) || freeRiders < 0 || freeRiders >= c.peers) throw new RangeError("freeRiders must be an integer in [0, N)");
  const keep = c.peers - freeRiders;
  const cut = (v: number | readonly number[]) => (typeof v === "number" ? v : v.slice(0, keep));
  return peerToPeerBound({ ...c, peers: keep, peerUp: cut(c.peerUp), peerDown: cut(c.peerDown) });
}
