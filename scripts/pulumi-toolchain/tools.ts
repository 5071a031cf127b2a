/**
 * The Pulumi toolchain the kit needs, as one table: each entry is a binary built from the Go module proxy at the
 * version the repo's npm packages pin. Adding a plugin is one more entry (a `go-command` when its module builds its
 * own `cmd` package, a `bridged` one when it is a Terraform provider wrapped by pulumi-terraform-bridge).
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

/** A `main` package in a published module, built with a go.mod of our own that requires the module. */
export interface GoCommandTool {
  kind: "go-command";
  /** The binary's file name, as Pulumi looks it up on PATH. */
  binary: string;
  /** The version this binary reports, for cache keys and messages (e.g. 3.248.0). */
  version: string;
  /** Module path and exact version to require (a tag or a pseudo-version). */
  module: string;
  moduleVersion: string;
  /** The import path of the `main` package to build. */
  package: string;
  /** Further modules to pin in the same build list (e.g. the SDK at the release's own version). */
  alsoRequire?: Record<string, string>;
  /** Replace lines the release itself uses (a dependency's replace lines are ignored by Go, so they are restated here). */
  replace?: Record<string, string>;
  ldflags?: string;
  /** Build tags the release itself builds with. */
  tags?: string[];
}

/**
 * A Pulumi provider bridged from a Terraform provider. Building one needs the Pulumi provider module (its
 * ProviderInfo, schema and bridge metadata) and the upstream Terraform provider module, wrapped by a main of ours.
 */
export interface BridgedProviderTool {
  kind: "bridged";
  binary: string;
  version: string;
  /** The Pulumi provider module that holds ProviderInfo, schema.json and bridge-metadata.json. */
  providerModule: string;
  providerModuleVersion: string;
  /** The Terraform provider the bridge wraps (its go.mod replaces it with a directory the module zip lacks). */
  upstreamModule: string;
}

export type Tool = GoCommandTool | BridgedProviderTool;

/** A release's commit, as the proxy's .info of a tagged module of the same repository reports it. */
export interface ReleaseCommit {
  time: string;
  hash: string;
}

/** The Go pseudo-version of a commit in an untagged v3 module: v3.0.0-<UTC yyyymmddhhmmss>-<12 hex>. */
export function pseudoVersion(major: number, commit: ReleaseCommit): string {
  const time = new Date(commit.time);
  if (Number.isNaN(time.getTime())) throw new Error(`not a commit time: ${commit.time}`);
  const stamp = time.toISOString().replace(/[-:T]/g, "").slice(0, 14);
  if (!/^[0-9a-f]{12,40}$/.test(commit.hash)) throw new Error(`not a commit hash: ${commit.hash}`);
  return `v${major}.0.0-${stamp}-${commit.hash.slice(0, 12)}`;
}

function npmVersion(root: string, name: string): string {
  const pkg = JSON.parse(readFileSync(join(root, "node_modules", name, "package.json"), "utf8")) as { version?: unknown };
  if (typeof pkg.version !== "string" || !/^\d+\.\d+\.\d+$/.test(pkg.version)) {
    throw new Error(`node_modules/${name}/package.json has no plain x.y.z version; run npm ci first`);
  }
  return pkg.version;
}

const major = (version: string) => version.split(".")[0];

/** The SDK module of the Pulumi release; its tag's commit is the commit the untagged Node.js host is built from. */
export const PULUMI_SDK_MODULE = "github.com/pulumi/pulumi/sdk/v3";

/**
 * The commit each `@pulumi/pulumi` release's SDK tag points at, for when the proxy's record of the SDK module leaves it
 * out: its `go mod download -json` answer carried it (Origin.Hash) until late 2026 and, on a machine that never
 * fetched the module, no longer does; the .info still gives the commit's time. A new `@pulumi/pulumi` needs its line.
 */
export const SDK_RELEASE_COMMITS: Readonly<Record<string, string>> = {
  "v3.248.0": "a88168d865b7", // tag sdk/v3.248.0, 2026-06-24 12:07:34 UTC (read from the proxy's Origin, session 4)
};

/**
 * The toolchain for this checkout. `sdkCommit` is the commit of the `@pulumi/pulumi` release (from the proxy's
 * .info of the SDK module); without it the Node.js host's version is left for the builder to resolve.
 */
export function toolchainTools(root: string, sdkCommit?: ReleaseCommit): Tool[] {
  const pulumi = npmVersion(root, "@pulumi/pulumi");
  const docker = npmVersion(root, "@pulumi/docker");
  const random = npmVersion(root, "@pulumi/random");
  const versionFlag = `-X ${PULUMI_SDK_MODULE}/go/common/version.Version=v${pulumi}`;
  // As the release's .goreleaser.yml builds them: pure-Go os/user, gRPC without x/net/trace.
  const releaseTags = ["osusergo", "grpcnotrace"];
  return [
    {
      kind: "go-command",
      binary: "pulumi",
      version: pulumi,
      module: "github.com/pulumi/pulumi/pkg/v3",
      moduleVersion: `v${pulumi}`,
      package: "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi",
      alsoRequire: { [PULUMI_SDK_MODULE]: `v${pulumi}` },
      // pkg/go.mod of the release replaces the clipboard library with this fork.
      replace: { "github.com/atotto/clipboard": "github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e" },
      ldflags: versionFlag,
      tags: releaseTags,
    },
    {
      kind: "go-command",
      binary: "pulumi-language-nodejs",
      version: pulumi,
      // Its own module since v3.69, never tagged: the release commit's pseudo-version.
      module: "github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3",
      moduleVersion: sdkCommit ? pseudoVersion(3, sdkCommit) : `(the pseudo-version of the ${PULUMI_SDK_MODULE}@v${pulumi} commit)`,
      package: "github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3",
      alsoRequire: { "github.com/pulumi/pulumi/pkg/v3": `v${pulumi}`, [PULUMI_SDK_MODULE]: `v${pulumi}` },
      replace: { "github.com/atotto/clipboard": "github.com/tgummerer/clipboard v0.0.0-20241001131231-d02d263e614e" },
      ldflags: versionFlag,
      tags: releaseTags,
    },
    {
      kind: "bridged",
      binary: "pulumi-resource-docker",
      version: docker,
      providerModule: `github.com/pulumi/pulumi-docker/provider/v${major(docker)}`,
      providerModuleVersion: `v${docker}`,
      upstreamModule: "github.com/kreuzwerker/terraform-provider-docker",
    },
    {
      kind: "bridged",
      binary: "pulumi-resource-random",
      version: random,
      providerModule: `github.com/pulumi/pulumi-random/provider/v${major(random)}`,
      providerModuleVersion: `v${random}`,
      upstreamModule: "github.com/hashicorp/terraform-provider-random",
    },
  ];
}
