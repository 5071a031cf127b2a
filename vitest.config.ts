import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { conditions: ["iron-source"] },
  ssr: { resolve: { conditions: ["iron-source"], externalConditions: ["iron-source"] } },
  test: {
    include: ["test/**/*.test.ts", "services/*/test/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    isolate: true,
    pool: "forks",
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // CI fails on any skip; a test that lacks a tool calls skip with the reason.
    // Workspace packages resolve to their TypeScript sources in tests (see tsconfig.base.json customConditions).
    reporters: ["default", "./test/support/summary-reporter.ts"],
  },
});
