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
