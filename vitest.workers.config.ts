// Integration tests inside workerd (the real runtime), with the real D1 migrations applied per test file.
import path from "node:path";
import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

export default defineConfig(async () => {
  const migrations = await readD1Migrations(path.join(import.meta.dirname, "migrations"));
  return {
    plugins: [
      cloudflareTest({
        main: "./worker/index.ts",
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          // A short re-announce interval (peers expire after 2 intervals + 2 s) keeps the expiry test quick; a
          // small swarm ceiling lets the caps test fill a swarm. TURN_*: GET /api/rtc-config mints TURN
          // credentials, as a deployment with a TURN server does.
          bindings: {
            TEST_MIGRATIONS: migrations,
            ANNOUNCE_INTERVAL_SECONDS: "2",
            MAX_PEERS_PER_SWARM: "120",
            TURN_SECRET: "workers-test-turn-secret",
            TURN_URLS: "turn:turn.test:3478?transport=udp,turn:turn.test:3478?transport=tcp",
            // Web seeds of at most 8 MiB, so the size limit is tested without a large upload.
            WEB_SEED_MAX_BYTES: String(8 * 1024 * 1024),
          },
          // wrangler.toml's write limit (20 a minute per address) with room for the suite's thousands of
          // publishes, which all come from one address here; test/e2e/hostile-http.test.ts meets the real limit.
          ratelimits: { PUBLISH_RATE_LIMIT: { simple: { limit: 1_000_000, period: 60 } } },
          // Empty databases for test/workers/directory-migrations.test.ts, which applies the migrations itself,
          // in the orders deployments meet them.
          d1Databases: ["DB_BEFORE_0003", "DB_WITHOUT_0003"],
        },
      }),
    ],
    test: {
      include: ["test/workers/**/*.test.ts"],
      setupFiles: ["./test/workers/apply-migrations.ts"],
      testTimeout: 20_000,
    },
  };
});
