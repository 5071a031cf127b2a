/**
 * The kubernetes target: every building block as Kubernetes objects on any
 * cluster, through an explicit provider, in one namespace per stack, under
 * Pod Security "restricted" and a default-deny NetworkPolicy.
 */
import * as pulumi from "@pulumi/pulumi";
import { DEFAULT_IMAGES } from "../../config.js";
import type { Target, TargetContext } from "../target.js";
import { KubeCache } from "./cache.js";
import { KubeCluster } from "./provider.js";
import type { KubeDeployment } from "./context.js";
import { KubeDatabase } from "./database.js";
import { hostFor } from "./ingress.js";
import { namespaceDefaults } from "./network-policies.js";
import { KubeSandboxNodes } from "./nodes.js";
import { panelPoolSize } from "./pool.js";
import { metricsPortOf, panelMetricsEnv } from "./metrics.js";
import { KubeService } from "./service.js";
import { KubeStaticSite } from "./site.js";

export function createKubernetesTarget(ctx: TargetContext): Target {
  const { config, root, parent } = ctx;
  const settings = config.kubernetes;
  const cluster = new KubeCluster("cluster", { stack: config.stack, settings }, { parent });
  const deployment: KubeDeployment = {
    stack: config.stack,
    namespace: cluster.namespace,
    settings,
    root,
    provider: cluster.provider,
    namespaceResource: cluster.namespaceResource,
    domain: config.domain,
  };
  const opts = { parent, providers: [cluster.provider] };
  if (!config.domain && (settings.tls || settings.ingressClass)) {
    pulumi.log.warn("iron:kubernetes.tls and ingressClass apply only with iron:domain (nothing is published without it); set iron:domain or remove them", parent);
  }
  namespaceDefaults(deployment, cluster);
  const images = config.images;
  return {
    name: "kubernetes",
    database: (args) => new KubeDatabase(`${args.name}-db`, { ...args, image: images.postgres ?? DEFAULT_IMAGES.postgres, deployment }, opts),
    cache: (args) => new KubeCache(`${args.name}-cache`, { ...args, image: images.redis ?? DEFAULT_IMAGES.redis, deployment }, opts),
    service: (args) => {
      const panel = args.package === "control-panel";
      return new KubeService(args.name, {
        ...args,
        deployment,
        host: args.internetFacing === false ? undefined : hostFor(args.name, config.domain),
        ...(panel ? { autoscale: settings.panelReplicas, extraEnv: { IRON_DB_POOL_MAX: String(panelPoolSize(settings)), ...panelMetricsEnv(settings) } } : {}),
        ...(args.package === "agent-runtime" ? { internetEgressCidrs: settings.llmEgressCidrs } : {}),
        metricsPort: metricsPortOf(args.package, args.port, settings),
      }, opts);
    },
    staticSite: (args) => new KubeStaticSite(args.name, { ...args, deployment, nginxImage: images.nginx ?? DEFAULT_IMAGES.nginx }, opts),
    nodes: (args) => new KubeSandboxNodes(args.name, { ...args, deployment }, opts),
  };
}
