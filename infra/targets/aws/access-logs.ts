import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { privateBucket, type PrivateBucket } from "./bucket.js";
import { tagsFor, type AwsDeployment } from "./context.js";
import { elbLogDeliveryPrincipal, type ElbLogPrincipal } from "./elb-log-delivery.js";

/** Where load balancers put their access logs in the log bucket (AWS appends `/AWSLogs/<account>/…`). */
export const LOAD_BALANCER_LOG_PREFIX = "alb";

/** What a load balancer needs to log here: the bucket's name, the prefix, and the policy that must exist first. */
export interface LoadBalancerLogTarget {
  bucket: pulumi.Output<string>;
  prefix: string;
  policy: aws.s3.BucketPolicy;
}

/**
 * The stack's log bucket: S3 server access logs of every other bucket land
 * here under `<bucket>/`, the load balancers' access logs under `alb/`.
 * Private and encrypted like the others (SSE-S3: neither log delivery can
 * write into a KMS-encrypted bucket), objects expire after
 * `iron:aws.logRetentionDays`, and only S3's log delivery for this account and
 * the region's Elastic Load Balancing (into `alb/AWSLogs/<account>/`) may
 * write. It does not log itself (that would log its own log writes).
 */
export class AwsAccessLogs extends pulumi.ComponentResource {
  readonly storage: PrivateBucket;
  readonly loadBalancerLogs: LoadBalancerLogTarget;

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
    const region = aws.getRegionOutput({}, parent).region;
    const policy = new aws.s3.BucketPolicy(`${name}-policy`, {
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
        }, {
          Sid: "LoadBalancerAccessLogs",
          Effect: "Allow",
          Principal: region.apply(loadBalancerLogWriter),
          Action: "s3:PutObject",
          Resource: pulumi.interpolate`${bucket.arn}/${LOAD_BALANCER_LOG_PREFIX}/AWSLogs/${account}/*`,
        }],
      }),
    }, { parent: this, dependsOn: [this.storage.publicAccessBlock] });
    this.loadBalancerLogs = { bucket: bucket.bucket, prefix: LOAD_BALANCER_LOG_PREFIX, policy };
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

/** The region's load balancer log writer; a region AWS's table (elb-log-delivery.ts) does not list is a config error. */
export function loadBalancerLogWriter(region: string): ElbLogPrincipal {
  const principal = elbLogDeliveryPrincipal(region);
  if (principal) return principal;
  throw new pulumi.RunError(
    `aws:region ${region}: the aws target does not know who delivers load balancer access logs there, so it cannot write the log bucket's policy; ` +
      `choose another region (pulumi config set aws:region <region>), or add ${region} to infra/targets/aws/elb-log-delivery.ts from AWS's table ` +
      `(Elastic Load Balancing, "Enable access logs for your Application Load Balancer")`,
  );
}
