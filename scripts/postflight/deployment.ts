/** Which deployment postflight looks at, for hints that name the real container or log group. */
import type { Target } from "../../infra/config.js";

export interface Deployment {
  stack: string;
  target: Target;
  mode: string;
}

/** Where an operator reads a service's logs, named as the target names it (`iron-<stack>` prefix; pilot: one service). */
export function logsOf(d: Deployment, service: string): string {
  const name = d.mode === "pilot" ? "pilot" : service;
  switch (d.target) {
    case "docker":
      return `docker logs iron-${d.stack}-${name}`;
    case "aws":
      return `aws logs tail /iron/iron-${d.stack}/${name}, and the ECS service's events`;
    default:
      return `kubectl logs for the ${name} pods`;
  }
}
