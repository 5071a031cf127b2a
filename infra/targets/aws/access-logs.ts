import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { privateBucket, type PrivateBucket } from "./bucket.js";
import { tagsFor, type AwsDeployment } from "./context.js";

/**
 * The stack's log bucket: S3 server access logs of every other bucket land
 * here under `<bucket>/`. Private and encrypted like the others (SSE-S3: the
 * log delivery cannot write into a KMS-encrypted bucket), objects expire after
 * `iron:aws.logRetentionDays`, and only S3's log delivery for this account may
 * write. It does not log itself (that would log its own log writes).
 */
export class AwsAccessLogs extends pulumi.ComponentResource {
  readonly storage: PrivateBucket;

  constructor(name: string, deployment: AwsDeployment, opts: pulumi.ComponentResourceOptions) {
    super("iron:aws:AccessLogs", name, {}, opts);
    const { settings } = deployment;
    const parent = { parent: this };
    const tags = tagsFor(deployment, "shared", name);
    // Logs pile up outside Pulumi's knowledge: with deletion protection off, `pulumi destroy` empties the bucket.
    this.storage = privateBucket(`${name}-bucket`, tags, this, { forceDestroy: !settings.deletionProtection });
    const bucket = this.storage.bucket;

    new aws.s3.BucketLifecycleConfiguration(`${name}-retention`, {
      bucket: bucket.id,
      rules: [{
        id: "expire-access-logs",
        status: "Enabled",
        filter: {},
        expiration: { days: settings.logRetentionDays },
        abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
      }],
    }, parent);

    const account = aws.getCallerIdentityOutput({}, parent).accountId;
    new aws.s3.BucketPolicy(`${name}-policy`, {
      bucket: bucket.id,
      policy: pulumi.jsonStringify({
        Version: "2012-10-17",
        Statement: [{
          Sid: "S3ServerAccessLogs",
          Effect: "Allow",
          Principal: { Service: "logging.s3.amazonaws.com" },
          Action: "s3:PutObject",
          Resource: pulumi.interpolate`${bucket.arn}/*`,
          Condition: { StringEquals: { "aws:SourceAccount": account } },
        }],
      }),
    }, { parent: this, dependsOn: [this.storage.publicAccessBlock] });
    this.registerOutputs({ bucket: bucket.bucket });
  }

  /** Sends `source`'s server access logs here, under `<name>/`. */
  logAccessOf(name: string, source: aws.s3.Bucket, parent: pulumi.Resource): aws.s3.BucketLogging {
    return new aws.s3.BucketLogging(`${name}-access-logging`, {
      bucket: source.id,
      targetBucket: this.storage.bucket.id,
      targetPrefix: `${name}/`,
    }, { parent });
  }
}
