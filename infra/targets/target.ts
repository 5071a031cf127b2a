/**
 * The building blocks every target implements. Platform (infra/platform.ts)
 * asks a target for these and wires them together; it never touches a cloud
 * SDK. Each block is a Pulumi ComponentResource of type `iron:<target>:<Block>`.
 */
import type * as pulumi from "@pulumi/pulumi";
import type { PackageId, Requirement } from "../catalog.js";
import type { ResolvedConfig } from "../config.js";

export interface DatabaseArgs {
  /** Database and role name. */
  name: string;
  /** Lowest PostgreSQL major the Control Panel supports (catalog: 14). */
  minMajor: number;
}

export interface Database {
  resource: pulumi.Resource;
  /** postgres:// URL reachable from the target's services (secret: it holds the password). */
  url: pulumi.Output<string>;
  /** Host and port as services see them. */
  host: pulumi.Output<string>;
  port: pulumi.Output<number>;
}

export interface CacheArgs {
  name: string;
  /** Lowest Redis major supported (catalog: 6). */
  minMajor: number;
}

export interface Cache {
  resource: pulumi.Resource;
  /** redis:// (or rediss://) URL reachable from the target's services (secret). */
  url: pulumi.Output<string>;
}

/** An image: built from a Dockerfile in this repo, or an operator-supplied reference (`iron:images`). */
export type ImageSource =
  | { kind: "build"; repository: string; dockerfile: string; context: string; args?: Record<string, pulumi.Input<string>> }
  | { kind: "ref"; ref: string };

export interface ServiceArgs {
  name: string;
  package: PackageId;
  image: ImageSource;
  /** Plain environment: never put a secret here. */
  env: Record<string, pulumi.Input<string>>;
  /** Secret environment: injected as secrets (docker: files in /run/secrets named by NAME_FILE; aws: Secrets Manager; kubernetes: a Secret). */
  secretEnv: Record<string, pulumi.Input<string>>;
  command?: string[];
  /** The port the service listens on inside its container. */
  port: number;
  /** More ports it listens on, published like `port` when public (the pilot serves panel, runtime and site from one process). */
  extraPorts?: number[];
  /** HTTP path that answers 2xx once the service is ready. */
  healthPath: string;
  /** A one-shot step (same image) that must finish successfully before the service starts, e.g. migrations. */
  predecessor?: { name: string; command: string[] };
  /** Published to the outside (true) or only reachable by other services (false). */
  public: boolean;
  /** Cloud targets: reachable from the internet (default: `public`); false keeps a public service inside the private network. */
  internetFacing?: boolean;
  dependsOn: pulumi.Resource[];
  /** A directory whose contents must survive restarts and re-deploys (a volume). */
  dataPath?: string;
}

export interface Service {
  resource: pulumi.Resource;
  /** URL for people and external clients. */
  url: pulumi.Output<string>;
  /** URL other services in the deployment use. */
  internalUrl: pulumi.Output<string>;
}

export interface StaticSiteArgs {
  name: string;
  /** Directory of the built site (repo-relative), or undefined for a downloads-only host. */
  siteDir?: string;
  /** Directory of artifacts served under /downloads (repo-relative), if any. */
  downloadsDir?: string;
  /** Written to /settings.json: runtime settings the site reads (panel sign-in URL, downloads URL). */
  settings: Record<string, pulumi.Input<string>>;
}

export interface StaticSite {
  resource: pulumi.Resource;
  url: pulumi.Output<string>;
  downloadsUrl: pulumi.Output<string>;
}

export interface NodesArgs {
  name: string;
  count: number;
  instanceType: string;
  os: string;
  /** What each node must have (catalog: kernel ≥ 5.13, Landlock, libseccomp ≥ 2.5). */
  requirements: Requirement[];
  /** The node bootstrap script (repo-relative), run unchanged on each node. */
  bootstrap: string;
  /** Directory (repo-relative) holding the sandbox tarball iron-sandbox-<version>-linux-<arch>.tar.gz and its .sha256, for targets that install it on hosts. */
  artifactDir?: string;
  image: ImageSource;
}

export interface Nodes {
  resource: pulumi.Resource;
  /** One line per node for people: where it runs and how to reach it. */
  summary: pulumi.Output<string[]>;
}

export interface Target {
  readonly name: string;
  database(args: DatabaseArgs): Database;
  cache(args: CacheArgs): Cache;
  service(args: ServiceArgs): Service;
  staticSite(args: StaticSiteArgs): StaticSite;
  nodes(args: NodesArgs): Nodes;
}

export interface TargetContext {
  config: ResolvedConfig;
  /** Absolute path of the repository root (build contexts are relative to it). */
  root: string;
  parent: pulumi.Resource;
}
