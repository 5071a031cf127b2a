/**
 * `iron:kubernetes`: settings only the kubernetes target reads; every one has a
 * default or is optional. config.ts validates it with the rest of `iron:*`.
 */
import { z } from "zod";

const dnsLabel = z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, "must be a DNS label such as iron-prod (lower case, digits and '-', at most 63 characters)");
const dnsSubdomain = z
  .string()
  .regex(/^(?=.{1,253}$)[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/, "must be a Kubernetes object name such as fast-ssd (lower case, digits, '-' and '.')");
const quantity = z.string().regex(/^\d+(Mi|Gi|Ti)$/, "must be a storage size such as 512Mi, 10Gi or 1Ti");
const registry = z.string().regex(/^[a-z0-9][a-z0-9._-]*(:\d+)?(\/[a-z0-9._-]+)*$/i, "must be a registry and optional path such as registry.example.com/iron (no scheme, no tag)");
/** A value that may be a Pulumi secret: plain in the engine, `{ secure: … }` in a stack file. */
const secretUrl = z.union([
  z.string().regex(/^[a-z][a-z0-9+.-]*:\/\/./i, "must be a URL such as postgres://iron:…@db.example.com:5432/iron or rediss://:…@cache.example.com:6380, set as a secret"),
  z.strictObject({ secure: z.string() }),
], {
  error: "must be a URL set as a secret (pulumi config set --secret iron:kubernetes.<key> <url> --path)",
});

export const TAINT_EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"] as const;

const replicas = z
  .strictObject({
    min: z.int().min(1).max(100).default(2),
    max: z.int().min(1).max(100).default(4),
  })
  .prefault({})
  .refine((r) => r.min <= r.max, { message: "min must not exceed max" });

const tls = z
  .strictObject({
    /** An existing kubernetes.io/tls Secret in the namespace. */
    secretName: dnsSubdomain.optional(),
    /** A cert-manager ClusterIssuer that issues the certificate into `iron-tls`. */
    clusterIssuer: dnsSubdomain.optional(),
  })
  .refine((t) => (t.secretName === undefined) !== (t.clusterIssuer === undefined), { message: "needs exactly one of secretName or clusterIssuer" });

const taint = z.strictObject({
  key: z.string().regex(/^([a-z0-9.-]+\/)?[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/, "must be a taint key such as iron.dev/sandbox"),
  value: z.string().regex(/^([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?$/, "must be a label value such as true").default("true"),
  effect: z.enum(TAINT_EFFECTS).default("NoSchedule"),
});

export const kubernetesSettings = z
  .strictObject({
    /** Namespace for everything the stack creates (default iron-<stack>). */
    namespace: dnsLabel.optional(),
    /** kubeconfig context (default: the kubeconfig's current context). */
    context: z.string().min(1).optional(),
    /** Path of a kubeconfig file (default: $KUBECONFIG or ~/.kube/config). */
    kubeconfig: z.string().min(1).optional(),
    /** StorageClass of every volume claim (default: the cluster's default class). */
    storageClass: dnsSubdomain.optional(),
    databaseStorage: quantity.default("10Gi"),
    cacheStorage: quantity.default("1Gi"),
    runtimeStorage: quantity.default("1Gi"),
    /** The in-cluster PostgreSQL's max_connections, or what an external database allows this platform. */
    databaseMaxConnections: z.int().min(20).max(10000).default(100),
    /** A managed database instead of the in-cluster PostgreSQL (secret). */
    databaseUrl: secretUrl.optional(),
    /** A managed Redis instead of the in-cluster one (secret). */
    redisUrl: secretUrl.optional(),
    /** Where built images are pushed (the cluster pulls from it); unset: built locally, not pushed. */
    registry: registry.optional(),
    /** IngressClass for the panel and site when iron:domain is set (default: the cluster's default class). */
    ingressClass: dnsSubdomain.optional(),
    tls: tls.optional(),
    /** Control Panel replicas (HorizontalPodAutoscaler bounds). */
    panelReplicas: replicas,
    /** Require Node Feature Discovery's kernel labels (kernel >= 5.13) on sandbox nodes as well as ours. */
    nodeFeatureDiscovery: z.boolean().default(false),
    /** A dedicated sandbox pool: sandbox pods tolerate this taint (the operator taints those nodes). */
    sandboxTaint: taint.optional(),
    /**
     * How Prometheus finds the panel's and the runtime's /metrics: `annotations` (prometheus.io/* on the pods),
     * `serviceMonitor` (a ServiceMonitor each; needs the Prometheus Operator's CRD in the cluster), or `off`.
     */
    metrics: z.enum(["annotations", "serviceMonitor", "off"]).default("annotations"),
    /** Where the Agent Runtime may connect on port 443 (LLM providers); private ranges are always excluded. */
    llmEgressCidrs: z.array(z.cidrv4({ error: "must be an IPv4 CIDR such as 0.0.0.0/0" })).min(1).default(["0.0.0.0/0"]),
  })
  .prefault({});

export const KUBERNETES_KEYS = Object.keys(kubernetesSettings.unwrap().shape);

/** Known keys below `iron:kubernetes` (for "unknown key" messages). */
export function kubernetesKeysAt(path: string[]): string[] {
  if (path[1] === "panelReplicas") return ["min", "max"];
  if (path[1] === "tls") return ["secretName", "clusterIssuer"];
  if (path[1] === "sandboxTaint") return ["key", "value", "effect"];
  return KUBERNETES_KEYS;
}

export type KubernetesSettings = z.output<typeof kubernetesSettings>;
