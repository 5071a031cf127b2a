/** The iron-sandbox command line: probe, default policy, exit codes, status report, clean-up. */
import { spawn } from "node:child_process";
import { chmodSync, existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LauncherStatusSchema, ProbeSchema, runSandboxed, STANDARD } from "@iron/sandbox";
import { ensureLauncher, outside, processesOf, removeTempDirs, tempDir, testUid } from "../../support/sandbox.js";

let launcher: string;
beforeAll(() => {
  launcher = ensureLauncher();
});
afterAll(removeTempDirs);

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  status: string;
}

/** Runs the launcher with fd 3 as a pipe for --status-fd (and fd 4 open, as a descriptor it must not pass on). */
function run(args: string[]): Promise<Run> {
  const child = spawn(launcher, args, { stdio: ["ignore", "pipe", "pipe", "pipe", "pipe"], env: { PATH: "/usr/bin:/bin" } });
  const out = { stdout: "", stderr: "", status: "" };
  child.stdout?.on("data", (c: Buffer) => (out.stdout += c.toString()));
  child.stderr?.on("data", (c: Buffer) => (out.stderr += c.toString()));
  child.stdio[3]?.on("data", (c: Buffer) => (out.status += c.toString()));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, ...out })));
}

function status(r: Run) {
  return LauncherStatusSchema.parse(JSON.parse(r.status));
}

describe("iron-sandbox --probe", () => {
  it("prints the kernel, Landlock ABI, seccomp and libseccomp as JSON with stable keys", async () => {
    const r = await run(["--probe"]);
    expect(r.code).toBe(0);
    const probe = ProbeSchema.parse(JSON.parse(r.stdout));
    expect(probe.kernel).toMatch(/^\d+\.\d+/);
    expect(probe.landlock_abi).toBeGreaterThanOrEqual(1);
    expect(probe.seccomp).toBe(true);
    expect(probe.libseccomp).toMatch(/^2\.(5|[6-9])\.\d+$/);
    expect(probe.ok).toBe(true);
  });
});

describe("policy", () => {
  it("applies the standard profile when given none (the same one the TypeScript package calls STANDARD)", async () => {
    const r = await run(["--print-policy"]);
    expect(JSON.parse(r.stdout)).toEqual(STANDARD);
  });

  it("reads a policy file key by key and lets flags adjust it", async () => {
    const file = join(tempDir("policy"), "p.json");
    writeFileSync(file, JSON.stringify({ read_only: ["/usr"], limits: { cpu_seconds: 5 }, seccomp_action: "kill" }));
    const r = await run(["--policy", file, "--ro", "/opt", "--nproc", "0", "--print-policy"]);
    const policy = JSON.parse(r.stdout);
    expect(policy.read_only).toEqual(["/usr", "/opt"]);
    expect(policy.limits).toEqual({ ...STANDARD.limits, cpu_seconds: 5, processes: null });
    expect(policy.seccomp_action).toBe("kill");
  });

  it.each([
    ['{"read_only": "/usr"}', /"read_only" must be an array of absolute paths/],
    ['{"limits": {"memory": 5}}', /unknown key "limits.memory"/],
    ['{"network": {"enabled": true, "tcp_connect": [70000]}}', /network.tcp_connect/],
    ["{not json", /not valid JSON/],
    ['{"workdir": "/srv", "private_tmp": true}', /exclude each other/],
  ])("refuses the bad policy %s with exit 121 and a message", async (text, message) => {
    const file = join(tempDir("bad"), "p.json");
    writeFileSync(file, text);
    const r = await run(["--policy", file, "--", "/bin/true"]);
    expect(r.code).toBe(121);
    expect(r.stderr).toMatch(message);
  });
});

describe("exit status and the status report", () => {
  it("passes the command's exit code through and reports it on --status-fd", async () => {
    const r = await run(["--status-fd", "3", "--", "/bin/sh", "-c", "exit 7"]);
    expect(r.code).toBe(7);
    const s = status(r);
    expect(s).toMatchObject({ started: true, exit_code: 7, signal: null, limit: null, landlock_abi: expect.any(Number) });
  });

  it("exits 128+N when the command dies from signal N", async () => {
    const r = await run(["--status-fd", "3", "--", "/bin/sh", "-c", "kill -TERM $$"]);
    expect(r.code).toBe(128 + 15);
    expect(status(r)).toMatchObject({ started: true, exit_code: null, signal: "SIGTERM" });
  });

  it("uses its own codes when it cannot start the command: 127 not found, 126 not executable", async () => {
    const missing = await run(["--status-fd", "3", "--", "/usr/bin/no-such-program"]);
    expect(missing.code).toBe(127);
    expect(status(missing)).toMatchObject({ started: false, stage: "exec", exit_code: 127 });

    const dir = tempDir("noexec");
    const script = join(dir, "script.sh");
    writeFileSync(script, "#!/bin/sh\necho hi\n", { mode: 0o755 });
    const outsideAllowed = await run(["--status-fd", "3", "--", script]);
    expect(outsideAllowed.code).toBe(126);
    expect(status(outsideAllowed)).toMatchObject({ started: false, stage: "exec" });
    expect(outsideAllowed.stderr).toMatch(/cannot execute .*Permission denied/);
  });

  it("reports what an older kernel could not enforce (Landlock ABI capped at 3)", async () => {
    const r = await run(["--status-fd", "3", "--landlock-abi", "3", "--net", "--", "/bin/true"]);
    expect(r.code).toBe(0);
    const s = status(r);
    expect(s.landlock_abi).toBe(3);
    expect(s.unenforced).toEqual(
      expect.arrayContaining([expect.stringMatching(/tcp bind\/connect/), expect.stringMatching(/device ioctl/), expect.stringMatching(/scoping/)]),
    );
    expect(r.stderr).toMatch(/warning: not enforced: tcp bind\/connect/);
  });

  it("after --uid the command cannot switch back to root", async () => {
    const r = await run(["--uid", String(testUid), "--", "/usr/bin/setpriv", "--reuid", "0", "/bin/true"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Operation not permitted/);
  });

  it("refuses --uid with exit 123 when the launcher is not root", async () => {
    const r = await outside(launcher, ["--uid", "0", "--", "/bin/true"], testUid);
    expect(r.status).toBe(123);
    expect(r.stderr).toMatch(/--uid\/--gid need the launcher to run as root/);
  });
});

describe("file descriptors", () => {
  it("passes only stdin, stdout and stderr: the command can neither use an inherited descriptor nor forge the status line", async () => {
    const r = await run(["--quiet", "--status-fd", "3", "--", "/bin/sh", "-c", 'echo forged >&3 && echo wrote-3; echo x >&4 && echo wrote-4; exit 0']);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/3: Bad file descriptor|can't create|Bad fd/i);
    expect(status(r)).toMatchObject({ started: true, exit_code: 0 });
    expect(r.status.trim().split("\n")).toHaveLength(1);
  });
});

describe("clean-up", () => {
  it("creates a fresh private working directory (HOME, TMPDIR) and removes it afterwards", async () => {
    const r = await run(["--status-fd", "3", "--", "/bin/sh", "-c", 'pwd; echo "$HOME $TMPDIR"; echo data > file; ls']);
    const workdir = status(r).workdir;
    expect(workdir).toMatch(/iron-sandbox-/);
    expect(r.stdout).toBe(`${workdir}\n${workdir} ${workdir}\nfile\n`);
    expect(existsSync(workdir as string)).toBe(false);
  });

  it("kills whatever the command left running in the background", async () => {
    const r = await runSandboxed("sh", ["-c", "sleep 60 & setsid sleep 61 & echo started"], {}, { uid: testUid });
    expect(r.stdout).toBe("started\n");
    expect(processesOf(testUid)).toEqual([]);
  });

  it("forwards SIGTERM to the command and still cleans up", async () => {
    const r = await runSandboxed("sh", ["-c", "sleep 60"], {}, { uid: testUid, timeoutMs: 300 });
    expect(r.limitHit).toBe("wall_time");
    expect(r.signal).toBe("SIGTERM");
    expect(processesOf(testUid)).toEqual([]);
  });
});

describe("terminals", () => {
  it("hands the terminal to an interactive command (it would stop on SIGTTIN in a background group)", async () => {
    // script(1) gives the launcher a pseudo-terminal as its stdin, as an interactive shell would.
    const child = spawn("script", ["-qec", `${launcher} --quiet -- /bin/sh -c 'read line; echo got $line'`, "/dev/null"], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stdin.end("hello\n");
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    const code = await new Promise((resolve) => child.on("close", resolve));
    clearTimeout(timer);
    expect(out).toMatch(/got hello/);
    expect(code).toBe(0);
  });
});

describe("runSandboxed setup errors", () => {
  it.each([
    ["", [], {}],
    ["/bin/true", ["a\0b"], {}],
    ["/bin/true", [], { timeoutMs: -5 }],
    ["/bin/true", [], { uid: "root; rm -rf /" }],
    ["/bin/true", [], { landlockAbi: 0 }],
    ["/bin/true", [], { retries: 3 }],
  ])("rejects bad arguments before starting anything: %j %j %j", async (command, args, options) => {
    await expect(runSandboxed(command, args, {}, options as never)).rejects.toThrow();
  });

  it("returns started=false with the stage instead of throwing", async () => {
    const dir = tempDir("x");
    chmodSync(dir, 0o755);
    const r = await runSandboxed(join(dir, "missing"), []);
    expect(r.started).toBe(false);
    expect(r.setupError).toMatchObject({ stage: "exec", exitCode: 127 });
  });
});
