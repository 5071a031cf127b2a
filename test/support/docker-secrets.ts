/**
 * Runs a container with its secrets as files, the way the docker target has the provider write them (`uploads`):
 * the container is created, each secret copied in as one tar entry `/run/secrets/<name>` (mode 0400, owned by the
 * image's user; Docker's archive API applies the entry's owner and mode), then started. The environment carries
 * only `<NAME>_FILE`.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SERVICE_USER, secretFilePath, type FileOwner } from "../../infra/targets/docker/secret-files.js";
import { docker } from "./docker.js";

export interface SecretFileContainer {
  name: string;
  image: string;
  env?: Record<string, string>;
  /** NAME → value: written to /run/secrets/<name>, `NAME_FILE` set to it. */
  secrets: Record<string, string>;
  owner?: FileOwner;
  command?: string[];
  /** `-v` arguments, e.g. `volume:/path`. */
  volumes?: string[];
  /** Wait for it to exit (a one-shot step such as `migrate`); the status is its exit code. */
  attach?: boolean;
}

export function runWithSecretFiles(c: SecretFileContainer): { status: number; out: string } {
  const owner = c.owner ?? SERVICE_USER;
  docker("rm", "-f", c.name);
  const env = { ...c.env, ...Object.fromEntries(Object.keys(c.secrets).map((n) => [`${n}_FILE`, secretFilePath(n)])) };
  const created = docker("create", "--name", c.name, "--network", "host", ...(c.volumes ?? []).flatMap((v) => ["-v", v]), ...Object.entries(env).flatMap(([k, v]) => ["-e", `${k}=${v}`]), c.image, ...(c.command ?? []));
  if (created.status !== 0) return created;

  const dir = mkdtempSync(join(tmpdir(), "iron-secret-files-"));
  try {
    const entries = Object.entries(c.secrets).map(([name, value]) => {
      const path = secretFilePath(name).slice(1);
      mkdirSync(join(dir, path, ".."), { recursive: true });
      writeFileSync(join(dir, path), value);
      return path;
    });
    // Only the files' entries (no directories), as the provider's archive has: the engine creates /run/secrets.
    const tar = spawnSync("tar", ["-C", dir, "--no-recursion", "--numeric-owner", `--owner=${owner.uid}`, `--group=${owner.gid}`, "--mode=0400", "-cf", "-", ...entries], { maxBuffer: 16 << 20 });
    if (tar.status !== 0) return { status: tar.status ?? -1, out: String(tar.stderr) };
    const copied = spawnSync("docker", ["cp", "-", `${c.name}:/`], { input: tar.stdout, encoding: "utf8", timeout: 60_000 });
    if (copied.status !== 0) return { status: copied.status ?? -1, out: `${copied.stdout}${copied.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (!c.attach) return docker("start", c.name);
  const ran = docker("start", "--attach", c.name);
  const code = Number(docker("inspect", "-f", "{{.State.ExitCode}}", c.name).out.trim());
  return { status: ran.status === 0 ? code : ran.status, out: ran.out };
}
