import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { IRON_BIN, runIron, tempHome } from "../../support/iron-cli.js";
import { startScriptedServer, type Answer, type ScriptedServer } from "../../support/scripted-server.js";

/** Colour and the spinner appear only on a terminal (a real pty, via util-linux `script`), and NO_COLOR turns colour off. */

let panel: ScriptedServer;
beforeAll(async () => {
  panel = await startScriptedServer((req): Answer => {
    if (req.path === "/healthz") return { status: 200, body: { status: "ok" }, delayMs: 400 };
    if (req.path === "/readyz") return { status: 200, body: { status: "ready", checks: { database: "ok" } } };
    return { status: 200, body: { name: "@iron/control-panel", version: "9.9.9" } };
  });
});
afterAll(() => panel.close());

const GREEN = "\u001b[32m";
const SPINNER_LABEL = "Contacting the panel";

/** Runs `iron status` with stdout and stderr on a pseudo-terminal; returns everything the terminal showed. */
function statusOnTerminal(env: Record<string, string>): Promise<{ code: number | null; screen: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn("script", ["-qec", `'${IRON_BIN}' status`, "/dev/null"], {
      env: { PATH: process.env.PATH ?? "", HOME: tempHome(), TERM: "xterm", IRON_API_URL: panel.url, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let screen = "";
    child.stdout.on("data", (chunk: Buffer) => (screen += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, screen }));
  });
}

describe("output for people and for scripts", () => {
  it("on a terminal: colour and a spinner while waiting on the panel", async () => {
    const { code, screen } = await statusOnTerminal({});
    expect(code).toBe(0);
    expect(screen).toContain(`${GREEN}ok`);
    expect(screen).toContain(SPINNER_LABEL);
  });

  it("NO_COLOR turns colour off on a terminal", async () => {
    const { code, screen } = await statusOnTerminal({ NO_COLOR: "1" });
    expect(code).toBe(0);
    expect(screen).not.toContain(GREEN);
    expect(screen).toMatch(/Health:\s+ok/);
  });

  it("piped: no colour, no spinner, and --json is a single JSON document", async () => {
    const text = await runIron(["status"], { env: { IRON_API_URL: panel.url, NO_COLOR: "" } });
    expect(text.code).toBe(0);
    expect(text.stdout + text.stderr).not.toContain("\u001b[");
    expect(text.stderr).not.toContain(SPINNER_LABEL);

    const json = await runIron(["status", "--json"], { env: { IRON_API_URL: panel.url } });
    expect(JSON.parse(json.stdout)).toMatchObject({ api_url: panel.url, health: "ok", ready: true, version: { version: "9.9.9" } });
    expect(json.stderr).toBe("");
  });
});
