import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { StaticSite, StaticSiteArgs } from "../target.js";
import type { AwsAccessLogs } from "./access-logs.js";
import { allowGetObject, privateBucket } from "./bucket.js";
import { tagsFor, type AwsDeployment } from "./context.js";
import { REVALIDATE, siteFiles, type SiteFile } from "./site-files.js";

export interface AwsStaticSiteArgs extends StaticSiteArgs {
  deployment: AwsDeployment;
  package: string;
  accessLogs: AwsAccessLogs;
}

/** AWS managed policies. CachingOptimized keeps each object's Cache-Control (within 1 s to 1 year) and keys on the path only. */
const CACHING_OPTIMIZED = "658327ea-f89d-4fab-a63d-7e88639e58f6";
/** SecurityHeadersPolicy: HSTS, nosniff, frame options, referrer policy. */
const SECURITY_HEADERS = "67f7725c-6f97-4210-82d7-5512b31e9d03";

/**
 * A private S3 bucket behind CloudFront with origin access control: only this
 * distribution may read the bucket. Holds the built site, the CLI artifacts
 * under /downloads and /settings.json, each with its content type and cache
 * headers.
 */
export class AwsStaticSite extends pulumi.ComponentResource implements StaticSite {
  readonly resource: pulumi.Resource = this;
  readonly url: pulumi.Output<string>;
  readonly downloadsUrl: pulumi.Output<string>;

  constructor(name: string, args: AwsStaticSiteArgs, opts: pulumi.ComponentResourceOptions) {
    super("iron:aws:StaticSite", name, {}, opts);
    const { root, prefix } = args.deployment;
    // Enumerate first: a missing build fails before anything is created.
    const files = [
      ...(args.siteDir ? siteFiles(root, args.siteDir, "") : []),
      ...(args.downloadsDir ? siteFiles(root, args.downloadsDir, "downloads/") : []),
    ];
    const tags = tagsFor(args.deployment, args.package, name);
    const parent = { parent: this };

    const storage = privateBucket(`${name}-bucket`, tags, this);
    args.accessLogs.logAccessOf(`${name}-bucket`, storage.bucket, this);
    const accessControl = new aws.cloudfront.OriginAccessControl(`${name}-oac`, {
      name: `${prefix}-${name}`,
      description: `${prefix} ${name}: CloudFront reads the private bucket`,
      originAccessControlOriginType: "s3",
      signingBehavior: "always",
      signingProtocol: "sigv4",
    }, parent);
    const distribution = new aws.cloudfront.Distribution(name, {
      enabled: true,
      comment: `${prefix} ${name}`,
      isIpv6Enabled: true,
      httpVersion: "http2and3",
      priceClass: "PriceClass_100",
      defaultRootObject: "index.html",
      origins: [{ originId: "bucket", domainName: storage.bucket.bucketRegionalDomainName, originAccessControlId: accessControl.id }],
      defaultCacheBehavior: {
        targetOriginId: "bucket",
        viewerProtocolPolicy: "redirect-to-https",
        allowedMethods: ["GET", "HEAD"],
        cachedMethods: ["GET", "HEAD"],
        compress: true,
        cachePolicyId: CACHING_OPTIMIZED,
        responseHeadersPolicyId: SECURITY_HEADERS,
      },
      restrictions: { geoRestriction: { restrictionType: "none" } },
      viewerCertificate: { cloudfrontDefaultCertificate: true, minimumProtocolVersion: "TLSv1.2_2021" },
      tags,
    }, parent);
    allowGetObject(`${name}-bucket-policy`, storage, {
      keys: "*",
      principal: { Service: "cloudfront.amazonaws.com" },
      condition: { StringEquals: { "AWS:SourceArn": distribution.arn } },
    }, this);

    for (const file of files) upload(`${name}-${file.key}`, storage.bucket, file, this);
    new aws.s3.BucketObjectv2(`${name}-settings.json`, {
      bucket: storage.bucket.id,
      key: "settings.json",
      content: pulumi.output(args.settings).apply((s) => JSON.stringify(s, null, 2)),
      contentType: "application/json",
      cacheControl: REVALIDATE,
      tags,
    }, parent);

    this.url = pulumi.interpolate`https://${distribution.domainName}`;
    this.downloadsUrl = pulumi.interpolate`https://${distribution.domainName}/downloads/`;
    this.registerOutputs({ url: this.url, downloadsUrl: this.downloadsUrl });
  }
}

function upload(name: string, bucket: aws.s3.Bucket, file: SiteFile, parent: pulumi.Resource): aws.s3.BucketObjectv2 {
  return new aws.s3.BucketObjectv2(name, {
    bucket: bucket.id,
    key: file.key,
    source: new pulumi.asset.FileAsset(file.path),
    contentType: file.contentType,
    cacheControl: file.cacheControl,
  }, { parent });
}
