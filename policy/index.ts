/**
 * Iron Cage's CrossGuard policy pack: `pulumi up --policy-pack policy/`.
 * Our rules for every target, and AWSGuard's rules (mandatory) for aws.
 */
import { PolicyPack } from "@pulumi/policy";
import { awsGuardPolicies } from "./awsguard";
import { IRON_RULES } from "./rules";

new PolicyPack("iron", {
  enforcementLevel: "mandatory",
  policies: [...IRON_RULES, ...awsGuardPolicies()],
});
