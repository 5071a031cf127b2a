import { createHash } from "node:crypto";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { staticSiteImage } from "../static-site-image.js";
import type { StaticSite, StaticSiteArgs } from "../target.js";
import { labelsFor, metadataFor, podsOf, selectorFor, type KubeDeployment } from "./context.js";
import { kubeImage } from "./image.js";
import { hostFor, publicUrl, publish } from "./ingress.js";
import { allowFlows, ingressFrom } from "./network-policies.js";
import { httpProbes } from "./probes.js";
import { RESOURCES } from "./resources.js";
import { containerSecurity, NGINX_UID, podSecurity, scratch } from "./security.js";

export interface KubeStaticSiteArgs extends StaticSiteArgs {
  deployment: KubeDeployment;
  nginxImage: string;
}

/** The docker target's static host image (nginx, the site and /downloads with SHA256SUMS). */
const PORT = 8080;

/**
 * The static site: the nginx image the docker target builds, two replicas
 * behind a ClusterIP Service, /settings.json from a ConfigMap (a change rolls
 * the pods), an Ingress under iron:domain.
 */
export class KubeStaticSite extends pulumi.ComponentResource implements StaticSite {
  readonly resource: pulumi.Resource = this;
  readonly url: pulumi.Output<string>;
  readonly downloadsUrl: pulumi.Output<string>;

  constructor(name: string, args: KubeStaticSiteArgs, opts: pulumi.ComponentResourceOptions) {
    super("iron:kubernetes:StaticSite", name, {}, opts);
    const { deployment } = args;
    const pkg = args.siteDir ? "marketing-site" : "cli";
    const selector = selectorFor(name);
    const image = kubeImage(`${name}-image`, staticSiteImage(args.nginxImage, args.siteDir, args.downloadsDir), deployment.root, deployment.settings.registry, this);
    const settings = pulumi.output(args.settings).apply((s) => JSON.stringify(s, null, 2));
    const configMap = new k8s.core.v1.ConfigMap(`${name}-settings`, {
      metadata: metadataFor(deployment, pkg, `${name}-settings`, "settings"),
      data: { "settings.json": settings },
    }, { parent: this, dependsOn: [deployment.namespaceResource] });
    // nginx writes its pid, caches and temp files (the official image under /var/cache/nginx, Debian's under
    // /var/lib/nginx); the root filesystem stays read-only.
    const { volumes, mounts } = scratch({ run: "/run", cache: "/var/cache/nginx", state: "/var/lib/nginx", tmp: "/tmp" });
    const metadata = metadataFor(deployment, pkg, name, "server");
    const workload = new k8s.apps.v1.Deployment(name, {
      metadata,
      spec: {
        replicas: 2,
        selector: { matchLabels: selector },
        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        template: {
          metadata: {
            labels: labelsFor(pkg, name, "server"),
            annotations: { "iron.dev/settings-sha256": settings.apply((s) => createHash("sha256").update(s).digest("hex")) },
          },
          spec: {
            securityContext: podSecurity(NGINX_UID),
            automountServiceAccountToken: false,
            enableServiceLinks: false,
            topologySpreadConstraints: [{ maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: selector } }],
            containers: [{
              name: "nginx",
              image: image.ref,
              imagePullPolicy: "IfNotPresent",
              ports: [{ name: "http", containerPort: PORT, protocol: "TCP" }],
              resources: RESOURCES.site,
              securityContext: containerSecurity(),
              ...httpProbes(PORT, "/healthz"),
              volumeMounts: [...mounts, { name: "settings", mountPath: "/usr/share/nginx/html/settings.json", subPath: "settings.json", readOnly: true }],
            }],
            volumes: [...volumes, { name: "settings", configMap: { name: `${name}-settings` } }],
          },
        },
      },
    }, { parent: this, dependsOn: [deployment.namespaceResource, configMap, ...image.resources] });
    new k8s.policy.v1.PodDisruptionBudget(name, { metadata, spec: { maxUnavailable: 1, selector: { matchLabels: selector } } }, { parent: this, dependsOn: [workload] });
    new k8s.core.v1.Service(name, {
      metadata,
      spec: { type: "ClusterIP", selector, ports: [{ name: "http", port: PORT, targetPort: PORT, protocol: "TCP" }] },
    }, { parent: this, dependsOn: [deployment.namespaceResource] });
    allowFlows(name, deployment, { pkg, selector: podsOf(name), ingress: [ingressFrom("anyone", PORT)], egress: [] }, this);

    const host = hostFor(name, deployment.domain);
    if (host) publish(this, deployment, { name, pkg, host, serviceName: name, port: PORT });
    this.url = pulumi.output(host ? publicUrl(deployment, host) : `http://${name}.${deployment.namespace}.svc:${PORT}`);
    this.downloadsUrl = pulumi.interpolate`${this.url}/downloads/`;
    this.registerOutputs({ url: this.url, downloadsUrl: this.downloadsUrl });
  }
}
