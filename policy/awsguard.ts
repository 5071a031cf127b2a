/**
 * AWSGuard's 24 rules (@pulumi/awsguard 0.3.1), all mandatory, except the ones
 * waived below with the reason. A pack process serves one policy pack, so its
 * rules join ours rather than running as a second pack.
 */
import "./lib/quiet-aws-sdk";
import type { EnforcementLevel, Policy } from "@pulumi/policy";
import * as apiGateway from "@pulumi/awsguard/apiGateway";
import * as compute from "@pulumi/awsguard/compute";
import * as database from "@pulumi/awsguard/database";
import * as elasticsearch from "@pulumi/awsguard/elasticsearch";
import * as network from "@pulumi/awsguard/network";
import * as security from "@pulumi/awsguard/security";
import * as storage from "@pulumi/awsguard/storage";

export interface Waiver {
  /** The rule of ours that checks what AWSGuard's rule meant to, on v7 resources (when there is one). */
  replacedBy?: string;
  reason: string;
}

/** AWSGuard rules that cannot evaluate this platform's @pulumi/aws v7 resources correctly, and what stands in for them. */
export const WAIVERS: Record<string, Waiver> = {
  "s3-bucket-logging-enabled": {
    replacedBy: "iron-s3-bucket-access-logging",
    reason: "reads the v4 inline `loggings` of aws.s3.Bucket; in @pulumi/aws v7 access logging is a separate aws.s3.BucketLogging resource, so it flags every bucket whether it logs or not",
  },
  "efs-encrypted": {
    replacedBy: "iron-efs-encrypted",
    reason: "demands a customer managed KMS key (kmsKeyId) although its description asks for KMS encryption; the platform's EFS is encrypted with the AWS managed key aws/elasticfilesystem, which is KMS encryption without a key to pay for and rotate",
  },
};

/**
 * AWSGuard rules that stay on but match only @pulumi/aws v4 type tokens, so a
 * v7 program never trips them; each has a rule of ours for the v7 token, or
 * the reason there is none yet.
 */
export const V4_ONLY: Record<string, Waiver> = {
  "elb-deletion-protection-enabled": { replacedBy: "iron-elb-deletion-protection", reason: "matches aws:elasticloadbalancingv2/… and aws:applicationloadbalancing/… only; v7 load balancers are aws:lb/…" },
  "alb-http-to-https-redirection": { replacedBy: "iron-alb-http-to-https-redirection", reason: "matches aws:elasticloadbalancingv2/listener only; v7 listeners are aws:lb/listener" },
  "elb-logging-enabled": { replacedBy: "iron-elb-access-logs", reason: "matches aws:elasticloadbalancingv2/… and aws:applicationloadbalancing/… only; v7 load balancers are aws:lb/…" },
};

/** Every AWSGuard rule object, from the modules that register them. */
export function awsGuardRules(): Policy[] {
  return [apiGateway, compute, database, elasticsearch, network, security, storage]
    .flatMap((module) => Object.values(module as Record<string, unknown>))
    .filter((p): p is Policy => !!p && typeof p === "object" && typeof (p as Policy).name === "string");
}

/** AWSGuard's rules as this pack runs them: mandatory, or disabled when waived. */
export function awsGuardPolicies(): Policy[] {
  return awsGuardRules().map((rule) => {
    const enforcementLevel: EnforcementLevel = WAIVERS[rule.name] ? "disabled" : "mandatory";
    return { ...rule, enforcementLevel };
  });
}
