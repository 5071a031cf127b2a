/**
 * A full disk under the state dir (issue 19: the call journal is a memory mapping of its file). A copy into a mapped
 * page without a disk block behind it would make the kernel kill the process (SIGBUS); the runtime instead answers
 * the calls it cannot record, stays up, and takes calls again once there is room — losing none it settled.
 * Needs root: the state dir is a small tmpfs mounted for the test.
 */
import { execFileSync } from "node:child_process";
import { closeSync, openSync, rmSync, writeSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { startRuntimeProcess } from "../../support/agent-runtime.js";
import { chat, post, tempDir, usePeers } from "./helpers.js";

const isRoot = process.getuid?.() === 0;
const peers = usePeers();
const mounts: string[] = [];

afterAll(() => {
  for (const dir of mounts) execFileSync("umount", ["-l", dir]);
});

/** Writes a file until the file system says it is full. */
function fill(file: string): void {
  const fd = openSync(file, "w");
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) writeSync(fd, chunk);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOSPC") throw err;
  } finally {
    closeSync(fd);
  }
}

describe.skipIf(!isRoot)("a full disk under the state dir (needs root: mounts a 4 MiB tmpfs)", () => {
  it("answers the calls it cannot record, stays up, and loses no settled call once there is room again", async () => {
    const mount = tempDir("iron-rt-full-");
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=4m", "tmpfs", mount]);
    mounts.push(mount);
    const stateDir = join(mount, "state");
    const { token } = await peers.issuer.issue(1_000_000_000);
    const args = ["--jwks-file", peers.jwksFile, "--openai-base-url", peers.fake.openaiBaseUrl, "--log-level", "warn"];
    const rt = await startRuntimeProcess({ token, stateDir, args });

    const filler = join(mount, "filler");
    fill(filler);
    let spent = 0;
    let refused: { status: number; json: Record<string, unknown> } | undefined;
    // The journal's first 1 MiB was written ahead; past it (a few thousand calls) there is no room to grow.
    for (let i = 0; i < 20_000 && !refused; i++) {
      const res = await post(`${rt.url}/openai/v1/chat/completions`, chat("gpt-4o-mini", 10));
      if (res.status === 200) spent += Number(res.headers.get("x-iron-cost-micros"));
      else refused = res;
    }
    expect(refused?.status, rt.proc.output()).toBe(500);
    expect(refused?.json.error, rt.proc.output()).toMatchObject({ code: "state_unwritable" });
    expect(JSON.stringify(refused?.json)).toContain("did not forward it");
    expect((await fetch(`${rt.url}/healthz`)).ok).toBe(true);

    rmSync(filler);
    const again = await post(`${rt.url}/openai/v1/chat/completions`, chat("gpt-4o-mini", 10));
    expect(again.status).toBe(200);
    spent += Number(again.headers.get("x-iron-cost-micros"));
    expect((await rt.status()).spent_micros).toBe(spent);
    await rt.stop();

    const restarted = await startRuntimeProcess({ token, stateDir, args });
    expect(await restarted.status()).toMatchObject({ spent_micros: spent, reserved_micros: 0 });
    await restarted.stop();
  });
});
