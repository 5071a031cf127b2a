/**
 * `node <Pulumi.yaml nodeargs> scripts/run-with-mocks.ts --stack <name> [--set key=json]… [--unset key]… [--state <file>]`
 * Loads the program the way `pulumi up` does, under the mock runtime, and prints
 * `{ stack, outputs, secretOutputs, resources }` as JSON. Secret output values
 * are replaced by "[secret]". Exit 1 with the program's error message when it fails.
 */
import { parseArgs } from "node:util";
import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { runProgramWithMocks } from "./lib/mock-program.js";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const { values } = parseArgs({ options: { stack: { type: "string" }, set: { type: "string", multiple: true }, unset: { type: "string", multiple: true }, state: { type: "string" } } });
if (!values.stack) {
  console.error("usage: run-with-mocks.ts --stack <name> [--set key=<json or string>]… [--unset key]… [--state <file> (outputs kept between runs, as in a stack's state)]");
  process.exit(2);
}
const overrides: Record<string, unknown> = {};
for (const pair of values.set ?? []) {
  const at = pair.indexOf("=");
  const raw = pair.slice(at + 1);
  try {
    overrides[pair.slice(0, at)] = JSON.parse(raw);
  } catch {
    overrides[pair.slice(0, at)] = raw;
  }
}
for (const key of values.unset ?? []) overrides[key] = undefined;

try {
  const run = await runProgramWithMocks({ root, stack: values.stack, overrides, statePath: values.state });
  for (const warning of run.warnings ?? []) process.stderr.write(`warning: ${warning}\n`);
  for (const name of run.secretOutputs) run.outputs[name] = "[secret]";
  process.stdout.write(JSON.stringify(run, null, 2) + "\n");
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
}
