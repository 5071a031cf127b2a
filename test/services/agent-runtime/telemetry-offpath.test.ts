import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createServer, type Server, type Socket } from "node:net";
import { startRuntimeProcess } from "../../support/agent-runtime.js";
import { waitFor } from "../../support/processes.js";
import { chat, post, tempDir, usePeers } from "./helpers.js";

/** A "panel" that accepts connections, reads requests and never answers: the worst case for a caller that waits. */
interface HangingPanel { url: string; received: () => string; close(): Promise<void> }

async function startHangingPanel(): Promise<HangingPanel> {
  let received = "";
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on("data", (d) => (received += d.toString()));
    socket.on("close", () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    received: () => received,
    close: () => new Promise((resolve) => {
      for (const s of sockets) s.destroy();
      server.close(() => resolve());
    }),
  };
}

const peers = usePeers();
let hanging: HangingPanel;

beforeAll(async () => {
  hanging = await startHangingPanel();
});
afterAll(() => hanging.close());

function runtimeAgainstHangingPanel(token: string, timeoutMs: string) {
  return startRuntimeProcess({
    token,
    stateDir: tempDir(),
    args: ["--jwks-file", peers.jwksFile, "--control-panel-url", hanging.url, "--openai-base-url", peers.fake.openaiBaseUrl, "--telemetry-interval-ms", "20", "--telemetry-retry-ms", "50", "--telemetry-timeout-ms", timeoutMs, "--log-level", "warn"],
  });
}

describe("telemetry stays off the request path", () => {
  it("calls complete while a telemetry request to the panel hangs unanswered", async () => {
    const { token } = await peers.issuer.issue(1_000_000);
    const rt = await runtimeAgainstHangingPanel(token, "600000");
    expect((await post(`${rt.url}/openai/v1/chat/completions`, chat("gpt-4o-mini", 10))).status).toBe(200);
    await waitFor("a telemetry batch to be on its way to the panel", () => hanging.received().includes("POST /api/telemetry"));
    for (let i = 0; i < 5; i++) expect((await post(`${rt.url}/openai/v1/chat/completions`, chat("gpt-4o-mini", 10))).status).toBe(200);
    const status = await rt.status();
    expect(status.calls).toBe(6);
    // The batch is still unanswered: nothing was acknowledged, nothing failed yet, and every call has already completed.
    expect(status.telemetry).toMatchObject({ state: "enabled", queued: 6, sent: 0, consecutive_failures: 0 });
    // A panel that never answers does not hold up a clean shutdown either.
    expect(await rt.stop()).toBe(0);
  });

  it("a panel that times out three times disables telemetry; calls go on and events stay queued", async () => {
    const { token } = await peers.issuer.issue(1_000_000);
    const rt = await runtimeAgainstHangingPanel(token, "200");
    expect((await post(`${rt.url}/openai/v1/chat/completions`, chat("gpt-4o-mini", 10))).status).toBe(200);
    await waitFor("telemetry to disable itself", async () => (await rt.status()).telemetry.state === "disabled");
    for (let i = 0; i < 3; i++) expect((await post(`${rt.url}/openai/v1/chat/completions`, chat("gpt-4o-mini", 10))).status).toBe(200);
    const status = await rt.status();
    expect(status.telemetry).toMatchObject({ state: "disabled", queued: 4, consecutive_failures: 3 });
    expect(status.telemetry.reason).toMatch(/timed out/);
    await rt.stop();
  });
});
