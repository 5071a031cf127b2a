/**
 * The config file the docker target mounts into its Redis container, and its health check, run for real against
 * this machine's redis-server (the official image cannot be pulled here): the password works from the file alone,
 * nothing answers without it, persistence is on, and the health check fails on a wrong password.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { REDIS_CONFIG_FILE, REDIS_HEALTHCHECK, redisConfig } from "../../infra/targets/docker/cache.js";
import { freePort } from "../support/ports.js";
import { startProcess, stopAll, waitFor } from "../support/processes.js";
import { redisAvailable } from "../support/redis.js";

const dir = mkdtempSync(join(tmpdir(), "iron-redis-config-"));
afterAll(async () => {
  await stopAll();
  rmSync(dir, { recursive: true, force: true });
});

/** The container's health check, pointed at this file and port instead of /run/secrets/redis.conf and 6379. */
function healthCheck(configFile: string, port: number): number {
  const command = REDIS_HEALTHCHECK.replace(REDIS_CONFIG_FILE, configFile).replace("redis-cli ping", `redis-cli -p ${port} ping`);
  return spawnSync("sh", ["-c", command], { stdio: "ignore" }).status ?? -1;
}

describe.skipIf(!redisAvailable())("the docker target's Redis config file (needs redis-server on PATH: apt-get install redis-server)", () => {
  it("requires the password it holds, persists append-only, and passes the health check only with it", async () => {
    const password = "A1b2C3d4E5f6G7h8I9j0K1l2M3n4O5p6";
    const port = await freePort();
    const configFile = join(dir, "redis.conf");
    // Later directives win: only where it listens differs from the container; its files go to its working directory.
    writeFileSync(configFile, `${redisConfig(password)}port ${port}\nbind 127.0.0.1\n`, { mode: 0o400 });
    const server = startProcess("redis-server", [configFile], { cwd: dir });
    const cli = (args: string[], env: Record<string, string> = {}) => spawnSync("redis-cli", ["-p", String(port), ...args], { encoding: "utf8", env: { ...process.env, ...env } }).stdout.trim();
    await waitFor(`redis-server on ${port}`, () => Promise.resolve(/NOAUTH|PONG/.test(cli(["ping"]))));

    expect(cli(["ping"])).toMatch(/NOAUTH/);
    expect(cli(["config", "get", "appendonly"], { REDISCLI_AUTH: password })).toBe("appendonly\nyes");
    expect(healthCheck(configFile, port)).toBe(0);

    const wrong = join(dir, "wrong.conf");
    writeFileSync(wrong, redisConfig("not-the-password"), { mode: 0o400 });
    expect(healthCheck(wrong, port)).not.toBe(0);
    await server.stop();
  });
});
