/**
 * Docker for tests that need a real engine. No image can be pulled here, so tests build their own base images from
 * local files: a Debian 12 root filesystem made by debootstrap from Debian's mirror (test-cache.ts), plus this
 * machine's Node.js 20, imported with `docker import`. It is what an air-gapped operator would pass through
 * `iron:images.base`.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { COMPLETE_MARKER, dockerImageExists, ensureDebianRootfs, underCacheLock } from "./test-cache.js";

export const NODE_BASE_IMAGE = "iron-test/node-base:20";

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

/**
 * Builds (once; the rootfs cached in the test cache, the image in the engine) a Debian 12 image with this machine's
 * Node.js 20 (the `nodejs` package's files; npm taken whole from disk, since it may have been upgraded since), node's
 * headers and a C++ toolchain for native addons. One lock for the whole build, the image checked again inside it.
 */
export async function ensureNodeBaseImage(): Promise<string> {
  if (await dockerImageExists(NODE_BASE_IMAGE)) return NODE_BASE_IMAGE;
  const debian = await ensureDebianRootfs("bookworm-node-build", ["python3", "make", "g++", "ca-certificates"]);
  const npmDir = "/usr/lib/node_modules/npm";
  await underCacheLock("node-base-image", `
    set -eu
    if docker image inspect ${NODE_BASE_IMAGE} >/dev/null 2>&1; then exit 0; fi
    rootfs=$(mktemp -d)/rootfs
    trap 'rm -rf "$(dirname "$rootfs")"' EXIT
    cp -a '${debian}' "$rootfs"
    # The package's files and links (not its directories), as tar lays them out: parents made as needed.
    dpkg -L nodejs | grep -v '^${npmDir}/' | while read -r f; do
      if [ -L "$f" ] || [ -f "$f" ]; then echo "\${f#/}"; fi
    done | tar -C / --no-recursion -cf - -T - | tar -C "$rootfs" -xf -
    rm -rf "$rootfs${npmDir}" && cp -a '${npmDir}' "$rootfs${npmDir}"
    ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/bin/npm"
    ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/bin/npx"
    # This machine reaches the npm registry through a TLS-inspecting egress proxy: the image trusts what the host
    # trusts, as an operator's base image behind a corporate proxy would.
    cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
    tar -C "$rootfs" --exclude=./${COMPLETE_MARKER} -c . | docker import \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
      --change 'ENV npm_config_nodedir=/usr' \
      --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
      --change 'CMD ["node"]' - ${NODE_BASE_IMAGE} >/dev/null
  `);
  return NODE_BASE_IMAGE;
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
export async function ensureNginxBaseImage(debianImage: string): Promise<string> {
  if (await dockerImageExists(NGINX_BASE_IMAGE)) return NGINX_BASE_IMAGE;
  const dockerfile = [
    `FROM ${debianImage}`,
    "RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nginx-light wget && rm -rf /var/lib/apt/lists/* \\",
    " && rm -f /etc/nginx/sites-enabled/default && mkdir -p /usr/share/nginx/html \\",
    " && ln -sf /dev/stdout /var/log/nginx/access.log && ln -sf /dev/stderr /var/log/nginx/error.log",
    "STOPSIGNAL SIGQUIT",
    `CMD ["nginx", "-g", "daemon off;"]`,
  ].join("\n");
  const dir = mkdtempSync(join(tmpdir(), "iron-nginx-base-"));
  try {
    writeFileSync(join(dir, "Dockerfile"), dockerfile);
    await underCacheLock("nginx-base-image", `
      set -e
      if docker image inspect ${NGINX_BASE_IMAGE} >/dev/null 2>&1; then exit 0; fi
      DOCKER_BUILDKIT=0 docker build --network host -t ${NGINX_BASE_IMAGE} '${dir}'
    `);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return NGINX_BASE_IMAGE;
}
