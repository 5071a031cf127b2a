/** What the probes found on this machine and at the services the config points at. Checks read only these. */
export interface ToolFact {
  found: boolean;
  version?: string;
  /** Where it was found, or why it was not usable. */
  detail?: string;
}

export interface LandlockFact {
  /** ABI version (≥ 1) when enabled; undefined when unknown or unavailable. */
  abi?: number;
  status: "enabled" | "disabled" | "unsupported" | "unknown";
  /** How it was determined (iron-sandbox --probe, landlock_create_ruleset via python3, /sys/kernel/security/lsm). */
  source: string;
}

export interface HostFacts {
  platform: string;
  node: string;
  pulumi: ToolFact;
  docker: ToolFact;
  kubectl: ToolFact & { context?: string };
  aws: { credentials: boolean; source?: string };
  kernel?: string;
  landlock: LandlockFact;
  libseccomp?: string;
  glibc?: string;
}

export interface ServiceFact {
  /** The URL with any password removed. */
  url: string;
  version?: string;
  error?: string;
}

export interface ServiceFacts {
  postgres?: ServiceFact;
  redis?: ServiceFact;
  controlPanel?: ServiceFact & { healthy?: boolean };
}

/** Package id → artifact present on disk. */
export type ArtifactFacts = Partial<Record<string, boolean>>;

/** What the cluster of a kubernetes stack reported through kubectl (each part absent when it could not be asked). */
export interface ClusterFacts {
  /** The context asked (iron:kubernetes.context, else the kubeconfig's current one). */
  context?: string;
  /** Why nothing could be asked (no kubectl, the API server did not answer, no credentials). */
  unreachable?: string;
  serverVersion?: string;
  nodes?: { name: string; kernel: string; labels: Record<string, string> }[];
  nodesError?: string;
  storageClasses?: { name: string; isDefault: boolean }[];
  storageClassesError?: string;
}
