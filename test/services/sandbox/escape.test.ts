/**
 * The escape suite: every attempt succeeds outside the sandbox and fails inside it,
 * on this kernel, with real processes. Commands run as root on both sides unless a
 * test says otherwise: even root cannot get out.
 */
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, chmodSync, existsSync, readFileSync, realpathSync, statSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runSandboxed, type PolicyInput } from "@iron/sandbox";
import { freePort } from "../../support/ports.js";
import { ensureLauncher, NODE, outside, processesOf, PYTHON, removeTempDirs, suidCapableTempDir, tempDir, testUid } from "../../support/sandbox.js";

let server: Server;
let listenerPort: number;

beforeAll(async () => {
  ensureLauncher();
  listenerPort = await freePort();
  server = createServer((socket) => socket.end("hello\n"));
  await new Promise<void>((resolve) => server.listen(listenerPort, "127.0.0.1", resolve));
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
  removeTempDirs();
});

/** Runs a python snippet; argv[1..] are extra arguments. */
function py(code: string, ...args: string[]): [string, string[]] {
  return [PYTHON, ["-c", code, ...args]];
}

async function inside(command: [string, string[]], policy: PolicyInput = {}, uid?: number) {
  return runSandboxed(command[0], command[1], policy, uid === undefined ? {} : { uid });
}

const CONNECT = `
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
print(s.recv(16).decode().strip())`;

const BIND = `
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
print("bound")`;

/** Calls a raw syscall through libc and prints "ok" or the errno name. */
const SYSCALL = `
import ctypes, errno, os, struct, sys
libc = ctypes.CDLL(None, use_errno=True)
what = sys.argv[1]
if what == "mount":
    r = libc.mount(b"none", sys.argv[2].encode(), b"tmpfs", 0, None)
elif what == "bpf":
    attr = ctypes.create_string_buffer(72)
    struct.pack_into("IIII", attr, 0, 2, 4, 4, 1)  # BPF_MAP_TYPE_ARRAY, key 4, value 4, 1 entry
    r = libc.syscall(321, 0, attr, 72)              # bpf(BPF_MAP_CREATE)
elif what == "ptrace":
    r = libc.ptrace(16, int(sys.argv[2]), 0, 0)     # PTRACE_ATTACH
print("ok" if r >= 0 else errno.errorcode[ctypes.get_errno()])`;

describe("filesystem", () => {
  it("cannot read a file outside the allowed paths", async () => {
    const dir = tempDir("secret");
    const secret = join(dir, "secret.txt");
    writeFileSync(secret, "top secret\n", { mode: 0o644 });
    expect((await outside("cat", [secret])).stdout).toBe("top secret\n");

    const r = await inside(["cat", [secret]]);
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/Permission denied/);
    expect(r.stdout).toBe("");
  });

  it("cannot write outside the read-write paths, even beneath a read-only one", async () => {
    const dir = tempDir("target");
    const script = 'echo pwned > "$1/out.txt" && echo written';
    expect((await outside("sh", ["-c", script, "sh", dir])).stdout).toBe("written\n");
    expect(readFileSync(join(dir, "out.txt"), "utf8")).toBe("pwned\n");

    const again = join(dir, "again");
    writeFileSync(again, "");
    for (const policy of [{}, { read_only: [dir] }]) {
      const r = await inside(["sh", ["-c", 'echo pwned > "$1"', "sh", again]], policy);
      expect(r.exitCode).not.toBe(0);
      expect(r.stderr).toMatch(/Permission denied/);
    }
    expect(readFileSync(again, "utf8")).toBe("");
  });
});

describe("network", () => {
  it("cannot connect to a listener on 127.0.0.1", async () => {
    expect((await outside(...py(CONNECT, String(listenerPort)))).stdout).toBe("hello\n");

    const r = await inside(py(CONNECT, String(listenerPort)));
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/PermissionError|Operation not permitted/);
  });

  it("with networking on, connects only to the ports the policy allows (Landlock TCP rules)", async () => {
    const otherPort = await freePort();
    const allowed = await inside(py(CONNECT, String(listenerPort)), { network: { enabled: true, tcp_connect: [listenerPort] } });
    expect(allowed.stdout).toBe("hello\n");
    const denied = await inside(py(CONNECT, String(listenerPort)), { network: { enabled: true, tcp_connect: [otherPort] } });
    expect(denied.exitCode).not.toBe(0);
    expect(denied.stderr).toMatch(/PermissionError/);
  });

  it("cannot bind a port", async () => {
    const port = await freePort();
    expect((await outside(...py(BIND, String(port)))).stdout).toBe("bound\n");

    const off = await inside(py(BIND, String(port)));
    expect(off.exitCode).not.toBe(0);
    expect(off.stderr).toMatch(/PermissionError/);
    const onWithoutBindRule = await inside(py(BIND, String(port)), { network: { enabled: true } });
    expect(onWithoutBindRule.exitCode).not.toBe(0);
    expect(onWithoutBindRule.stderr).toMatch(/PermissionError/);
  });
});

describe("kernel attack surface", () => {
  it("cannot ptrace a sibling", async () => {
    const attach = `sleep 30 & pid=$!; ${PYTHON} -c '${SYSCALL}' ptrace $pid; kill -9 $pid`;
    expect((await outside("sh", ["-c", attach])).stdout).toBe("ok\n");

    const r = await inside(["sh", ["-c", attach]]);
    expect(r.stdout).toBe("EPERM\n");
  });

  it("cannot push input into its terminal (TIOCSTI)", async () => {
    const inject = `import fcntl, termios
try:
    fcntl.ioctl(0, termios.TIOCSTI, b"x"); print("injected")
except OSError as e:
    print("refused", e.errno)`;
    // script(1) runs the command on a pseudo-terminal: the terminal a real agent session would have.
    const underPty = (line: string) => outside("script", ["-qec", line, "/dev/null"]);
    expect((await underPty(`${PYTHON} -c '${inject}'`)).stdout).toMatch(/injected/);

    const r = await underPty(`${ensureLauncher()} --quiet -- ${PYTHON} -c '${inject}'`);
    expect(r.stdout).toMatch(/refused 1/); // EPERM
    expect(r.stdout).not.toMatch(/injected/);
  });

  it("kills the process on a denied syscall when seccomp_action is kill", async () => {
    const r = await inside(py(SYSCALL, "ptrace", "1"), { seccomp_action: "kill" });
    expect(r.signal).toBe("SIGSYS");
    expect(r.stdout).toBe("");
  });

  it("cannot mount", async () => {
    const target = tempDir("mnt");
    const before = await outside(...py(SYSCALL, "mount", target));
    await outside("umount", [target]);
    expect(before.stdout).toBe("ok\n");

    const r = await inside(py(SYSCALL, "mount", target));
    if (r.stdout === "ok\n") await outside("umount", [target]);
    expect(r.stdout).toBe("EPERM\n");
  });

  it("cannot use bpf", async () => {
    expect((await outside(...py(SYSCALL, "bpf"))).stdout).toBe("ok\n");

    const r = await inside(py(SYSCALL, "bpf"));
    expect(r.stdout).toBe("EPERM\n");
  });

  it("cannot unshare a user namespace", async () => {
    expect((await outside("unshare", ["-U", "sh", "-c", "echo in-namespace"])).stdout).toBe("in-namespace\n");

    const r = await inside(["unshare", ["-U", "sh", "-c", "echo in-namespace"]]);
    expect(r.exitCode).not.toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr).toMatch(/Operation not permitted/);
  });
});

describe("scoping (Landlock ABI >= 6)", () => {
  const abi = Number(JSON.parse(spawnSync(ensureLauncher(), ["--probe"], { encoding: "utf8" }).stdout).landlock_abi);

  it.skipIf(abi < 6)("cannot signal a process outside the sandbox", async () => {
    const victim = spawn("sleep", ["30"], { stdio: "ignore" });
    try {
      const probe = ["sh", ["-c", `kill -0 ${victim.pid} && echo reachable`]] as [string, string[]];
      expect((await outside(...probe)).stdout).toBe("reachable\n");

      const r = await inside(probe);
      expect(r.stdout).toBe("");
      expect(r.stderr).toMatch(/Operation not permitted/);
    } finally {
      victim.kill("SIGKILL");
    }
  });

  it.skipIf(abi < 6)("cannot connect to an abstract UNIX socket outside the sandbox", async () => {
    const name = `iron-sandbox-test-${process.pid}`;
    // Node cannot listen on abstract names, so the listener outside is a small python server.
    const serve = `
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind("\\0" + sys.argv[1]); s.listen(8); print("ready", flush=True)
while True:
    c, _ = s.accept(); c.sendall(b"hello\\n"); c.close()`;
    const listener = spawn(PYTHON, ["-c", serve, name], { stdio: ["ignore", "pipe", "inherit"] });
    try {
      await new Promise<void>((resolve) => listener.stdout.once("data", () => resolve()));
      const connect = py(`
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect("\\0" + sys.argv[1])
print(s.recv(16).decode().strip())`, name);
      expect((await outside(...connect)).stdout).toBe("hello\n");

      const r = await inside(connect);
      expect(r.exitCode).not.toBe(0);
      expect(r.stderr).toMatch(/PermissionError/);
    } finally {
      listener.kill("SIGKILL");
    }
  });
});

describe("limits", () => {
  /** Starts sleeping children until asked for n or fork fails; prints how many it got. */
  const FORK_MANY = `
import os, sys, time
want, pids = int(sys.argv[1]), []
try:
    for _ in range(want):
        pid = os.fork()
        if pid == 0:
            time.sleep(30)
            os._exit(0)
        pids.append(pid)
except OSError as e:
    print(f"fork failed after {len(pids)}: {e}", file=sys.stderr)
    sys.exit(1)
finally:
    for pid in pids:
        os.kill(pid, 9)
        os.waitpid(pid, 0)
print(len(pids))`;

  it("stops a fork bomb with the process limit, and leaves nothing running", async () => {
    // The kernel does not apply RLIMIT_NPROC to root, so both sides run as an unprivileged uid of our own.
    const before = await outside(...py(FORK_MANY, "100"), testUid);
    expect(before.stdout.trim()).toBe("100");

    const bounded = await inside(py(FORK_MANY, "100"), { limits: { processes: 20 } }, testUid);
    expect(bounded.exitCode).toBe(1);
    expect(bounded.stderr).toMatch(/fork failed after \d+: .*Resource temporarily unavailable/);
    expect(bounded.limitHit).toBe("processes");

    const bomb = await runSandboxed("sh", ["-c", "b() { b | b & }; b; sleep 1"], { limits: { processes: 20 } }, { uid: testUid, timeoutMs: 3000 });
    expect(bomb.started).toBe(true);
    expect(processesOf(testUid)).toEqual([]);
  });

  it("stops a memory hog with the address-space limit", async () => {
    const hog = "b = bytearray(1 << 30); print(len(b))";
    expect((await outside(...py(hog))).stdout).toBe(`${1 << 30}\n`);

    const r = await inside(py(hog), { limits: { address_space_mb: 256 } });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(/MemoryError/);
    expect(r.limitHit).toBe("memory");
  });

  it("stops a CPU spin with the CPU limit", async () => {
    const spin = "import time\nwhile time.process_time() < 2.5: pass\nprint('done')";
    expect((await outside(...py(spin))).stdout).toBe("done\n");

    const r = await inside(py(spin), { limits: { cpu_seconds: 1 } });
    expect(r.signal).toBe("SIGXCPU");
    expect(r.limitHit).toBe("cpu");
    expect(r.stdout).toBe("");
  });

  it("stops a huge write with the file-size limit", async () => {
    const dir = tempDir("big");
    const dd = (file: string) => ["if=/dev/zero", `of=${file}`, "bs=1M", "count=64", "status=none"];
    expect((await outside("dd", dd(join(dir, "big")))).status).toBe(0);
    expect(statSync(join(dir, "big")).size).toBe(64 << 20);

    const r = await inside(["dd", dd("big")], { limits: { file_size_mb: 8 } });
    expect(r.signal).toBe("SIGXFSZ");
    expect(r.limitHit).toBe("file_size");
  });
});

describe("privileges", () => {
  it("cannot regain privileges through a setuid binary (NO_NEW_PRIVS)", async () => {
    const dir = suidCapableTempDir("setuid");
    const helper = join(dir, "setuid-id");
    copyFileSync("/usr/bin/id", helper);
    chmodSync(helper, 0o4755); // owned by root: running it as anyone yields euid 0
    expect(statSync(helper).mode & 0o4000).toBe(0o4000);
    expect((await outside(helper, ["-u"], testUid)).stdout).toBe("0\n");

    const r = await inside([helper, ["-u"]], { read_only: [dir] }, testUid);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe(`${testUid}\n`);
  });
});

describe("profiles on the real kernel", () => {
  it("minimal: common configuration is readable (node starts with no extra paths), /etc/shadow is not, even for root", async () => {
    expect((await outside("head", ["-c", "5", "/etc/shadow"])).status).toBe(0);

    const node = await runSandboxed(NODE, ["-e", "console.log(require('os').userInfo().username)"], "minimal");
    expect(node.stderr).toBe("");
    expect(node.stdout).toBe("root\n");
    const shadow = await runSandboxed("head", ["-c", "5", "/etc/shadow"], "minimal");
    expect(shadow.exitCode).not.toBe(0);
    expect(shadow.stderr).toMatch(/Permission denied/);
  });

  it("strict: a denied syscall kills", async () => {
    const r = await runSandboxed("unshare", ["-U", "true"], "strict");
    expect(r.signal).toBe("SIGSYS");
  });
});

describe("benign work", () => {
  function ioDirs() {
    const input = tempDir("in");
    const output = tempDir("out");
    chmodSync(output, 0o777);
    writeFileSync(join(input, "numbers.txt"), "1\n2\n3\n", { mode: 0o644 });
    return { input, output };
  }

  it("a python script reads allowed input and writes allowed output", async () => {
    const { input, output } = ioDirs();
    const sum = `import sys; n = sum(int(x) for x in open(sys.argv[1] + "/numbers.txt")); open(sys.argv[2] + "/sum.txt", "w").write(str(n)); print("sum", n)`;
    const r = await runSandboxed(PYTHON, ["-c", sum, input, output], { read_only: [input], read_write: [output] }, { uid: testUid });
    expect(r.stderr).toBe("");
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe("sum 6\n");
    expect(readFileSync(join(output, "sum.txt"), "utf8")).toBe("6");
  });

  it("a node script reads allowed input and writes allowed output", async () => {
    const { input, output } = ioDirs();
    const sum = `const fs = require("fs"); const [i, o] = process.argv.slice(1);
      const n = fs.readFileSync(i + "/numbers.txt", "utf8").trim().split("\\n").map(Number).reduce((a, b) => a + b, 0);
      fs.writeFileSync(o + "/sum.txt", String(n)); console.log("sum", n);`;
    // Node reads OpenSSL's configuration at start-up; the rest it needs is in the standard profile
    // when it is installed under /usr (else its own prefix must be readable too).
    const nodePrefix = dirname(dirname(realpathSync(process.execPath)));
    const policy = { read_only: [input, "/etc/ssl/openssl.cnf", nodePrefix], read_write: [output] };
    const r = await runSandboxed(process.execPath, ["-e", sum, input, output], policy, { uid: testUid });
    expect(r.stderr).toBe("");
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toBe("sum 6\n");
    expect(readFileSync(join(output, "sum.txt"), "utf8")).toBe("6");
    expect(existsSync(join(output, "sum.txt"))).toBe(true);
  });
});
