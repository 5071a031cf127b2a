/** Requests and limits per workload: requests are what the scheduler reserves, limits what a pod may use. */
export const RESOURCES = {
  "control-panel": { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "512Mi" } },
  "agent-runtime": { requests: { cpu: "100m", memory: "192Mi" }, limits: { cpu: "1", memory: "512Mi" } },
  migrate: { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
  site: { requests: { cpu: "25m", memory: "32Mi" }, limits: { cpu: "250m", memory: "128Mi" } },
  postgres: { requests: { cpu: "250m", memory: "512Mi" }, limits: { cpu: "2", memory: "1Gi" } },
  redis: { requests: { cpu: "50m", memory: "64Mi" }, limits: { cpu: "500m", memory: "256Mi" } },
  sandbox: { requests: { cpu: "250m", memory: "256Mi" }, limits: { cpu: "2", memory: "2Gi" } },
  labeller: { requests: { cpu: "10m", memory: "32Mi" }, limits: { cpu: "100m", memory: "96Mi" } },
} as const;

export type WorkloadKind = keyof typeof RESOURCES;
