/**
 * Runs the benchmarks under bench/ one after another (never in parallel: the
 * machine has 2 cores and every figure is a ratio against a baseline measured
 * in the same run). `npm run bench` runs all; `npm run bench -- sandbox` runs
 * the ones whose file name contains "sandbox".
 */
import { readdirSync } from "node:fs";
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith(".ts") && f !== "run.ts" && !f.startsWith("_"))
  .filter((f) => filters.length === 0 || filters.some((x) => f.includes(x)))
  .sort();

if (files.length === 0) {
  console.error(`no benchmark matches ${filters.join(", ")}; available: ${readdirSync(here).filter((f) => f.endsWith(".ts") && f !== "run.ts").join(", ")}`);
  process.exit(2);
}
let failed = 0;
for (const file of files) {
  console.log(`\n=== bench/${file} ===`);
  const result = spawnSync(process.execPath, ["--import", "tsx", "--conditions=iron-source", join(here, file)], { stdio: "inherit" });
  if (result.status !== 0) failed += 1;
}
process.exit(failed === 0 ? 0 : 1);
