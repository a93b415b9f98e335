// Cloudflare's published prices for what the tracker uses, in one place (the benchmark turns its usage
// counters into dollars with these). Paid plan, beyond the included amounts; read 2026-12-06 from
// https://developers.cloudflare.com/durable-objects/platform/pricing/ (requests, duration, SQLite storage rows),
// https://developers.cloudflare.com/d1/platform/pricing/ and https://developers.cloudflare.com/workers/platform/pricing/.

import type { UsageCounters } from "../../durable-objects/usage";

export const CLOUDFLARE_PRICES = {
  /** Durable Objects: HTTP requests (WebSocket upgrades included), RPC sessions and alarms, per request. */
  doRequest: 0.15 / 1e6,
  /** Incoming WebSocket messages to a Durable Object are billed as requests at 20:1; outgoing ones are free. */
  doWsMessagesPerRequest: 20,
  /** SQLite-backed Durable Object storage and D1: rows read and rows written. */
  rowRead: 0.001 / 1e6,
  rowWritten: 1.0 / 1e6,
  /** Workers (Standard): requests and CPU time. A WebSocket costs its upgrade request; messages cost CPU only. */
  workerRequest: 0.3 / 1e6,
  workerCpuMs: 0.02 / 1e6,
  /** Durable Objects duration, per GB-s, at the 128 MB every object is billed for; hibernated objects cost none. */
  doGbSecond: 12.5 / 1e6,
} as const;

/** What the usage probe counts (durable-objects/usage.ts). */
export type Usage = UsageCounters;

/** Billed Durable Object requests: requests, RPC calls and alarms at 1, incoming WebSocket messages at 1/20. */
export function billedDoRequests(u: Usage): number {
  return u.doRequests + u.doRpc + u.alarms + u.doWsIn / CLOUDFLARE_PRICES.doWsMessagesPerRequest;
}

/** Dollars for a usage (duration and worker CPU left out: see README on what they add). */
export function dollars(u: Usage): number {
  const p = CLOUDFLARE_PRICES;
  return billedDoRequests(u) * p.doRequest + u.storageRowsRead * p.rowRead + (u.storageRowsWritten + u.d1RowsWritten) * p.rowWritten;
}

export function usageDelta(before: Usage, after: Usage): Usage {
  const out = { ...after };
  for (const key of Object.keys(out) as (keyof Usage)[]) out[key] = after[key] - before[key];
  return out;
}
