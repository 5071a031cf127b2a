/**
 * AWSGuard's elb-logging-enabled for @pulumi/aws v7 (it matches v4's
 * elasticloadbalancingv2/applicationloadbalancing tokens, which v7 no longer
 * has): every Application or Classic Load Balancer writes access logs, into a
 * bucket of this stack whose policy lets Elastic Load Balancing write there.
 * Who that is comes from AWS's table (infra/targets/aws/elb-log-delivery.ts).
 */
import type { PolicyResource, ReportViolation, StackValidationPolicy } from "@pulumi/policy";
import { ELB_ACCOUNT_BY_REGION, ELB_LOG_DELIVERY_SERVICE } from "../../infra/targets/aws/elb-log-delivery";
import { asArray, asRecord } from "../lib/resources";

const LOAD_BALANCERS = new Set(["aws:lb/loadBalancer:LoadBalancer", "aws:alb/loadBalancer:LoadBalancer", "aws:elb/loadBalancer:LoadBalancer"]);
const BUCKETS = new Set(["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"]);
const BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy";

/** Principals that deliver ELB logs: a region's ELB account (pre-August-2022 regions) or the log-delivery service. */
const ELB_ACCOUNT_ARNS = new Set(Object.values(ELB_ACCOUNT_BY_REGION).flatMap((a) => [a, `arn:aws:iam::${a}:root`]));

function deliversElbLogs(principal: unknown): boolean {
  const p = asRecord(principal);
  return [p.AWS].flat().some((a) => ELB_ACCOUNT_ARNS.has(String(a))) || [p.Service].flat().includes(ELB_LOG_DELIVERY_SERVICE);
}

/** The statements of a bucket policy document (a JSON string once known; undefined while it is not). */
function statements(policy: unknown): Record<string, unknown>[] | undefined {
  if (typeof policy !== "string") return undefined;
  try {
    return asArray(asRecord(JSON.parse(policy)).Statement).map(asRecord);
  } catch {
    return [];
  }
}

/** Whether the bucket's policy lets ELB put objects under `<prefix>/AWSLogs/`. */
function admitsElb(bucketPolicy: PolicyResource | undefined, prefix: string): boolean | undefined {
  const list = statements(bucketPolicy?.props.policy);
  if (bucketPolicy && list === undefined) return undefined; // not known yet (preview): judged at `up`
  const under = prefix ? `/${prefix.replace(/^\/+|\/+$/g, "")}/AWSLogs/` : "/AWSLogs/";
  return (list ?? []).some((s) => s.Effect === "Allow" && deliversElbLogs(s.Principal)
    && [s.Action].flat().some((a) => a === "s3:PutObject" || a === "s3:*")
    // The logs' path, or the whole bucket (`arn:aws:s3:::bucket/*`).
    && [s.Resource].flat().some((r) => typeof r === "string" && (r.includes(under) || /^arn:aws:s3:::[^/]+\/\*$/.test(r))));
}

export const elbAccessLogs: StackValidationPolicy = {
  name: "iron-elb-access-logs",
  description: "AWSGuard's elb-logging-enabled for v7's aws:lb/aws:alb/aws:elb load balancers: access logs on, into a bucket of this stack whose policy lets Elastic Load Balancing write under the logs' prefix.",
  validateStack: ({ resources }, report: ReportViolation) => {
    const buckets = resources.filter((r) => BUCKETS.has(r.type));
    for (const lb of resources.filter((r) => LOAD_BALANCERS.has(r.type) && (r.props.loadBalancerType ?? "application") === "application")) {
      const where = `load balancer ${lb.name}`;
      const logs = asRecord(lb.props.accessLogs);
      if (logs.enabled !== true || !logs.bucket) {
        report(`${where} writes no access logs: set accessLogs { enabled: true, bucket: the stack's log bucket, prefix }`, lb.urn);
        continue;
      }
      const bucket = buckets.find((b) => logs.bucket === b.props.bucket || (lb.propertyDependencies.accessLogs ?? []).some((d) => d.urn === b.urn));
      if (!bucket) {
        report(`${where} logs into ${String(logs.bucket)}, which is not a bucket of this stack`, lb.urn);
        continue;
      }
      const prefix = typeof logs.prefix === "string" ? logs.prefix : "";
      const policy = resources.find((r) => r.type === BUCKET_POLICY && (r.props.bucket === bucket.props.bucket || r.props.bucket === bucket.props.id || (r.propertyDependencies.bucket ?? []).some((d) => d.urn === bucket.urn)));
      if (admitsElb(policy, prefix) === false) {
        report(`${where} logs into ${bucket.name}, whose policy does not let Elastic Load Balancing write ${prefix || "."}/AWSLogs/…: add a statement allowing s3:PutObject to the region's ELB account or ${ELB_LOG_DELIVERY_SERVICE}`, lb.urn);
      }
    }
  },
};
