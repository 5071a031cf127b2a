/**
 * Access logging for every S3 bucket, read from the resources @pulumi/aws v7
 * creates for it (aws.s3.BucketLogging and friends are separate resources; the
 * bucket's own inline logging is deprecated). AWSGuard's
 * s3-bucket-logging-enabled reads the v4 inline `loggings` and so flags every
 * v7 bucket: this rule replaces it.
 */
import type { PolicyResource, ReportViolation, StackValidationPolicy } from "@pulumi/policy";
import { asArray, asRecord } from "../lib/resources";

const BUCKET_TYPES = new Set(["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"]);
const LOGGING = ["aws:s3/bucketLogging:BucketLogging", "aws:s3/bucketLoggingV2:BucketLoggingV2"];
const PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
const ENCRYPTION = ["aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration", "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2"];
const LIFECYCLE = ["aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration", "aws:s3/bucketLifecycleConfigurationV2:BucketLifecycleConfigurationV2"];

/**
 * Whether `resource`'s `property` names `bucket`: through the engine's
 * property dependencies (known in preview too), or by the bucket's name once
 * both are known.
 */
function refersTo(resource: PolicyResource, property: string, bucket: PolicyResource): boolean {
  if ((resource.propertyDependencies[property] ?? []).some((d) => d.urn === bucket.urn)) return true;
  const value = resource.props[property];
  return typeof value === "string" && (value === bucket.props.bucket || value === bucket.props.id);
}

export const s3AccessLogging: StackValidationPolicy = {
  name: "iron-s3-bucket-access-logging",
  description: "Every S3 bucket sends its access logs (aws.s3.BucketLogging) to a log bucket of the stack; a log bucket is itself private (all four public access blocks), encrypted, and expires its logs (a lifecycle rule).",
  validateStack: ({ resources }, report: ReportViolation) => {
    const buckets = resources.filter((r) => BUCKET_TYPES.has(r.type));
    const of = (types: string[], property: string, bucket: PolicyResource) => resources.filter((r) => types.includes(r.type) && refersTo(r, property, bucket));
    const logTargets = new Set(buckets.filter((b) => resources.some((r) => LOGGING.includes(r.type) && refersTo(r, "targetBucket", b))).map((b) => b.urn));

    for (const bucket of buckets) {
      const where = `bucket ${bucket.name}`;
      if (logTargets.has(bucket.urn)) {
        checkLogBucket(bucket, of, report);
        continue;
      }
      const logging = of(LOGGING, "bucket", bucket);
      if (logging.length === 0) {
        report(`${where} has no access logging: add an aws.s3.BucketLogging into the stack's log bucket`, bucket.urn);
        continue;
      }
      for (const l of logging) {
        if (!buckets.some((b) => refersTo(l, "targetBucket", b))) report(`${where} logs into ${String(l.props.targetBucket)}, which is not a bucket of this stack`, bucket.urn);
      }
    }
  },
};

function checkLogBucket(bucket: PolicyResource, of: (types: string[], property: string, bucket: PolicyResource) => PolicyResource[], report: ReportViolation): void {
  const where = `log bucket ${bucket.name}`;
  const block = of([PUBLIC_ACCESS_BLOCK], "bucket", bucket)[0]?.props;
  if (!block || !["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"].every((k) => block[k] === true)) {
    report(`${where} is not private: add an aws.s3.BucketPublicAccessBlock with all four settings true`, bucket.urn);
  }
  if (of(ENCRYPTION, "bucket", bucket).length === 0) report(`${where} is not encrypted: add an aws.s3.BucketServerSideEncryptionConfiguration (SSE-S3: log delivery cannot use KMS)`, bucket.urn);
  const expires = of(LIFECYCLE, "bucket", bucket).some((l) => asArray(l.props.rules).map(asRecord)
    .some((rule) => rule.status === "Enabled" && Number(asRecord(rule.expiration).days) > 0));
  if (!expires) report(`${where} keeps logs forever: add an aws.s3.BucketLifecycleConfiguration with an enabled rule that expires objects after some days`, bucket.urn);
}
