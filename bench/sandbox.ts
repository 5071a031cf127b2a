/**
 * Launch overhead of the sandbox: `/bin/true` under iron-sandbox (standard profile)
 * against a plain spawn and against bubblewrap, interleaved in the same run so every
 * figure is relative to a baseline measured on the same machine at the same moment.
 * Target: iron-sandbox adds at most 2 ms at p50 over a plain spawn.
 *
 *   npm run bench -- sandbox        (ITERATIONS=300 to change the sample size)
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";

const launcher = fileURLToPath(new URL("../services/sandbox/iron-sandbox", import.meta.url));
const iterations = Number(process.env.ITERATIONS ?? 200);
const TARGET_ADDED_MS = 2;

interface Variant {
  name: string;
  command: string;
  args: string[];
  samples: number[];
  /** CPU time of the launched processes (user + system), summed over all runs, in clock ticks. */
  cpuTicks: number;
}

/** cutime + cstime of this process: the CPU time of every child it has reaped. */
function childCpuTicks(): number {
  const fields = readFileSync("/proc/self/stat", "utf8").split(") ")[1]?.split(" ") ?? [];
  return Number(fields[13]) + Number(fields[14]);
}
const TICKS_PER_MS = 100 / 1000; // USER_HZ is 100 on Linux

function bwrapArgs(): string[] {
  const args = ["--ro-bind", "/usr", "/usr", "--dev", "/dev", "--proc", "/proc", "--unshare-all", "--die-with-parent"];
  for (const link of ["bin", "sbin", "lib", "lib64"]) if (existsSync(`/${link}`)) args.push("--symlink", `usr/${link}`, `/${link}`);
  return [...args, "/bin/true"];
}

function onPath(tool: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${tool}`]).status === 0;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number;
}

function timeOnce(v: Variant): void {
  const ticks = childCpuTicks();
  const start = process.hrtime.bigint();
  const r = spawnSync(v.command, v.args, { stdio: "ignore" });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  v.cpuTicks += childCpuTicks() - ticks;
  if (r.status !== 0) throw new Error(`${v.name} failed (status ${r.status}): ${v.command} ${v.args.join(" ")}`);
  v.samples.push(ms);
}

if (!existsSync(launcher)) {
  console.error(`${launcher} is missing: run npm run build -w services/sandbox`);
  process.exit(1);
}
const variants: Variant[] = [
  { name: "plain spawn", command: "/bin/true", args: [], samples: [], cpuTicks: 0 },
  { name: "iron-sandbox", command: launcher, args: ["--quiet", "--", "/bin/true"], samples: [], cpuTicks: 0 },
  // the same without the private temp dir, to show what creating and removing it costs on this machine's TMPDIR
  { name: "  no temp dir", command: launcher, args: ["--quiet", "--workdir", "/", "--", "/bin/true"], samples: [], cpuTicks: 0 },
];
if (onPath("bwrap")) variants.push({ name: "bwrap", command: "bwrap", args: bwrapArgs(), samples: [], cpuTicks: 0 });
else console.log("bwrap is not installed (apt-get install bubblewrap): its row is left out");

for (let i = 0; i < 10; i++) variants.forEach(timeOnce); // warm caches
variants.forEach((v) => {
  v.samples = [];
  v.cpuTicks = 0;
});
for (let i = 0; i < iterations; i++) variants.forEach(timeOnce); // interleaved: drift hits all alike

const [plain] = variants as [Variant];
const plainP50 = percentile([...plain.samples].sort((a, b) => a - b), 50);
const cpuMs = (v: Variant) => v.cpuTicks / TICKS_PER_MS / iterations;
console.log(`launch of /bin/true, ${iterations} runs each, interleaved (ms)`);
console.log("variant        p50     p99     added@p50  ratio@p50   cpu/launch  added cpu");
let ironAdded = Number.NaN;
for (const v of variants) {
  const sorted = [...v.samples].sort((a, b) => a - b);
  const p50 = percentile(sorted, 50);
  const added = p50 - plainP50;
  if (v.name === "iron-sandbox") ironAdded = added;
  console.log(
    `${v.name.padEnd(13)} ${p50.toFixed(2).padStart(6)}  ${percentile(sorted, 99).toFixed(2).padStart(6)}  ${added.toFixed(2).padStart(9)}  ${(p50 / plainP50).toFixed(2).padStart(8)}x` +
      `  ${cpuMs(v).toFixed(2).padStart(10)}  ${(cpuMs(v) - cpuMs(plain)).toFixed(2).padStart(9)}`,
  );
}
const verdict = ironAdded <= TARGET_ADDED_MS ? "meets" : "MISSES";
console.log(`iron-sandbox adds ${ironAdded.toFixed(2)} ms at p50: ${verdict} the target of <= ${TARGET_ADDED_MS} ms`);
console.log(`load average during the run: ${readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ")} on ${availableParallelism()} cores (every figure inflates under load: compare rows of the same run)`);
