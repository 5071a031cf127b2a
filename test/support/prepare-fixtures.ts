/**
 * Makes the suite's slow shared fixtures once, one after the other, before `npm test` runs any test (npm's pretest):
 * the Debian root filesystems (debootstrap) and the base images built from them (no image can be pulled here). On a
 * machine that never ran the suite this takes minutes; inside the tests it would count against the hook timeouts of
 * whichever test file came first, with several test files making them at once on a small machine (a cold CI run
 * timed out there, at 30 minutes, once). Each step says what it made and how long it took. Without Docker or
 * debootstrap it makes what it can and says what it skipped (the tests that need them skip, naming why, and CI fails
 * on skips).
 *
 * Run alone: npx tsx test/support/prepare-fixtures.ts
 */
import { ensureDebianDockerImage, ensureDebianRootfs } from "./debian-rootfs.js";
import { commandAvailable, dockerAvailable, ensureNginxBaseImage, ensureNodeBaseImage, NGINX_BASE_IMAGE, NODE_BASE_IMAGE } from "./docker.js";
import { testCacheRoot } from "./test-cache.js";

interface Step {
  what: string;
  needs: "debootstrap" | "docker";
  make: () => Promise<unknown>;
}

const steps: Step[] = [
  { what: "the Debian 12 minbase root filesystem (debootstrap)", needs: "debootstrap", make: ensureDebianRootfs },
  { what: "its Docker image, iron-test/bookworm-minbase", needs: "docker", make: ensureDebianDockerImage },
  { what: `the nginx base image, ${NGINX_BASE_IMAGE} (Debian's nginx)`, needs: "docker", make: async () => ensureNginxBaseImage(await ensureDebianDockerImage()) },
  { what: `the Node.js base image, ${NODE_BASE_IMAGE} (debootstrap, this machine's Node.js)`, needs: "docker", make: ensureNodeBaseImage },
];

const has = { debootstrap: commandAvailable("debootstrap"), docker: dockerAvailable() && commandAvailable("debootstrap") };
const started = Date.now();
for (const step of steps) {
  if (!has[step.needs]) {
    console.log(`[test fixtures] skipped ${step.what}: needs ${step.needs === "docker" ? "a running Docker engine (apt-get install docker.io; dockerd) and debootstrap" : "debootstrap (apt-get install debootstrap)"}`);
    continue;
  }
  const t0 = Date.now();
  // Instant when the fixture is there already; a line first when it is being made.
  const progress = setTimeout(() => console.log(`[test fixtures] making ${step.what} (the first time takes minutes) ...`), 2000);
  try {
    await step.make();
  } catch (err) {
    console.error(`[test fixtures] could not make ${step.what}:\n${(err as Error).message}`);
    process.exit(1);
  } finally {
    clearTimeout(progress);
  }
  console.log(`[test fixtures] ready: ${step.what} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}
console.log(`[test fixtures] done in ${((Date.now() - started) / 1000).toFixed(0)} s (cache: ${testCacheRoot})`);
