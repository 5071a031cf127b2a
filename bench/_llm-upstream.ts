/**
 * Child process for bench/runtime-proxy.ts: the fake LLM upstream from the test harness, printing its base URL.
 * Usage: _llm-upstream.ts [stream gap in ms] — a stream's events then come that far apart, as a provider paces tokens.
 */
import { startFakeLlm } from "../test/support/fake-llm.js";

const fake = await startFakeLlm();
fake.streamGapMs = Number(process.argv[2] ?? 0);
process.stdout.write(`${JSON.stringify({ openaiBaseUrl: fake.openaiBaseUrl })}\n`);
process.on("SIGTERM", () => void fake.close().then(() => process.exit(0)));
