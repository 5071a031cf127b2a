import { chmod, mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startFakeLlm, type FakeLlm } from "../support/fake-llm.js";
import { jsonOf, runIron, tempHome } from "../support/iron-cli.js";
import { alive, pilotGone, pilotPorts, processesMentioning, startPilot, stopLeftoversOn, type PilotPorts, type RunningPilot } from "../support/pilot-process.js";
import { stopAll, waitFor } from "../support/processes.js";

interface UsageRow {
  key: string;
  cost_micros: number;
  llm_calls: number;
}

async function login(panelUrl: string, admin: { email: string; password: string }): Promise<string> {
  const res = await fetch(`${panelUrl}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(admin) });
  expect(res.status).toBe(200);
  return ((await res.json()) as { access_token: string }).access_token;
}

async function usageByAgent(panelUrl: string, accessToken: string): Promise<UsageRow[]> {
  const res = await fetch(`${panelUrl}/api/usage?group_by=agent`, { headers: { authorization: `Bearer ${accessToken}` } });
  expect(res.status).toBe(200);
  return ((await res.json()) as { rows: UsageRow[] }).rows;
}

/** Stops the pilot with `signal` to its process group and waits until it and everything it started are gone. */
async function stopPilot(pilot: RunningPilot, dataDir: string, signal: NodeJS.Signals): Promise<void> {
  const pgid = pilot.process.child.pid!;
  process.kill(-pgid, signal);
  // npm, which ran the pilot, exits on the signal at once; the pilot itself says when it has stopped.
  expect([0, signal]).toContain(await pilot.process.exited);
  await waitFor("the pilot to say it stopped", () => /stopping \(SIG(INT|TERM)\)…\nstopped\./.test(pilot.process.output()), 20_000);
  await pilotGone(pilot);
  expect(processesMentioning(dataDir)).toEqual([]);
}

describe("npm run pilot, as a new user runs it", () => {
  let dataDir: string;
  let fake: FakeLlm;
  let ports: PilotPorts;

  beforeAll(async () => {
    // As root the pilot's PostgreSQL runs as the `postgres` user, which must reach the data dir.
    const parent = await mkdtemp(join(tmpdir(), "iron-pilot-"));
    await chmod(parent, 0o755);
    dataDir = join(parent, "data");
    fake = await startFakeLlm();
    ports = await pilotPorts();
  });

  afterAll(async () => {
    await stopAll();
    if (dataDir) await stopLeftoversOn(dataDir);
    await fake?.close();
    if (dataDir) await rm(join(dataDir, ".."), { recursive: true, force: true, maxRetries: 10 });
  });

  it("starts, issues a token with the CLI, meters a proxied call, stops with no process left, and restarts on the same data", async () => {
    const env = { IRON_OPENAI_BASE_URL: fake.openaiBaseUrl, IRON_LOG_LEVEL: "info" };
    const first = await startPilot(dataDir, ports, env);
    expect(first.panelUrl).toBe(`http://127.0.0.1:${ports.panel}`);
    expect(first.admin?.email).toBe("admin@iron.local");
    const admin = first.admin!;
    expect(await (await fetch(`${first.panelUrl}/healthz`)).json()).toMatchObject({ status: "ok" });
    expect((await fetch(`${first.siteUrl}/`)).status).toBe(200);
    expect((await fetch(`${first.siteUrl}/downloads/`)).status).toBe(200);

    // The CLI, pointed at the pilot, signs in and issues a token.
    const home = tempHome();
    const cliEnv = { IRON_API_URL: first.panelUrl };
    const signedIn = await runIron(["login", "--email", admin.email, "--password-stdin"], { home, env: cliEnv, input: admin.password });
    expect(signedIn.code, signedIn.stderr).toBe(0);
    const generated = await runIron(["token", "generate", "--budget", "5", "--agent", "cli-agent", "--json"], { home, env: cliEnv });
    expect(generated.code, generated.stderr).toBe(0);
    const cliToken = jsonOf<{ id: string; agent_id: string }>(generated);
    expect(cliToken.agent_id).toBe("cli-agent");

    // One call through the runtime proxy to the fake upstream; its spend reaches the panel's usage.
    fake.usage = { input: 1000, cached: 0, cacheWrite: 0, output: 500 };
    const call = await fetch(`${first.runtimeUrl}/openai/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: "Bearer sk-test" },
      body: JSON.stringify({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hello" }], max_tokens: 600 }),
    });
    expect(call.status, await call.clone().text()).toBe(200);
    const cost = Number(call.headers.get("x-iron-cost-micros"));
    expect(cost).toBeGreaterThan(0);
    expect(fake.hits["/v1/chat/completions"]).toBe(1);
    const access = await login(first.panelUrl, admin);
    await waitFor("the call's spend in GET /api/usage", async () => (await usageByAgent(first.panelUrl, access)).some((r) => r.key === "pilot-agent" && r.cost_micros === cost));

    await stopPilot(first, dataDir, "SIGINT");

    // Same data: no credentials printed again, the admin signs in, the token and the spend are still there.
    const second = await startPilot(dataDir, ports, env);
    expect(second.admin).toBeUndefined();
    expect(second.process.output()).not.toContain(admin.password);
    const access2 = await login(second.panelUrl, admin);
    expect((await usageByAgent(second.panelUrl, access2)).find((r) => r.key === "pilot-agent")).toMatchObject({ cost_micros: cost, llm_calls: 1 });
    const listed = await runIron(["token", "list", "--agent", "cli-agent", "--json"], { home, env: cliEnv });
    expect(listed.code, listed.stderr).toBe(0);
    expect(JSON.stringify(jsonOf(listed))).toContain(cliToken.id);
    const status = (await (await fetch(`${second.runtimeUrl}/status`)).json()) as { spent_micros: number };
    expect(status.spent_micros).toBe(cost);

    await stopPilot(second, dataDir, "SIGTERM");
  });

  it("recovers from being killed with SIGKILL: the next start stops the PostgreSQL left behind and serves the same data (here with a public URL)", async () => {
    const killed = await startPilot(dataDir, ports);
    const leftover = killed.postgresPid;
    process.kill(-killed.process.child.pid!, "SIGKILL");
    await killed.process.exited;
    expect(alive(leftover)).toBe(true); // its own process group: a SIGKILL of the pilot's cannot reach it

    // Also: a pilot published elsewhere (a container) points the site's links at its public address.
    const next = await startPilot(dataDir, ports, { IRON_PILOT_PUBLIC_URL: "http://192.0.2.10:3000" });
    expect(next.process.output()).toContain(`stopping the PostgreSQL (pid ${leftover}) an earlier pilot left running`);
    expect(await (await fetch(`${next.siteUrl}/settings.json`)).json()).toMatchObject({ signInUrl: "http://192.0.2.10:3000/" });
    expect(alive(leftover)).toBe(false);
    expect((await fetch(`${next.panelUrl}/readyz`)).status).toBe(200);
    await stopPilot(next, dataDir, "SIGTERM");
  });

  it("refuses a port that is taken, naming the flag to change", async () => {
    const busy = await startPilot(dataDir, ports);
    const other = join(dataDir, "..", "other");
    const { startProcess } = await import("../support/processes.js");
    const second = startProcess("npm", ["run", "--silent", "pilot", "--", "--data-dir", other, "--panel-port", String(ports.panel), "--runtime-port", String(ports.runtime), "--site-port", String(ports.site)]);
    expect(await second.exited).toBe(1);
    expect(second.output()).toMatch(new RegExp(`port ${ports.panel} for the Control Panel is already in use.*--panel-port`));
    await stopPilot(busy, dataDir, "SIGTERM");
  });

  it.skipIf(process.getuid?.() !== 0)("as root, refuses a data dir its PostgreSQL user cannot reach, naming the directory to open", async () => {
    const closed = join(dataDir, "..", "closed");
    await mkdir(closed, { mode: 0o700 });
    const { startProcess } = await import("../support/processes.js");
    const refused = startProcess("npm", ["run", "--silent", "pilot", "--", "--data-dir", join(closed, "data"), "--panel-port", "0", "--runtime-port", "0", "--site-port", "0"]);
    expect(await refused.exited).toBe(1);
    expect(refused.output()).toContain(`pilot: as root, PostgreSQL runs as the "postgres" user, which cannot enter ${closed} (mode 0700`);
    expect(refused.output()).toContain(`Let it through with \`chmod o+x ${closed}\``);
    await chmod(closed, 0o711);
    const opened = await startPilot(join(closed, "data"), await pilotPorts());
    expect((await fetch(`${opened.panelUrl}/readyz`)).status).toBe(200);
    await stopPilot(opened, join(closed, "data"), "SIGTERM");
  });
});
