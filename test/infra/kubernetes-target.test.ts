/** The kubernetes target under Pulumi's mock runtime, loading the stack files we ship. */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { PACKAGE_IDS, STACK_NAMES } from "../../infra/catalog.js";
import { KUBERNETES_KEYS } from "../../infra/config-kubernetes.js";
import { failStack, plainOccurrences, repoRoot, runStack } from "../support/pulumi-mocks.js";
import { validateObject } from "../support/kubernetes-schema.js";
import { allowed, type Cluster, type External, type Pod } from "../support/network-policy.js";
import { kubeObjects, named, nameOf, OPENAI_KEY, objectsOf, podOf, podTemplates, policies, TOKEN } from "./kubernetes-support.js";

const K8S = { target: "kubernetes" };
const workloads = (run: Awaited<ReturnType<typeof runStack>>) =>
  ["Deployment", "StatefulSet", "DaemonSet", "Job"].flatMap((kind) => objectsOf(run, kind).map((o) => `${kind}:${nameOf(o).replace(/-[0-9a-f]{10}$/, "-<hash>")}`)).sort();

describe("full-platform on kubernetes", async () => {
  const run = await runStack("full-platform", { ...K8S, agentToken: TOKEN, openaiApiKey: OPENAI_KEY });

  it("creates exactly the strategy's workloads in the stack's namespace", () => {
    expect(workloads(run)).toEqual([
      "DaemonSet:sandbox-node-labeller", "Deployment:control-panel", "Deployment:marketing-site", "Deployment:sandbox-node",
      "Job:control-panel-migrate-<hash>", "StatefulSet:agent-runtime", "StatefulSet:control-panel-cache", "StatefulSet:control-panel-db",
    ]);
    expect(named(run, "Namespace", "iron-full-platform").metadata).toMatchObject({ labels: { "pod-security.kubernetes.io/enforce": "restricted" } });
    for (const { object } of kubeObjects(run)) {
      const meta = object.metadata as { namespace?: string; labels?: Record<string, string> };
      if (!["Namespace", "ClusterRole", "ClusterRoleBinding"].includes(object.kind)) expect(meta.namespace, `${object.kind} ${nameOf(object)}`).toBe("iron-full-platform");
      expect(meta.labels?.["app.kubernetes.io/part-of"], `${object.kind} ${nameOf(object)}`).toBe("iron");
      expect([...PACKAGE_IDS, "iron"], `${object.kind} ${nameOf(object)}`).toContain(meta.labels?.["app.kubernetes.io/name"]);
    }
    const provider = run.resources.find((r) => r.type === "pulumi:providers:kubernetes");
    expect(provider?.inputs).toMatchObject({ namespace: "iron-full-platform" });
    // Every object through the stack's explicit provider, never the ambient default one.
    for (const { resource } of kubeObjects(run)) expect(resource.provider, `${resource.type} ${resource.name}`).toMatch(/pulumi:providers:kubernetes::cluster-provider::/);
  });

  it("validates every object against the Kubernetes OpenAPI schema, unknown fields included", () => {
    const problems = kubeObjects(run).flatMap((o) => validateObject(o.resource.type, o.object));
    expect(problems).toEqual([]);
    expect(kubeObjects(run).length).toBeGreaterThan(30);
  }, 120_000);

  it("rejects a misspelled field and a wrongly typed value (the check can fail)", () => {
    const deployment = structuredClone(named(run, "Deployment", "control-panel"));
    const spec = deployment.spec as { template: { spec: { containers: Record<string, unknown>[] } }; replicas?: unknown };
    spec.template.spec.containers[0]!.imagePulPolicy = "Always";
    expect(validateObject("kubernetes:apps/v1:Deployment", deployment).join("\n")).toContain("imagePulPolicy: unknown field");
    const typed = structuredClone(named(run, "Service", "control-panel"));
    (typed.spec as { ports: { port: unknown }[] }).ports[0]!.port = "3000";
    expect(validateObject("kubernetes:core/v1:Service", typed).join("\n")).toContain("must be integer");
  }, 60_000);

  it("runs every pod under Pod Security restricted", () => {
    for (const { owner, template } of podTemplates(run)) {
      expect(template.spec.securityContext, owner).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: "RuntimeDefault" } });
      for (const c of template.spec.containers) {
        expect(c.securityContext, `${owner}/${c.name}`).toMatchObject({
          allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ["ALL"] }, seccompProfile: { type: "RuntimeDefault" },
        });
      }
    }
  });

  it("keeps every secret value in Secrets, referenced by secretKeyRef", () => {
    const env = named(run, "Secret", "control-panel-env").stringData as Record<string, string>;
    expect(Object.keys(env).sort()).toEqual(["DATABASE_URL", "IRON_ADMIN_PASSWORD", "IRON_MASTER_KEY", "REDIS_URL"]);
    expect(env.DATABASE_URL).toMatch(/^postgres:\/\/control-panel:mocksecret\w+@control-panel-db\.iron-full-platform\.svc:5432\/control-panel$/);
    const runtimeEnv = named(run, "Secret", "agent-runtime-env").stringData as Record<string, string>;
    expect(runtimeEnv).toMatchObject({ IRON_TOKEN: TOKEN, OPENAI_API_KEY: OPENAI_KEY });
    // No secret value outside a Secret: not in a plain env value, not in a ConfigMap, nowhere unwrapped.
    const secrets = [TOKEN, OPENAI_KEY, "mocksecret"];
    for (const r of run.resources.filter((x) => x.type.startsWith("kubernetes:") && x.type !== "kubernetes:core/v1:Secret")) {
      for (const needle of secrets) expect(plainOccurrences(r.inputs, needle), `${r.type} ${r.name}`).toEqual([]);
    }
    const panel = podTemplates(run).find((p) => p.owner === "control-panel")!.template.spec.containers[0]!;
    expect(panel.env!.find((e) => e.name === "DATABASE_URL")).toEqual({ name: "DATABASE_URL", valueFrom: { secretKeyRef: { name: "control-panel-env", key: "DATABASE_URL" } } });
  });

  it("starts the panel only after the migration Job, whose name changes with the image", () => {
    const job = objectsOf(run, "Job")[0]!;
    const jobName = nameOf(job);
    expect(jobName).toMatch(/^control-panel-migrate-[0-9a-f]{10}$/);
    expect((job.metadata as { annotations: Record<string, string> }).annotations).toEqual({ "pulumi.com/replaceUnready": "true" });
    const container = (job.spec as { template: { spec: { containers: { args: string[]; image: string }[]; restartPolicy: string } } }).template.spec;
    expect(container.containers[0]!.args).toEqual(["migrate"]);
    expect(container.restartPolicy).toBe("Never");
    // The Deployment is registered only once the Job resolved (it depends on it): the mock records creation order.
    const order = run.resources.map((r) => `${r.type}:${r.name}`);
    expect(order.indexOf("kubernetes:batch/v1:Job:control-panel-migrate")).toBeGreaterThan(-1);
    expect(order.indexOf("kubernetes:batch/v1:Job:control-panel-migrate")).toBeLessThan(order.indexOf("kubernetes:apps/v1:Deployment:control-panel"));
    // Secrets and volumes before workloads.
    expect(order.indexOf("kubernetes:core/v1:Secret:control-panel-env")).toBeLessThan(order.indexOf("kubernetes:batch/v1:Job:control-panel-migrate"));
    expect(order.indexOf("kubernetes:core/v1:Secret:control-panel-db-password")).toBeLessThan(order.indexOf("kubernetes:apps/v1:StatefulSet:control-panel-db"));
  });

  it("autoscales the panel with a per-replica pool that keeps max replicas under the database's connection limit", () => {
    const hpa = named(run, "HorizontalPodAutoscaler", "control-panel").spec as { minReplicas: number; maxReplicas: number };
    expect(hpa).toMatchObject({ minReplicas: 2, maxReplicas: 4 });
    const panel = podTemplates(run).find((p) => p.owner === "control-panel")!.template.spec.containers[0]!;
    const pool = Number(panel.env!.find((e) => e.name === "IRON_DB_POOL_MAX")!.value);
    const db = podTemplates(run).find((p) => p.owner === "control-panel-db")!.template.spec.containers[0]!;
    const maxConnections = Number(/max_connections=(\d+)/.exec(db.args!.join(" "))![1]);
    expect(maxConnections).toBe(100);
    expect(pool * hpa.maxReplicas).toBeLessThan(maxConnections);
    expect(objectsOf(run, "PodDisruptionBudget").map(nameOf).sort()).toEqual(["agent-runtime", "control-panel", "marketing-site", "sandbox-node"]);
  });

  it("keeps the runtime's ledger on a claim template, internal only", () => {
    const runtime = named(run, "StatefulSet", "agent-runtime").spec as { volumeClaimTemplates: { metadata: { name: string } }[]; template: { spec: { containers: { volumeMounts: { name: string; mountPath: string }[] }[] } } };
    expect(runtime.volumeClaimTemplates.map((t) => t.metadata.name)).toEqual(["data"]);
    expect(runtime.template.spec.containers[0]!.volumeMounts).toContainEqual({ name: "data", mountPath: "/var/lib/iron-runtime" });
    expect(objectsOf(run, "Ingress")).toEqual([]);
    expect(run.outputs.runtimeUrl).toBe("http://agent-runtime.iron-full-platform.svc:8787");
  });

  it("schedules sandbox pods only on nodes our labeller marked ready", () => {
    const sandbox = podTemplates(run).find((p) => p.owner === "sandbox-node")!.template.spec;
    expect(sandbox.affinity!.nodeAffinity!.requiredDuringSchedulingIgnoredDuringExecution!.nodeSelectorTerms).toEqual([
      { matchExpressions: [{ key: "iron.dev/sandbox-ready", operator: "In", values: ["true"] }] },
    ]);
    const labeller = podTemplates(run).find((p) => p.owner === "sandbox-node-labeller")!.template.spec;
    expect(labeller.tolerations).toEqual([{ operator: "Exists" }]);
    expect(named(run, "ConfigMap", "sandbox-node-labeller-script").data).toHaveProperty(["node-labeller.mjs"]);
    expect(named(run, "ClusterRole", "iron-full-platform-sandbox-node-labeller").rules).toEqual([{ apiGroups: [""], resources: ["nodes"], verbs: ["get", "patch"] }]);
  });

  describe("network policies allow exactly the spec's flows", () => {
    const cluster: Cluster = { policies: policies(run), namespaces: { "ingress-nginx": {}, agents: {}, "kube-system": {} } };
    const pod = (kind: string, name: string, ip: string) => podOf(run, kind, name, ip);
    const panel = pod("Deployment", "control-panel", "10.244.0.10");
    const migrate = podOf(run, "Job", nameOf(objectsOf(run, "Job")[0]!), "10.244.0.11");
    const db = pod("StatefulSet", "control-panel-db", "10.244.0.12");
    const cache = pod("StatefulSet", "control-panel-cache", "10.244.0.13");
    const site = pod("Deployment", "marketing-site", "10.244.0.14");
    const runtime = pod("StatefulSet", "agent-runtime", "10.244.0.15");
    const sandbox = pod("Deployment", "sandbox-node", "10.244.0.16");
    const labeller = pod("DaemonSet", "sandbox-node-labeller", "10.244.0.17");
    const ingressController: Pod = { kind: "pod", namespace: "ingress-nginx", labels: { "app.kubernetes.io/name": "ingress-nginx" }, ip: "10.244.1.2" };
    const agent: Pod = { kind: "pod", namespace: "agents", labels: { app: "my-agent" }, ip: "10.244.1.3" };
    const dns: Pod = { kind: "pod", namespace: "kube-system", labels: { "k8s-app": "kube-dns" }, ip: "10.244.1.4" };
    const client: External = { kind: "external", ip: "203.0.113.10" };
    const llm: External = { kind: "external", ip: "104.18.6.192" };
    const apiServer: External = { kind: "external", ip: "10.96.0.1" };
    const privateHost: External = { kind: "external", ip: "10.0.0.5" };

    it.each([
      ["client → panel", client, panel, 3000, "TCP", true],
      ["ingress controller → panel", ingressController, panel, 3000, "TCP", true],
      ["client → site", client, site, 8080, "TCP", true],
      ["ingress controller → site", ingressController, site, 8080, "TCP", true],
      ["runtime → panel (telemetry)", runtime, panel, 3000, "TCP", true],
      ["panel → database", panel, db, 5432, "TCP", true],
      ["migration → database", migrate, db, 5432, "TCP", true],
      ["panel → cache", panel, cache, 6379, "TCP", true],
      ["runtime → LLM provider", runtime, llm, 443, "TCP", true],
      ["agent in the cluster → runtime", agent, runtime, 8787, "TCP", true],
      ["panel → DNS", panel, dns, 53, "UDP", true],
      ["runtime → DNS", runtime, dns, 53, "UDP", true],
      ["labeller → API server", labeller, apiServer, 443, "TCP", true],
      ["site → database", site, db, 5432, "TCP", false],
      ["runtime → database", runtime, db, 5432, "TCP", false],
      ["site → panel", site, panel, 3000, "TCP", false],
      ["client → database", client, db, 5432, "TCP", false],
      ["client → runtime (internal only)", client, runtime, 8787, "TCP", false],
      ["panel → LLM provider", panel, llm, 443, "TCP", false],
      ["runtime → a private address on 443", runtime, privateHost, 443, "TCP", false],
      ["panel → database on another port", panel, db, 6379, "TCP", false],
      ["database → LLM provider", db, llm, 443, "TCP", false],
      ["sandbox → LLM provider", sandbox, llm, 443, "TCP", false],
      ["sandbox → DNS", sandbox, dns, 53, "UDP", false],
      ["sandbox → panel", sandbox, panel, 3000, "TCP", false],
      ["agent → sandbox", agent, sandbox, 8080, "TCP", false],
    ] as const)("%s: %s", (_label, from, to, port, protocol, expected) => {
      expect(allowed(cluster, from, to, port, protocol)).toBe(expected);
    });
  });
});

describe("the other stacks on kubernetes", async () => {
  const [agentOnly, panelClis, sandboxOnly] = await Promise.all([
    runStack("agent-only", { ...K8S, agentToken: TOKEN }),
    runStack("panel-clis", K8S),
    runStack("sandbox-only", K8S),
  ]);

  it("agent-only: the runtime alone, no database", () => {
    expect(workloads(agentOnly)).toEqual(["StatefulSet:agent-runtime"]);
    expect(objectsOf(agentOnly, "Secret").map(nameOf)).toEqual(["agent-runtime-env"]);
  });

  it("panel-clis: panel, its stores and the downloads host", () => {
    expect(workloads(panelClis)).toEqual([
      "Deployment:cli-downloads", "Deployment:control-panel", "Job:control-panel-migrate-<hash>", "StatefulSet:control-panel-cache", "StatefulSet:control-panel-db",
    ]);
  });

  it("sandbox-only: the sandbox and its labeller, no database, no panel", () => {
    expect(workloads(sandboxOnly)).toEqual(["DaemonSet:sandbox-node-labeller", "Deployment:sandbox-node"]);
  });

  it("validates every object of every stack against the schema", () => {
    const all = [agentOnly, panelClis, sandboxOnly].flatMap(kubeObjects);
    expect(all.flatMap((o) => validateObject(o.resource.type, o.object))).toEqual([]);
  }, 120_000);
});

describe("iron:kubernetes settings", async () => {
  const [external, published] = await Promise.all([
    runStack("panel-clis", { ...K8S, kubernetes: { databaseUrl: "postgres://iron:managed-pw@db.example.com:6432/iron", redisUrl: "rediss://:cache-pw@cache.example.com:6380" } }),
    runStack("full-platform", {
      ...K8S, domain: "iron.example.com", agentToken: TOKEN,
      kubernetes: { namespace: "iron-prod", ingressClass: "nginx", tls: { clusterIssuer: "letsencrypt" }, panelReplicas: { min: 3, max: 9 }, nodeFeatureDiscovery: true, sandboxTaint: { key: "iron.dev/sandbox" }, registry: "registry.example.com/iron" },
    }),
  ]);

  it("an external database and Redis: nothing of them in the cluster, the URLs in the panel's Secret", () => {
    expect(workloads(external)).toEqual(["Deployment:cli-downloads", "Deployment:control-panel", "Job:control-panel-migrate-<hash>"]);
    expect(objectsOf(external, "Secret").map(nameOf)).toEqual(["control-panel-env"]);
    expect(named(external, "Secret", "control-panel-env").stringData).toMatchObject({
      DATABASE_URL: "postgres://iron:managed-pw@db.example.com:6432/iron", REDIS_URL: "rediss://:cache-pw@cache.example.com:6380",
    });
    const egress = (named(external, "NetworkPolicy", "control-panel-allow").spec as { egress: { ports: { port: number }[] }[] }).egress;
    expect(egress.map((r) => r.ports[0]!.port).sort()).toEqual([6380, 6432]);
  });

  it("a domain: Ingresses with class and cert-manager TLS; replicas, NFD, taint, registry and namespace applied", () => {
    const ingress = named(published, "Ingress", "control-panel");
    expect(ingress.metadata).toMatchObject({ namespace: "iron-prod", annotations: { "cert-manager.io/cluster-issuer": "letsencrypt" } });
    expect(ingress.spec).toMatchObject({ ingressClassName: "nginx", tls: [{ hosts: ["iron.example.com"], secretName: "control-panel-tls" }] });
    expect(objectsOf(published, "Ingress").map(nameOf).sort()).toEqual(["control-panel", "marketing-site"]);
    expect(published.outputs.controlPanelUrl).toBe("https://iron.example.com");
    expect(published.outputs.siteUrl).toBe("https://www.iron.example.com");
    expect(named(published, "HorizontalPodAutoscaler", "control-panel").spec).toMatchObject({ minReplicas: 3, maxReplicas: 9 });
    const sandbox = podTemplates(published).find((p) => p.owner === "sandbox-node")!.template.spec;
    const terms = sandbox.affinity!.nodeAffinity!.requiredDuringSchedulingIgnoredDuringExecution!.nodeSelectorTerms;
    expect(terms).toHaveLength(2);
    expect(terms.every((t) => t.matchExpressions.some((e) => e.key === "iron.dev/sandbox-ready"))).toBe(true);
    expect(terms[1]!.matchExpressions).toContainEqual({ key: "feature.node.kubernetes.io/kernel-version.minor", operator: "Gt", values: ["12"] });
    expect(sandbox.tolerations).toEqual([{ key: "iron.dev/sandbox", operator: "Equal", value: "true", effect: "NoSchedule" }]);
    const image = published.resources.find((r) => r.type === "docker:index/image:Image" && r.name === "control-panel-image")!;
    expect(image.inputs.imageName).toMatch(/^registry\.example\.com\/iron\/control-panel:\d+\.\d+\.\d+/);
  });

  it("refuses bad values, naming the key and what is allowed", async () => {
    const [effect, unknown, namespace, pool, oldPostgres] = await Promise.all([
      failStack("sandbox-only", { ...K8S, kubernetes: { sandboxTaint: { key: "pool", effect: "Never" } } }),
      failStack("sandbox-only", { ...K8S, kubernetes: { storageClas: "fast" } }),
      failStack("sandbox-only", { ...K8S, kubernetes: { namespace: "Iron_Prod" } }),
      failStack("panel-clis", { ...K8S, kubernetes: { panelReplicas: { min: 2, max: 60 }, databaseMaxConnections: 100 } }),
      failStack("panel-clis", { ...K8S, images: { postgres: "postgres:13" } }),
    ]);
    expect(effect).toContain('iron:kubernetes.sandboxTaint.effect: "Never" is not allowed; allowed: NoSchedule, PreferNoSchedule, NoExecute');
    expect(unknown).toContain("iron:kubernetes.storageClas: unknown key; known keys: namespace, context, kubeconfig, storageClass");
    expect(namespace).toContain('iron:kubernetes.namespace: "Iron_Prod" must be a DNS label');
    expect(pool).toContain("iron:kubernetes.panelReplicas.max: 60 replicas cannot each have a pool of 2");
    expect(oldPostgres).toContain('iron:images.postgres: "postgres:13" is PostgreSQL 13; the platform needs PostgreSQL 14 or newer');
  }, 120_000);
});

describe("Prometheus scraping on kubernetes (iron:kubernetes.metrics)", async () => {
  const [annotated, monitored, off] = await Promise.all([
    runStack("full-platform", { ...K8S, agentToken: TOKEN }),
    runStack("full-platform", { ...K8S, agentToken: TOKEN, kubernetes: { metrics: "serviceMonitor" } }),
    runStack("full-platform", { ...K8S, agentToken: TOKEN, kubernetes: { metrics: "off" } }),
  ]);
  const template = (run: typeof annotated, kind: string, name: string) =>
    (named(run, kind, name).spec as { template: { metadata: { annotations?: Record<string, string> }; spec: { containers: { env?: { name: string; value?: string }[] }[] } } }).template;
  const servicePorts = (run: typeof annotated, name: string) => (named(run, "Service", name).spec as { ports: { name: string; port: number }[] }).ports;

  it("by default: scrape annotations, the panel's own unauthenticated metrics port, the runtime's own port", () => {
    expect(template(annotated, "Deployment", "control-panel").metadata.annotations).toEqual({ "prometheus.io/scrape": "true", "prometheus.io/port": "9464", "prometheus.io/path": "/metrics" });
    expect(template(annotated, "StatefulSet", "agent-runtime").metadata.annotations).toMatchObject({ "prometheus.io/port": "8787" });
    expect(template(annotated, "Deployment", "control-panel").spec.containers[0]!.env).toEqual(expect.arrayContaining([{ name: "IRON_METRICS_PORT", value: "9464" }]));
    expect(servicePorts(annotated, "control-panel")).toEqual([{ name: "http", port: 3000, targetPort: 3000, protocol: "TCP" }, { name: "metrics", port: 9464, targetPort: 9464, protocol: "TCP" }]);
    expect(objectsOf(annotated, "ServiceMonitor")).toEqual([]);
  });

  it("the panel's metrics port is open to the cluster (Prometheus in another namespace), never to clients outside it", () => {
    const cluster: Cluster = { policies: policies(annotated), namespaces: { monitoring: {} } };
    const prometheus: Pod = { kind: "pod", namespace: "monitoring", labels: { "app.kubernetes.io/name": "prometheus" }, ip: "10.244.2.2" };
    const panel = podOf(annotated, "Deployment", "control-panel", "10.244.0.10");
    const runtime = podOf(annotated, "StatefulSet", "agent-runtime", "10.244.0.15");
    expect(allowed(cluster, prometheus, panel, 9464, "TCP")).toBe(true);
    expect(allowed(cluster, prometheus, runtime, 8787, "TCP")).toBe(true);
    expect(allowed(cluster, { kind: "external", ip: "203.0.113.10" }, panel, 9464, "TCP")).toBe(false);
  });

  it("serviceMonitor: a ServiceMonitor per service, on a port its Service names, valid against the operator's schema", () => {
    const monitors = objectsOf(monitored, "ServiceMonitor");
    expect(monitors.map(nameOf).sort()).toEqual(["agent-runtime-metrics", "control-panel-metrics"]);
    for (const m of monitors) {
      expect(validateObject("kubernetes:monitoring.coreos.com/v1:ServiceMonitor", m)).toEqual([]);
      const spec = m.spec as { selector: { matchLabels: Record<string, string> }; endpoints: { port: string; path: string }[] };
      const service = nameOf(m).replace(/-metrics$/, "");
      expect((named(monitored, "Service", service).metadata as { labels: Record<string, string> }).labels).toMatchObject(spec.selector.matchLabels);
      expect(servicePorts(monitored, service).map((p) => p.name)).toContain(spec.endpoints[0]!.port);
      expect(spec.endpoints[0]!.path).toBe("/metrics");
    }
    expect(template(monitored, "Deployment", "control-panel").metadata.annotations).toBeUndefined();
  });

  it("off: no annotations, no ServiceMonitor, no metrics port, the panel's /metrics stays admin-only", () => {
    expect(template(off, "Deployment", "control-panel").metadata.annotations).toBeUndefined();
    expect(objectsOf(off, "ServiceMonitor")).toEqual([]);
    expect(servicePorts(off, "control-panel").map((p) => p.name)).toEqual(["http"]);
    expect(template(off, "Deployment", "control-panel").spec.containers[0]!.env?.map((e) => e.name)).not.toContain("IRON_METRICS_PORT");
  });

  it("a bad value names the key and the allowed values", async () => {
    await expect(failStack("full-platform", { ...K8S, agentToken: TOKEN, kubernetes: { metrics: "pull" } })).resolves.toMatch(/kubernetes\.metrics.*annotations.*serviceMonitor.*off/s);
  });
});

describe("the stack files", () => {
  it("document every iron:kubernetes key", () => {
    for (const stack of STACK_NAMES) {
      const text = readFileSync(`${repoRoot}/stacks/Pulumi.${stack}.yaml`, "utf8");
      const block = text.slice(text.indexOf("# iron:kubernetes:"), text.indexOf("# iron:aws:"));
      for (const key of KUBERNETES_KEYS) expect(block, `${stack}: iron:kubernetes.${key}`).toContain(`${key}:`);
    }
  });
});
