import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: { conditions: ["iron-source"] },
  ssr: { resolve: { conditions: ["iron-source"], externalConditions: ["iron-source"] } },
  test: {
    include: ["test/**/*.test.ts", "services/*/test/**/*.test.ts"],
    globalSetup: ["test/support/global-setup.ts"],
    isolate: true,
    pool: "forks",
    // Generous: several tests start real servers (PostgreSQL, the pilot, chromium) on a shared 2-core machine; a hang
    // still fails, and each wait inside names what it waited for.
    testTimeout: 240_000,
    hookTimeout: 300_000,
    // expect.poll's default (1 s) is too short for a browser waiting on a loaded machine.
    expect: { poll: { timeout: 15_000 } },
    // CI fails on any skip; a test that lacks a tool calls skip with the reason.
    // Workspace packages resolve to their TypeScript sources in tests (see tsconfig.base.json customConditions).
    reporters: ["default", "./test/support/summary-reporter.ts"],
  },
});
