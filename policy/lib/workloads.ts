/** The container lists of the three targets' workload definitions, read the same way by several rules. */
import { asArray, asRecord, parseJson, type Props } from "./resources";

/** Kubernetes kinds that carry a pod template (apps/v1, batch/v1) or are a pod (core/v1). */
const POD_KINDS = /^kubernetes:(apps\/v1:(Deployment|StatefulSet|DaemonSet|ReplicaSet)|batch\/v1:(Job|CronJob)|core\/v1:Pod)$/;

export function isPodWorkload(type: string): boolean {
  return POD_KINDS.test(type);
}

/** The pod spec of a Kubernetes workload (CronJob: spec.jobTemplate.spec.template.spec). */
export function podSpec(type: string, props: Props): Props {
  const spec = asRecord(props.spec);
  if (type.endsWith(":Pod")) return spec;
  if (type.endsWith(":CronJob")) return asRecord(asRecord(asRecord(asRecord(spec.jobTemplate).spec).template).spec);
  return asRecord(asRecord(spec.template).spec);
}

/** Every container of a pod spec, init containers included. */
export function podContainers(spec: Props): Props[] {
  return [...asArray(spec.initContainers), ...asArray(spec.containers)].map(asRecord);
}

/** An ECS task definition's containers (the provider takes them as a JSON string). */
export function taskContainers(props: Props): Props[] {
  return asArray(parseJson(props.containerDefinitions)).map(asRecord);
}

/** A docker container's environment (`KEY=value` strings) as pairs. */
export function dockerEnv(props: Props): [string, string][] {
  return asArray(props.envs).filter((e): e is string => typeof e === "string").map((e) => {
    const at = e.indexOf("=");
    return at < 0 ? [e, ""] : [e.slice(0, at), e.slice(at + 1)];
  });
}
