/** The pack's own rules: every target's, then the AWS ones that stand in for AWSGuard rules on @pulumi/aws v7. */
import type { Policy } from "@pulumi/policy";
import { albHttpsRedirect, efsEncrypted, elbDeletionProtection, launchTemplateEncryptedVolumes } from "./aws-equivalents";
import { s3AccessLogging } from "./aws-buckets";
import { elbAccessLogs } from "./aws-load-balancer-logs";
import { dataStoresPrivate } from "./data-stores";
import { workloadsNonRoot } from "./non-root";
import { noPlainSecrets, noPlainSecretsDocker } from "./plain-secrets";
import { runtimeInternal } from "./runtime-internal";
import { sandboxKernel } from "./sandbox-kernel";

export const IRON_RULES: Policy[] = [
  dataStoresPrivate,
  noPlainSecrets,
  noPlainSecretsDocker,
  workloadsNonRoot,
  runtimeInternal,
  sandboxKernel,
  s3AccessLogging,
  efsEncrypted,
  elbDeletionProtection,
  albHttpsRedirect,
  elbAccessLogs,
  launchTemplateEncryptedVolumes,
];
