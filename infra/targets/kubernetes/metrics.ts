/**
 * Prometheus scraping of the Control Panel and the Agent Runtime (`iron:kubernetes.metrics`). The panel serves
 * /metrics without credentials only on a port of its own (IRON_METRICS_PORT), admitted from the cluster by its
 * NetworkPolicy; the runtime serves it on its own port, already reachable only inside the cluster.
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { PackageId } from "../../catalog.js";
import type { KubernetesSettings } from "../../config-kubernetes.js";
import type { KubeDeployment } from "./context.js";
import { metadataFor, selectorFor } from "./context.js";

export const PANEL_METRICS_PORT = 9464;
export const METRICS_PORT_NAME = "metrics";

/** The port a package's /metrics is scraped on, or undefined when it has none (or metrics are off). */
export function metricsPortOf(pkg: PackageId, servicePort: number, settings: KubernetesSettings): number | undefined {
  if (settings.metrics === "off") return undefined;
  if (pkg === "control-panel") return PANEL_METRICS_PORT;
  if (pkg === "agent-runtime") return servicePort;
  return undefined;
}

/** The panel's environment for its separate metrics listener. */
export function panelMetricsEnv(settings: KubernetesSettings): Record<string, string> {
  return settings.metrics === "off" ? {} : { IRON_METRICS_PORT: String(PANEL_METRICS_PORT), IRON_METRICS_HOST: "0.0.0.0" };
}

/** Pod annotations for annotation-based discovery (empty unless that mode is chosen). */
export function scrapeAnnotations(settings: KubernetesSettings, port: number | undefined): Record<string, string> {
  if (port === undefined || settings.metrics !== "annotations") return {};
  return { "prometheus.io/scrape": "true", "prometheus.io/port": String(port), "prometheus.io/path": "/metrics" };
}

/** A ServiceMonitor for the service `name` (its Service names the metrics port `portName`). */
export function serviceMonitor(parent: pulumi.Resource, deployment: KubeDeployment, pkg: PackageId, name: string, portName: string): void {
  if (deployment.settings.metrics !== "serviceMonitor") return;
  new k8s.apiextensions.CustomResource(`${name}-metrics`, {
    apiVersion: "monitoring.coreos.com/v1",
    kind: "ServiceMonitor",
    metadata: metadataFor(deployment, pkg, `${name}-metrics`, "metrics"),
    spec: {
      selector: { matchLabels: selectorFor(name) },
      endpoints: [{ port: portName, path: "/metrics", interval: "30s" }],
    },
  }, { parent, dependsOn: [deployment.namespaceResource] });
}
