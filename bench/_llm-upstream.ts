/** Child process for bench/runtime-proxy.ts: the fake LLM upstream from the test harness, printing its base URL. */
import { startFakeLlm } from "../test/support/fake-llm.js";

const fake = await startFakeLlm();
process.stdout.write(`${JSON.stringify({ openaiBaseUrl: fake.openaiBaseUrl })}\n`);
process.on("SIGTERM", () => void fake.close().then(() => process.exit(0)));
