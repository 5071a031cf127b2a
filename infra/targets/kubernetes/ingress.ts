import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { metadataFor, type KubeDeployment } from "./context.js";

export interface PublishArgs {
  name: string;
  pkg: string;
  host: string;
  serviceName: string;
  port: number;
}

/**
 * An Ingress for `host` (iron:domain is set): class from
 * iron:kubernetes.ingressClass, TLS from an existing Secret or a cert-manager
 * ClusterIssuer (iron:kubernetes.tls).
 */
export function publish(parent: pulumi.Resource, deployment: KubeDeployment, args: PublishArgs): k8s.networking.v1.Ingress {
  const { ingressClass, tls } = deployment.settings;
  const metadata = metadataFor(deployment, args.pkg, args.name, "ingress");
  return new k8s.networking.v1.Ingress(args.name, {
    metadata: { ...metadata, ...(tls?.clusterIssuer ? { annotations: { "cert-manager.io/cluster-issuer": tls.clusterIssuer } } : {}) },
    spec: {
      ...(ingressClass ? { ingressClassName: ingressClass } : {}),
      ...(tls ? { tls: [{ hosts: [args.host], secretName: tls.secretName ?? `${args.name}-tls` }] } : {}),
      rules: [{
        host: args.host,
        http: { paths: [{ path: "/", pathType: "Prefix", backend: { service: { name: args.serviceName, port: { number: args.port } } } }] },
      }],
    },
  }, { parent, dependsOn: [deployment.namespaceResource] });
}

/** https:// when the Ingress has TLS, else http://. */
export function publicUrl(deployment: KubeDeployment, host: string): string {
  return `${deployment.settings.tls ? "https" : "http"}://${host}`;
}

/** The host each published block gets under iron:domain: the panel at the domain itself, the site at www., downloads at downloads. */
export function hostFor(name: string, domain: string | undefined): string | undefined {
  if (!domain) return undefined;
  if (name === "control-panel") return domain;
  if (name === "marketing-site") return `www.${domain}`;
  if (name === "cli-downloads") return `downloads.${domain}`;
  return undefined;
}
