/**
 * AWSGuard rules re-read for @pulumi/aws v7. AWSGuard 0.3.1 is built on
 * @pulumi/aws v4 and matches resources by type token: its load balancer rules
 * name the v4 modules elasticloadbalancingv2 and applicationloadbalancing,
 * which v7 no longer has (v7's is aws:lb/…), so they never see a v7 load
 * balancer; its efs-encrypted demands a KMS key id, stricter than its own
 * description (an EFS encrypted with the AWS managed key is encrypted with KMS).
 */
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { asArray, asRecord } from "../lib/resources";

const LOAD_BALANCERS = new Set(["aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer"]);
const LISTENERS = new Set(["aws:lb/listener:Listener", "aws:alb/listener:Listener"]);

export const elbDeletionProtection: ResourceValidationPolicy = {
  name: "iron-elb-deletion-protection",
  description: "AWSGuard's elb-deletion-protection-enabled for v7's aws:lb/aws:alb load balancers: deletion protection on.",
  validateResource: ({ type, props }, report) => {
    if (LOAD_BALANCERS.has(type) && props.enableDeletionProtection !== true) report("the load balancer has no deletion protection: set enableDeletionProtection (iron:aws.deletionProtection)");
  },
};

export const albHttpsRedirect: StackValidationPolicy = {
  name: "iron-alb-http-to-https-redirection",
  description: "AWSGuard's alb-http-to-https-redirection for v7's listeners: on a load balancer that serves HTTPS, every HTTP listener redirects to HTTPS. A load balancer with no certificate (no iron:domain) serves plain HTTP only; the program warns about it.",
  validateStack: ({ resources }, report) => {
    const listeners = resources.filter((r) => LISTENERS.has(r.type));
    const balancerOf = (l: (typeof listeners)[number]) => (l.propertyDependencies.loadBalancerArn ?? []).map((d) => d.urn).join() || String(l.props.loadBalancerArn);
    const secured = new Set(listeners.filter((l) => l.props.protocol === "HTTPS").map(balancerOf));
    for (const l of listeners.filter((x) => x.props.protocol === "HTTP" && secured.has(balancerOf(x)))) {
      const actions = asArray(l.props.defaultActions).map(asRecord);
      const redirects = actions.length === 1 && actions[0]?.type === "redirect" && asRecord(actions[0].redirect).protocol === "HTTPS";
      if (!redirects) report(`listener ${l.name} serves HTTP beside HTTPS: make its default action a redirect to HTTPS`, l.urn);
    }
  },
};

export const efsEncrypted: ResourceValidationPolicy = {
  name: "iron-efs-encrypted",
  description: "AWSGuard's efs-encrypted as its description states it: the file system is encrypted at rest with KMS (the AWS managed key, or the key kmsKeyId names).",
  validateResource: ({ type, props }, report) => {
    if (type === "aws:efs/fileSystem:FileSystem" && props.encrypted !== true) report("the EFS file system is not encrypted: set encrypted: true");
  },
};

export const launchTemplateEncryptedVolumes: ResourceValidationPolicy = {
  name: "iron-launch-template-encrypted-volumes",
  description: "AWSGuard's encrypted-volumes for instances an auto-scaling group starts from a launch template (AWSGuard reads aws.ec2.Instance only): every EBS volume the template maps is encrypted.",
  validateResource: ({ type, props }, report) => {
    if (type !== "aws:ec2/launchTemplate:LaunchTemplate") return;
    for (const mapping of asArray(props.blockDeviceMappings).map(asRecord)) {
      const ebs = asRecord(mapping.ebs);
      if (Object.keys(ebs).length > 0 && String(ebs.encrypted) !== "true") report(`volume ${String(mapping.deviceName)} is not encrypted: set ebs.encrypted to "true"`);
    }
  },
};
