// The bindings tests see through `cloudflare:test`: the worker's own plus the migrations to apply.
import type { D1Migration } from "cloudflare:test";
import type { CloudflareEnv as WorkerEnv } from "../../worker/env";

declare global {
  namespace Cloudflare {
    interface Env extends WorkerEnv {
      TEST_MIGRATIONS: D1Migration[];
      /** Left unmigrated: directory-migrations.test.ts applies the migrations in a deployment's order. */
      DB_BEFORE_0003: D1Database;
      DB_WITHOUT_0003: D1Database;
    }
  }
}
