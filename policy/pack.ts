/** Every policy the pack serves, at the level it serves it: our rules for every target, then AWSGuard's. */
import type { Policy } from "@pulumi/policy";
import { awsGuardPolicies } from "./awsguard";
import { IRON_RULES } from "./rules";

export const PACK_NAME = "iron";

export const PACK: Policy[] = [...IRON_RULES, ...awsGuardPolicies()];
