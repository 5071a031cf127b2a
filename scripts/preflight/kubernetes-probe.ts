/**
 * Asks the cluster of a kubernetes stack, through kubectl with the stack's
 * kubeconfig and context, for its version, nodes (kernel, labels) and storage
 * classes. Bounded in time; every failure becomes a fact.
 */
import { execFile } from "node:child_process";
import { homedir } from "node:os";
import { promisify } from "node:util";
import type { KubernetesSettings } from "../../infra/config-kubernetes.js";
import type { ClusterFacts } from "./facts.js";

const run = promisify(execFile);
const TIMEOUT_MS = 10_000;

type Kubectl = (args: string[]) => Promise<{ ok: true; json: unknown } | { ok: false; error: string }>;

function kubectlFor(settings: KubernetesSettings): Kubectl {
  const base = [
    ...(settings.kubeconfig ? ["--kubeconfig", settings.kubeconfig.replace(/^~(?=\/|$)/, homedir())] : []),
    ...(settings.context ? ["--context", settings.context] : []),
    "--request-timeout=8s",
  ];
  return async (args) => {
    try {
      const { stdout } = await run("kubectl", [...base, ...args, "-o", "json"], { timeout: TIMEOUT_MS, maxBuffer: 32 << 20 });
      return { ok: true, json: JSON.parse(stdout) as unknown };
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { stderr?: string; killed?: boolean };
      if (e.code === "ENOENT") return { ok: false, error: "kubectl not found on PATH" };
      if (e.killed) return { ok: false, error: `kubectl ${args[0]} did not finish in ${TIMEOUT_MS / 1000} s` };
      return { ok: false, error: (e.stderr ?? e.message).trim().split("\n").filter(Boolean).slice(-1)[0] ?? e.message };
    }
  };
}

interface Item { metadata?: { name?: string; labels?: Record<string, string>; annotations?: Record<string, string> }; status?: { nodeInfo?: { kernelVersion?: string } } }

export async function probeCluster(settings: KubernetesSettings): Promise<ClusterFacts> {
  const kubectl = kubectlFor(settings);
  const context = settings.context ?? await kubectl(["config", "view", "--minify"]).then((r) => (r.ok ? (r.json as { "current-context"?: string })["current-context"] : undefined));
  const version = await kubectl(["version"]);
  if (!version.ok) return { context, unreachable: version.error };
  const server = (version.json as { serverVersion?: { gitVersion?: string } }).serverVersion?.gitVersion;
  if (!server) return { context, unreachable: "the API server did not report a version (kubectl version printed only the client's)" };
  const [nodes, classes] = await Promise.all([kubectl(["get", "nodes"]), kubectl(["get", "storageclasses"])]);
  const items = (r: { ok: true; json: unknown }) => ((r.json as { items?: Item[] }).items ?? []);
  return {
    context,
    serverVersion: server,
    ...(nodes.ok
      ? { nodes: items(nodes).map((n) => ({ name: n.metadata?.name ?? "?", kernel: n.status?.nodeInfo?.kernelVersion ?? "", labels: n.metadata?.labels ?? {} })) }
      : { nodesError: nodes.error }),
    ...(classes.ok
      ? { storageClasses: items(classes).map((c) => ({ name: c.metadata?.name ?? "?", isDefault: c.metadata?.annotations?.["storageclass.kubernetes.io/is-default-class"] === "true" })) }
      : { storageClassesError: classes.error }),
  };
}
