// End-to-end tests: the real local worker (wrangler dev → workerd) with real peers in Node — WebTorrent
// clients over WebRTC (node-datachannel), bittorrent-tracker's client, raw WebSockets.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/e2e/**/*.test.ts"],
    environment: "node",
    // Child processes, not worker threads: node-datachannel is a native addon with threads of its own.
    pool: "forks",
    // Each file starts its own worker process; one at a time keeps the two cores free for the peers.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
  },
});
