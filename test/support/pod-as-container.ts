/**
 * Runs a container of a Kubernetes pod spec (as a program creates it) on the
 * local Docker engine with the same constraints a kubelet would apply under
 * Pod Security "restricted": its uid and gid, a read-only root filesystem,
 * every capability dropped, no privilege escalation, the runtime's default
 * seccomp profile, emptyDirs as world-writable directories, ConfigMaps as read-only mounts, and no
 * network. For proving a pod spec's container can do its job under them.
 */
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

interface SecurityContext {
  runAsUser?: number; runAsGroup?: number; runAsNonRoot?: boolean; readOnlyRootFilesystem?: boolean;
  allowPrivilegeEscalation?: boolean; capabilities?: { drop?: string[] }; seccompProfile?: { type: string };
}
interface Container {
  command?: string[]; args?: string[];
  env?: { name: string; value?: string; valueFrom?: { fieldRef?: { fieldPath: string } } }[];
  securityContext?: SecurityContext;
  volumeMounts?: { name: string; mountPath: string; subPath?: string; readOnly?: boolean }[];
}
export interface PodSpec {
  securityContext?: SecurityContext;
  containers: Container[];
  volumes?: { name: string; emptyDir?: unknown; configMap?: { name: string } }[];
}

/** Host directories behind the volumes of every container made so far. */
const volumeDirs: string[] = [];

/** Removes the host directories behind the volumes (after the containers are gone). */
export function removeVolumeDirs(): void {
  for (const dir of volumeDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

function volumeDir(prefix: string, mode: number): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  chmodSync(dir, mode);
  volumeDirs.push(dir);
  return dir;
}

/** `docker run` arguments (before the image) and the command after it, for the pod's first container. */
export function dockerRunArgs(pod: PodSpec, configMaps: Record<string, Record<string, string>>, nodeName: string): { flags: string[]; command: string[] } {
  const container = pod.containers[0]!;
  const sc = { ...pod.securityContext, ...container.securityContext };
  if (sc.runAsNonRoot !== true || !sc.runAsUser) throw new Error("the pod does not run as a named non-root uid");
  if (sc.seccompProfile?.type !== "RuntimeDefault") throw new Error("the pod does not use the runtime's default seccomp profile");
  const flags = ["--network", "none", "--user", `${sc.runAsUser}:${sc.runAsGroup ?? sc.runAsUser}`];
  if (sc.readOnlyRootFilesystem) flags.push("--read-only");
  for (const cap of sc.capabilities?.drop ?? []) flags.push("--cap-drop", cap);
  if (sc.allowPrivilegeEscalation === false) flags.push("--security-opt", "no-new-privileges:true");
  for (const mount of container.volumeMounts ?? []) {
    const volume = pod.volumes?.find((v) => v.name === mount.name);
    if (volume?.emptyDir) {
      // A directory of mode 0777, as the kubelet makes an emptyDir (Docker's tmpfs takes the image directory's mode).
      const dir = volumeDir("iron-emptydir-", 0o777);
      flags.push("-v", `${dir}:${mount.mountPath}`);
    }
    else if (volume?.configMap) {
      const data = configMaps[volume.configMap.name];
      if (!data) throw new Error(`no data for ConfigMap ${volume.configMap.name}`);
      const dir = volumeDir("iron-configmap-", 0o755); // readable by the pod's uid, as the kubelet's projection is
      for (const [file, content] of Object.entries(data)) writeFileSync(join(dir, file), content, { mode: 0o644 });
      flags.push("-v", mount.subPath ? `${join(dir, mount.subPath)}:${mount.mountPath}:ro` : `${dir}:${mount.mountPath}:ro`);
    } else throw new Error(`volume ${mount.name} is neither an emptyDir nor a ConfigMap`);
  }
  for (const env of container.env ?? []) {
    if (env.value !== undefined) flags.push("-e", `${env.name}=${env.value}`);
    else if (env.valueFrom?.fieldRef?.fieldPath === "spec.nodeName") flags.push("-e", `${env.name}=${nodeName}`);
  }
  const [entrypoint, ...rest] = container.command ?? [];
  if (entrypoint) flags.push("--entrypoint", entrypoint);
  return { flags, command: [...rest, ...(container.args ?? [])] };
}
