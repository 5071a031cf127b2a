/**
 * Cold start of `iron --version`: the esbuild bundle (`node dist/iron.cjs`) and the single executable (Node SEA),
 * each as a ratio to `node -e 0` measured in the same run, interleaved so machine load hits all three alike.
 * Target: ≤ 1.5×. Builds the bundle and a SEA in a temp dir if they are missing.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { BUNDLE, SEA_NAME, buildSea, ARTIFACTS_DIR } from "../services/cli/scripts/build-artifacts.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const TARGET = 1.5;

function timeOnce(command: string, args: string[]): number {
  const started = performance.now();
  const result = spawnSync(command, args, { stdio: ["ignore", "pipe", "pipe"] });
  const elapsed = performance.now() - started;
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} exited ${result.status}: ${result.stderr.toString()}`);
  return elapsed;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
};

if (!existsSync(BUNDLE)) spawnSync("npm", ["run", "build", "-w", "services/cli"], { stdio: "inherit" });
let sea = join(ARTIFACTS_DIR, SEA_NAME);
let temp: string | undefined;
if (!existsSync(sea)) {
  temp = mkdtempSync(join(tmpdir(), "iron-bench-"));
  sea = join(temp, SEA_NAME);
  console.log(`building a single executable in ${temp} ...`);
  await buildSea(BUNDLE, sea);
}

const cases = {
  "node -e 0": [process.execPath, ["-e", "0"]],
  "node iron.cjs --version (bundle)": [process.execPath, [BUNDLE, "--version"]],
  [`${SEA_NAME} --version (SEA)`]: [sea, ["--version"]],
} satisfies Record<string, [string, string[]]>;
const samples: Record<string, number[]> = Object.fromEntries(Object.keys(cases).map((k) => [k, []]));

try {
  for (const [command, args] of Object.values(cases)) timeOnce(command, args); // warm the page cache
  for (let i = 0; i < RUNS; i++) for (const [name, [command, args]] of Object.entries(cases)) samples[name]!.push(timeOnce(command, args));
} finally {
  if (temp) rmSync(temp, { recursive: true, force: true });
}

const baseline = median(samples["node -e 0"]!);
console.log(`cold start, median of ${RUNS} runs each (interleaved):`);
let over = false;
for (const [name, xs] of Object.entries(samples)) {
  const ratio = median(xs) / baseline;
  if (name !== "node -e 0" && ratio > TARGET) over = true;
  console.log(`  ${name.padEnd(40)} ${median(xs).toFixed(1).padStart(7)} ms   ${ratio.toFixed(2)}× node -e 0`);
}
console.log(over ? `over the ${TARGET}× target` : `within the ${TARGET}× target`);
