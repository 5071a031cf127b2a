/**
 * The policy pack over the offline plan of every shipped stack on every target
 * the kit has (docker, aws, kubernetes): no violation at all.
 */
import * as aws from "@pulumi/aws";
import { describe, expect, it } from "vitest";
import { V4_ONLY, WAIVERS, awsGuardRules } from "../../policy/awsguard.js";
import { IRON_RULES } from "../../policy/rules/index.js";
import { PACK, STACK_SETTINGS, checkPlan } from "./pack-support.js";

const TARGETS = ["docker", "aws", "kubernetes"] as const;
const STACKS = Object.keys(STACK_SETTINGS);

const plans = await Promise.all(TARGETS.flatMap((target) => STACKS.map(async (stack) => ({ target, stack, ...(await checkPlan(stack, { target })) }))));

describe.each(plans)("$stack on $target", ({ run, evaluation }) => {
  it("breaks no mandatory rule", () => {
    expect(evaluation.violations.filter((v) => v.enforcementLevel === "mandatory")).toEqual([]);
  });

  it("reports nothing at all, advisory included", () => {
    expect(evaluation.violations).toEqual([]);
  });

  it("was checked resource by resource", () => {
    expect(run.resources.length).toBeGreaterThan(3);
    expect(evaluation.applied["iron-data-stores-private"]).toBe(run.resources.length);
  });
});

describe("AWSGuard on the aws plans", () => {
  const awsPlans = plans.filter((p) => p.target === "aws");

  it("serves every AWSGuard rule (0.3.1 has 26), mandatory unless waived with a reason and a replacement", () => {
    const served = PACK.filter((p) => awsGuardRules().some((r) => r.name === p.name));
    expect(served).toHaveLength(26);
    for (const p of served) expect(p.enforcementLevel).toBe(WAIVERS[p.name] ? "disabled" : "mandatory");
    for (const waiver of [...Object.values(WAIVERS), ...Object.values(V4_ONLY)]) {
      expect(waiver.reason.length).toBeGreaterThan(40);
      if (waiver.replacedBy) expect(IRON_RULES.map((r) => r.name)).toContain(waiver.replacedBy);
    }
  });

  it("lists exactly the rules whose type tokens @pulumi/aws v7 no longer has", () => {
    const v7 = aws as unknown as Record<string, Record<string, { __pulumiType?: string } | undefined> | undefined>;
    const existsInV7 = (token: string) => {
      const [, path = "", name = ""] = token.split(":");
      return v7[path.split("/")[0] ?? ""]?.[name]?.__pulumiType === token;
    };
    const blind = awsGuardRules().filter((rule) => {
      const { validateResource, validateStack } = rule as { validateResource?: unknown; validateStack?: unknown };
      const validations = [validateResource, validateStack].flat().filter(Boolean) as { __pulumiType?: string }[];
      return validations.every((v) => v.__pulumiType && !existsInV7(v.__pulumiType));
    });
    expect(blind.map((r) => r.name).sort()).toEqual(Object.keys(V4_ONLY).sort());
  });

  it("runs the RDS rules on the Control Panel's database and finds it Multi-AZ, encrypted, private and backed up", () => {
    const withDatabase = awsPlans.filter((p) => p.run.resources.some((r) => r.type === "aws:rds/instance:Instance"));
    expect(withDatabase.map((p) => p.stack).sort()).toEqual(["full-platform", "panel-clis"]);
    for (const p of withDatabase) {
      for (const rule of ["rds-instance-multi-az-enabled", "rds-storage-encrypted", "rds-instance-public-access", "rds-instance-backup-enabled"]) {
        expect(p.evaluation.applied[rule]).toBe(1);
      }
    }
  });

  it("sees every bucket of every aws plan logged into the stack's log bucket", () => {
    for (const p of awsPlans) {
      const buckets = p.run.resources.filter((r) => r.type === "aws:s3/bucket:Bucket").map((r) => r.name).sort();
      const logged = p.run.resources.filter((r) => r.type === "aws:s3/bucketLogging:BucketLogging").map((r) => r.inputs.targetPrefix);
      if (p.stack === "agent-only") expect(buckets).toEqual([]);
      else expect(buckets.length - 1).toBe(logged.length);
      expect(p.evaluation.applied["iron-s3-bucket-access-logging"]).toBe(1);
    }
  });
});
