/**
 * Pod Security "restricted" for every pod the target creates: non-root,
 * seccomp RuntimeDefault, no privilege escalation, every capability dropped,
 * a read-only root filesystem with emptyDirs where a process must write.
 */
import type * as k8s from "@pulumi/kubernetes";

type PodSecurityContext = k8s.types.input.core.v1.PodSecurityContext;
type SecurityContext = k8s.types.input.core.v1.SecurityContext;
type Volume = k8s.types.input.core.v1.Volume;
type VolumeMount = k8s.types.input.core.v1.VolumeMount;

/** uid of `node` in our images (services/*\/Dockerfile: USER 1000:1000). */
export const APP_UID = 1000;
/** uid of `postgres` and `redis` in the official images. */
export const DATA_STORE_UID = 999;
/** uid of `nginx` in the official image. */
export const NGINX_UID = 101;

export function podSecurity(uid: number): PodSecurityContext {
  return { runAsNonRoot: true, runAsUser: uid, runAsGroup: uid, fsGroup: uid, seccompProfile: { type: "RuntimeDefault" } };
}

export function containerSecurity(): SecurityContext {
  return {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
  };
}

/** emptyDir volumes and their mounts for the paths a process writes besides its data. */
export function scratch(paths: Record<string, string>): { volumes: Volume[]; mounts: VolumeMount[] } {
  const entries = Object.entries(paths);
  return {
    volumes: entries.map(([name]) => ({ name, emptyDir: { sizeLimit: "256Mi" } })),
    mounts: entries.map(([name, mountPath]) => ({ name, mountPath })),
  };
}
