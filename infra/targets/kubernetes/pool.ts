import * as pulumi from "@pulumi/pulumi";
import type { KubernetesSettings } from "../../config-kubernetes.js";

/** Connections kept free of the panel's pools: the migration Job, superuser and operator sessions. */
export const RESERVED_CONNECTIONS = 10;
const MIN_POOL = 2;
const MAX_POOL = 20;

/**
 * The Control Panel's database pool per replica (IRON_DB_POOL_MAX), so that
 * max replicas × pool + the reserve stays within the database's connection
 * limit however far the autoscaler scales.
 */
export function panelPoolSize(settings: KubernetesSettings): number {
  const { max } = settings.panelReplicas;
  const pool = Math.min(MAX_POOL, Math.floor((settings.databaseMaxConnections - RESERVED_CONNECTIONS) / max));
  if (pool < MIN_POOL) {
    throw new pulumi.RunError(
      `iron:kubernetes.panelReplicas.max: ${max} replicas cannot each have a pool of ${MIN_POOL} within iron:kubernetes.databaseMaxConnections ${settings.databaseMaxConnections} ` +
        `(${RESERVED_CONNECTIONS} kept in reserve); lower panelReplicas.max to ${Math.floor((settings.databaseMaxConnections - RESERVED_CONNECTIONS) / MIN_POOL)} or raise databaseMaxConnections`,
    );
  }
  return pool;
}
