import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface PrivateBucket {
  bucket: aws.s3.Bucket;
  /** Public access blocked: bucket policies must wait for it. */
  publicAccessBlock: aws.s3.BucketPublicAccessBlock;
}

/** An S3 bucket nobody can make public: public access blocked, ACLs disabled, encrypted at rest. */
export function privateBucket(name: string, tags: Record<string, string>, parent: pulumi.Resource, options: { forceDestroy?: boolean } = {}): PrivateBucket {
  const bucket = new aws.s3.Bucket(name, { forceDestroy: options.forceDestroy ?? false, tags }, { parent });
  const publicAccessBlock = new aws.s3.BucketPublicAccessBlock(`${name}-public-access`, {
    bucket: bucket.id,
    blockPublicAcls: true,
    blockPublicPolicy: true,
    ignorePublicAcls: true,
    restrictPublicBuckets: true,
  }, { parent });
  new aws.s3.BucketOwnershipControls(`${name}-ownership`, { bucket: bucket.id, rule: { objectOwnership: "BucketOwnerEnforced" } }, { parent });
  new aws.s3.BucketServerSideEncryptionConfiguration(`${name}-encryption`, {
    bucket: bucket.id,
    rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" }, bucketKeyEnabled: true }],
  }, { parent });
  return { bucket, publicAccessBlock };
}

/** A bucket policy granting s3:GetObject on `keys` (e.g. "*") to one principal under one condition. */
export function allowGetObject(
  name: string,
  target: PrivateBucket,
  grant: { keys: string; principal: Record<string, string>; condition: Record<string, Record<string, pulumi.Input<string>>> },
  parent: pulumi.Resource,
): aws.s3.BucketPolicy {
  const policy = pulumi.jsonStringify({
    Version: "2012-10-17",
    Statement: [{
      Effect: "Allow",
      Principal: grant.principal,
      Action: "s3:GetObject",
      Resource: pulumi.interpolate`${target.bucket.arn}/${grant.keys}`,
      Condition: grant.condition,
    }],
  });
  return new aws.s3.BucketPolicy(name, { bucket: target.bucket.id, policy }, { parent, dependsOn: [target.publicAccessBlock] });
}
