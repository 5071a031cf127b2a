/**
 * Docker for tests that need a real engine. No image can be pulled here, so
 * tests build their own base image from local files: a Debian 12 root
 * filesystem made by debootstrap from Debian's mirror, plus this machine's
 * Node.js 20 (the `nodejs` package's files, npm and headers included), imported
 * with `docker import`. It is what an air-gapped operator would pass through
 * `iron:images.base`.
 */
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";

export const NODE_BASE_IMAGE = "iron-test/node-base:20";
const CACHE = "/var/cache/iron-test";

/** The docker CLI, synchronously: its exit status and everything it printed. */
export function docker(...args: string[]): { status: number; out: string } {
  const r = spawnSync("docker", args, { encoding: "utf8", timeout: 120_000 });
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

export function dockerAvailable(): boolean {
  return spawnSync("docker", ["info"], { stdio: "ignore", timeout: 10_000 }).status === 0;
}

export function commandAvailable(command: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;
}

function imageExists(ref: string): boolean {
  return spawnSync("docker", ["image", "inspect", ref], { stdio: "ignore" }).status === 0;
}

/** The Debian mirror this machine's apt uses (the one reachable here). */
export function debianMirror(): string {
  for (const file of ["/etc/apt/sources.list.d/debian.sources", "/etc/apt/sources.list"]) {
    if (!existsSync(file)) continue;
    const text = readFileSync(file, "utf8");
    const uri = /^URIs:\s*(\S+\/debian)\s*$/m.exec(text)?.[1] ?? /^deb\s+(\S+\/debian)\s/m.exec(text)?.[1];
    if (uri) return uri;
  }
  return "http://deb.debian.org/debian";
}

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, { stdio: ["ignore", "pipe", "pipe"], maxBuffer: 1 << 24 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (${result.status}): ${result.stderr?.toString().slice(-2000)}`);
}

/**
 * Builds (once; cached in the engine and under /var/cache/iron-test) a Debian 12
 * image with Node.js 20, npm, node's headers and a C++ toolchain for native addons.
 * Serialised across test files with a lock file, since two builds would collide.
 */
export function ensureNodeBaseImage(): string {
  if (imageExists(NODE_BASE_IMAGE)) return NODE_BASE_IMAGE;
  mkdirSync(CACHE, { recursive: true });
  // flock serialises concurrent builders; the second finds the image made by the first.
  const script = `
    set -e
    if docker image inspect ${NODE_BASE_IMAGE} >/dev/null 2>&1; then exit 0; fi
    rootfs=${CACHE}/node-base-rootfs
    if [ ! -f "$rootfs/.complete" ]; then
      rm -rf "$rootfs"
      debootstrap --variant=minbase --include=python3,make,g++,ca-certificates bookworm "$rootfs" ${debianMirror()} >/dev/null
      touch "$rootfs/.complete"
    fi
    echo "$rootfs"
  `;
  const out = execFileSync("flock", [join(CACHE, "node-base.lock"), "sh", "-c", script], { encoding: "utf8", maxBuffer: 1 << 24, timeout: 20 * 60_000 }).trim();
  if (imageExists(NODE_BASE_IMAGE)) return NODE_BASE_IMAGE;
  const rootfs = out.split("\n").pop()!;
  copyNodeInto(rootfs);
  // This machine reaches the npm registry through a TLS-inspecting egress proxy: the image trusts what the host trusts,
  // as an operator's base image behind a corporate proxy would.
  cpSync("/etc/ssl/certs/ca-certificates.crt", join(rootfs, "etc/ssl/certs/ca-certificates.crt"));
  run("sh", ["-c", [
    `tar -C '${rootfs}' --exclude=./.complete -c . | docker import`,
    `--change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'`,
    `--change 'ENV npm_config_nodedir=/usr'`,
    `--change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt'`,
    `--change 'CMD ["node"]' - ${NODE_BASE_IMAGE}`,
  ].join(" ")]);
  return NODE_BASE_IMAGE;
}

/** Copies the files of this machine's `nodejs` package (node, npm, headers) into the root filesystem. */
function copyNodeInto(rootfs: string): void {
  // npm is taken whole from disk: it may have been upgraded since the package was installed.
  const npmDir = "/usr/lib/node_modules/npm";
  rmSync(join(rootfs, npmDir), { recursive: true, force: true });
  cpSync(npmDir, join(rootfs, npmDir), { recursive: true, verbatimSymlinks: true });
  const files = execFileSync("dpkg", ["-L", "nodejs"], { encoding: "utf8" }).split("\n").filter((f) => f && !f.startsWith(`${npmDir}/`));
  for (const file of files) {
    if (!existsSync(file) || statSync(file).isDirectory()) continue;
    const dest = join(rootfs, file);
    mkdirSync(dirname(dest), { recursive: true });
    cpSync(file, dest, { dereference: false, verbatimSymlinks: true });
  }
  for (const [link, target] of [["usr/bin/npm", "../lib/node_modules/npm/bin/npm-cli.js"], ["usr/bin/npx", "../lib/node_modules/npm/bin/npx-cli.js"]] as const) {
    const path = join(rootfs, link);
    rmSync(path, { force: true });
    execFileSync("ln", ["-s", target, path]);
  }
}

/** `docker build` with the repository root as context, host networking for the npm registry. */
export function dockerBuild(root: string, dockerfile: string, tag: string, buildArgs: Record<string, string>): { ok: boolean; log: string } {
  const args = ["build", "--network", "host", "-f", join(root, dockerfile), "-t", tag, ...Object.entries(buildArgs).flatMap(([k, v]) => ["--build-arg", `${k}=${v}`]), root];
  const result = spawnSync("docker", args, { encoding: "utf8", maxBuffer: 1 << 26, timeout: 30 * 60_000, env: { ...process.env, DOCKER_BUILDKIT: "0" } });
  return { ok: result.status === 0, log: `${result.stdout}\n${result.stderr}` };
}

export const NGINX_BASE_IMAGE = "iron-test/nginx-base:bookworm";

/**
 * An nginx image laid out like the official one (config in /etc/nginx/conf.d, files in /usr/share/nginx/html,
 * `nginx -g 'daemon off;'`, logs to stdout/stderr), from Debian's nginx on the cached Debian rootfs image:
 * what an air-gapped operator would pass through `iron:images.nginx`. Built once; cached in the engine.
 */
export function ensureNginxBaseImage(debianImage: string): string {
  if (imageExists(NGINX_BASE_IMAGE)) return NGINX_BASE_IMAGE;
  const dockerfile = [
    `FROM ${debianImage}`,
    "RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx-light wget && rm -rf /var/lib/apt/lists/* \\",
    " && rm -f /etc/nginx/sites-enabled/default && mkdir -p /usr/share/nginx/html \\",
    " && ln -sf /dev/stdout /var/log/nginx/access.log && ln -sf /dev/stderr /var/log/nginx/error.log",
    "STOPSIGNAL SIGQUIT",
    `CMD ["nginx", "-g", "daemon off;"]`,
  ].join("\n");
  const result = spawnSync("docker", ["build", "--network", "host", "-t", NGINX_BASE_IMAGE, "-"], {
    input: dockerfile, encoding: "utf8", maxBuffer: 1 << 24, timeout: 20 * 60_000, env: { ...process.env, DOCKER_BUILDKIT: "0" },
  });
  if (result.status !== 0) throw new Error(`building ${NGINX_BASE_IMAGE} failed (${result.status}):\n${`${result.stdout}\n${result.stderr}`.slice(-3000)}`);
  return NGINX_BASE_IMAGE;
}
