import { writeFileSync } from "node:fs";
import type { Reporter, TestModule } from "vitest/node";

/**
 * Prints the closing line CI reads (`N passed, N failed, N skipped`) and lists
 * every skipped test with its reason, so CI can fail on any skip and say why.
 * Also writes the counts to `test-results/summary.json`.
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>): void {
    let passed = 0;
    let failed = unhandledErrors.length;
    const skipped: string[] = [];
    for (const mod of modules) {
      // A module can fail with every test passed (an error in beforeAll/afterAll, or on import): that is a failure too.
      const tests = [...mod.children.allTests()];
      if (mod.state() === "failed" && !tests.some((t) => t.result().state === "failed")) failed += 1;
      for (const test of tests) {
        const result = test.result();
        if (result.state === "passed") passed += 1;
        else if (result.state === "failed") failed += 1;
        else skipped.push(`${mod.moduleId.replace(process.cwd() + "/", "")} > ${test.fullName}${result.state === "skipped" && result.note ? ` (${result.note})` : ""}`);
      }
    }
    for (const s of skipped) console.log(`skipped: ${s}`);
    try {
      writeFileSync("test-results/summary.json", JSON.stringify({ passed, failed, skipped: skipped.length, skippedTests: skipped }, null, 2));
    } catch {
      /* the directory is created by .ci/run; a plain `npm test` does not need the file */
    }
    console.log(`${passed} passed, ${failed} failed, ${skipped.length} skipped`);
  }
}
