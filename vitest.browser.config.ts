// Browser tests: the page (client/web) in real Chromium (Debian's, via playwright-core) against the real local
// worker, exchanging files with Node WebTorrent peers and with other Chromium profiles; plus unit tests of the
// page's pure parts. Fails, never skips, when Chromium is missing.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    // EDGESWARM_LARGE_MIB=<size> runs only the large-download check (test/browser/*.large.ts) instead.
    include: process.env.EDGESWARM_LARGE_MIB ? ["test/browser/**/*.large.ts"] : ["test/browser/**/*.test.ts"],
    environment: "node",
    // Child processes: node-datachannel is a native addon with threads of its own.
    pool: "forks",
    // Each file starts a worker and browsers; one file at a time leaves the two cores to the peers.
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 120_000,
    teardownTimeout: 30_000,
  },
});
