import type * as k8s from "@pulumi/kubernetes";

type Probe = k8s.types.input.core.v1.Probe;

/**
 * Startup and readiness on the service's health path (the panel's /readyz
 * checks the database, so a pod whose database is gone leaves the Service);
 * liveness only asks whether the process answers on its port, so a database
 * outage does not restart every pod.
 */
export function httpProbes(port: number, healthPath: string): { startupProbe: Probe; readinessProbe: Probe; livenessProbe: Probe } {
  const httpGet = { path: healthPath, port };
  return {
    startupProbe: { httpGet, periodSeconds: 2, failureThreshold: 90, timeoutSeconds: 3 },
    readinessProbe: { httpGet, periodSeconds: 5, failureThreshold: 3, timeoutSeconds: 3 },
    livenessProbe: { tcpSocket: { port }, periodSeconds: 10, failureThreshold: 6, timeoutSeconds: 3 },
  };
}

/** The same three from a command run in the container (data stores). */
export function execProbes(command: string[]): { startupProbe: Probe; readinessProbe: Probe; livenessProbe: Probe } {
  const exec = { command };
  return {
    startupProbe: { exec, periodSeconds: 2, failureThreshold: 90, timeoutSeconds: 5 },
    readinessProbe: { exec, periodSeconds: 5, failureThreshold: 3, timeoutSeconds: 5 },
    livenessProbe: { exec, periodSeconds: 15, failureThreshold: 6, timeoutSeconds: 5 },
  };
}
