/**
 * Who writes an Application Load Balancer's access logs into S3, by region, for the log bucket's policy.
 * Source: AWS, "Enable access logs for your Application Load Balancer", step 2 "Attach a policy to your S3 bucket"
 * (docs.aws.amazon.com/elasticloadbalancing/latest/application/enable-access-logging.html): regions available
 * before August 2022 grant the region's Elastic Load Balancing account; regions available since then grant the
 * log-delivery service principal. No imports: the policy pack reads this table too (policy/rules/aws-load-balancer-logs.ts).
 */

/** The service principal for regions available as of August 2022 or later. */
export const ELB_LOG_DELIVERY_SERVICE = "logdelivery.elasticloadbalancing.amazonaws.com";

/** Regions available before August 2022 → the Elastic Load Balancing account of that region (AWS's table). */
export const ELB_ACCOUNT_BY_REGION: Readonly<Record<string, string>> = {
  "us-east-1": "127311923021", // US East (N. Virginia)
  "us-east-2": "033677994240", // US East (Ohio)
  "us-west-1": "027434742980", // US West (N. California)
  "us-west-2": "797873946194", // US West (Oregon)
  "af-south-1": "098369216593", // Africa (Cape Town)
  "ap-east-1": "754344448648", // Asia Pacific (Hong Kong)
  "ap-southeast-3": "589379963580", // Asia Pacific (Jakarta)
  "ap-south-1": "718504428378", // Asia Pacific (Mumbai)
  "ap-northeast-3": "383597477331", // Asia Pacific (Osaka)
  "ap-northeast-2": "600734575887", // Asia Pacific (Seoul)
  "ap-southeast-1": "114774131450", // Asia Pacific (Singapore)
  "ap-southeast-2": "783225319266", // Asia Pacific (Sydney)
  "ap-northeast-1": "582318560864", // Asia Pacific (Tokyo)
  "ca-central-1": "985666609251", // Canada (Central)
  "eu-central-1": "054676820928", // Europe (Frankfurt)
  "eu-west-1": "156460612806", // Europe (Ireland)
  "eu-west-2": "652711504416", // Europe (London)
  "eu-south-1": "635631232127", // Europe (Milan)
  "eu-west-3": "009996457667", // Europe (Paris)
  "eu-north-1": "897822967062", // Europe (Stockholm)
  "me-south-1": "076674570225", // Middle East (Bahrain)
  "sa-east-1": "507241528517", // South America (São Paulo)
};

/** Regions available as of August 2022 or later, whose ELB delivers logs as the service principal (same page). */
export const SERVICE_PRINCIPAL_REGIONS: readonly string[] = [
  "ap-south-2", // Asia Pacific (Hyderabad)
  "ap-southeast-4", // Asia Pacific (Melbourne)
  "ap-southeast-5", // Asia Pacific (Malaysia)
  "ap-southeast-7", // Asia Pacific (Thailand)
  "ca-west-1", // Canada West (Calgary)
  "eu-central-2", // Europe (Zurich)
  "eu-south-2", // Europe (Spain)
  "il-central-1", // Israel (Tel Aviv)
  "me-central-1", // Middle East (UAE)
  "mx-central-1", // Mexico (Central)
];

/** The `Principal` of the bucket policy statement that lets the region's load balancers write their logs. */
export type ElbLogPrincipal = { AWS: string } | { Service: string };

/** Who delivers load balancer logs in `region`, or undefined for a region the table does not know. */
export function elbLogDeliveryPrincipal(region: string): ElbLogPrincipal | undefined {
  const account = ELB_ACCOUNT_BY_REGION[region];
  if (account) return { AWS: `arn:aws:iam::${account}:root` };
  if (SERVICE_PRINCIPAL_REGIONS.includes(region)) return { Service: ELB_LOG_DELIVERY_SERVICE };
  return undefined;
}
