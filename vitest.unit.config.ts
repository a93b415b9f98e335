// Unit tests: pure logic in plain Node (protocol parsing, swarm rules, limits).
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: { include: ["test/unit/**/*.test.ts"], environment: "node" },
});
