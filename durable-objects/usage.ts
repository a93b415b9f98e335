// What the tracker costs on Cloudflare, counted where it happens: requests and RPC calls into Durable
// Objects, WebSocket messages in and out, storage rows, D1 rows, objects created. The benchmark reads the
// counters through the probe route (worker/routes/usage.ts, only when USAGE_PROBE is set) and prices them
// (test/bench/cloudflare-prices.ts). Layer: adapter (plain counters, no I/O).
//
// The counters are per isolate. Locally (workerd, `wrangler dev`) the worker and every object of the script
// share one isolate, so one read sees them all; on Cloudflare each object has its own and the probe is off.

export type UsageCounters = {
  /** HTTP requests into Durable Objects (WebSocket upgrades included): one billed request each. */
  doRequests: number;
  /** RPC method calls on Durable Object stubs: one billed request each. */
  doRpc: number;
  /** WebSocket messages received by Durable Objects (billed 20:1) and sent by them (free). */
  doWsIn: number;
  doWsOut: number;
  /** WebSocket messages the worker's multiplexer received (from clients and swarm objects) and sent. */
  workerWsIn: number;
  workerWsOut: number;
  /** Alarm invocations (one billed request each). */
  alarms: number;
  /** Durable Object instances constructed (a new object, or one woken from hibernation). */
  objectsCreated: number;
  /** SQLite rows read and written by Durable Objects (their storage billing units). */
  storageRowsRead: number;
  storageRowsWritten: number;
  /** D1 statements and rows written by the tracker (count pushes). */
  d1Writes: number;
  d1RowsWritten: number;
};

export const meter: UsageCounters = {
  doRequests: 0,
  doRpc: 0,
  doWsIn: 0,
  doWsOut: 0,
  workerWsIn: 0,
  workerWsOut: 0,
  alarms: 0,
  objectsCreated: 0,
  storageRowsRead: 0,
  storageRowsWritten: 0,
  d1Writes: 0,
  d1RowsWritten: 0,
};
