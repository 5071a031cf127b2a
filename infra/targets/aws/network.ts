import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { AwsDeployment } from "./context.js";
import { allowAllEgress } from "./security-rules.js";

const ZONES = 2;
const VPC_CIDR = "10.0.0.0/16";
const publicCidr = (zone: number) => `10.0.${zone * 16}.0/20`;
const privateCidr = (zone: number) => `10.0.${128 + zone * 16}.0/20`;

/**
 * A VPC over two availability zones with a public and a private subnet in each.
 * Workloads (tasks, nodes) run in the private subnets behind NAT; with
 * `iron:aws.natGateways: none` they run in the public subnets with public
 * addresses instead, still with no inbound rule. S3 is reached through a
 * gateway endpoint either way (the sandbox artifact bucket admits only it).
 */
export class AwsNetwork extends pulumi.ComponentResource {
  readonly vpcId: pulumi.Output<string>;
  readonly cidrBlock = VPC_CIDR;
  readonly publicSubnetIds: pulumi.Output<string>[];
  readonly privateSubnetIds: pulumi.Output<string>[];
  /** Where tasks and nodes run. */
  readonly workloadSubnetIds: pulumi.Output<string>[];
  /** Whether workloads need a public address to reach the internet (no NAT). */
  readonly workloadsNeedPublicIp: boolean;
  readonly s3EndpointId: pulumi.Output<string>;
  /** The services' security group: the only source the database and cache admit. */
  readonly servicesSecurityGroupId: pulumi.Output<string>;

  constructor(name: string, deployment: AwsDeployment, opts: pulumi.ComponentResourceOptions) {
    super("iron:aws:Network", name, {}, opts);
    const parent = { parent: this };
    const tags = (suffix: string) => ({ ...deployment.tags, Name: `${deployment.prefix}-${suffix}` });
    const zones = aws.getAvailabilityZonesOutput({ state: "available" }, parent).names;
    const region = aws.getRegionOutput({}, parent).region;

    const vpc = new aws.ec2.Vpc(name, { cidrBlock: VPC_CIDR, enableDnsHostnames: true, enableDnsSupport: true, tags: tags("vpc") }, parent);
    const gateway = new aws.ec2.InternetGateway(`${name}-igw`, { vpcId: vpc.id, tags: tags("igw") }, parent);
    const publicRoutes = new aws.ec2.RouteTable(`${name}-public`, {
      vpcId: vpc.id,
      routes: [{ cidrBlock: "0.0.0.0/0", gatewayId: gateway.id }],
      tags: tags("public"),
    }, parent);

    const publicSubnets = Array.from({ length: ZONES }, (_, zone) => {
      const subnet = new aws.ec2.Subnet(`${name}-public-${zone + 1}`, {
        vpcId: vpc.id, cidrBlock: publicCidr(zone), availabilityZone: zones.apply((z) => zoneAt(z, zone)), tags: tags(`public-${zone + 1}`),
      }, parent);
      new aws.ec2.RouteTableAssociation(`${name}-public-${zone + 1}`, { subnetId: subnet.id, routeTableId: publicRoutes.id }, parent);
      return subnet;
    });

    const natCount = { none: 0, single: 1, "per-az": ZONES }[deployment.settings.natGateways];
    const nats = Array.from({ length: natCount }, (_, zone) => {
      const ip = new aws.ec2.Eip(`${name}-nat-${zone + 1}`, { domain: "vpc", tags: tags(`nat-${zone + 1}`) }, parent);
      return new aws.ec2.NatGateway(`${name}-nat-${zone + 1}`, { allocationId: ip.id, subnetId: publicSubnets[zone]!.id, tags: tags(`nat-${zone + 1}`) }, { parent: this, dependsOn: [gateway] });
    });

    const privateRouteTables: aws.ec2.RouteTable[] = [];
    const privateSubnets = Array.from({ length: ZONES }, (_, zone) => {
      const nat = nats[Math.min(zone, nats.length - 1)];
      const routes = new aws.ec2.RouteTable(`${name}-private-${zone + 1}`, {
        vpcId: vpc.id,
        routes: nat ? [{ cidrBlock: "0.0.0.0/0", natGatewayId: nat.id }] : [],
        tags: tags(`private-${zone + 1}`),
      }, parent);
      privateRouteTables.push(routes);
      const subnet = new aws.ec2.Subnet(`${name}-private-${zone + 1}`, {
        vpcId: vpc.id, cidrBlock: privateCidr(zone), availabilityZone: zones.apply((z) => zoneAt(z, zone)), tags: tags(`private-${zone + 1}`),
      }, parent);
      new aws.ec2.RouteTableAssociation(`${name}-private-${zone + 1}`, { subnetId: subnet.id, routeTableId: routes.id }, parent);
      return subnet;
    });

    const s3Endpoint = new aws.ec2.VpcEndpoint(`${name}-s3`, {
      vpcId: vpc.id,
      vpcEndpointType: "Gateway",
      serviceName: pulumi.interpolate`com.amazonaws.${region}.s3`,
      routeTableIds: [publicRoutes.id, ...privateRouteTables.map((t) => t.id)],
      tags: tags("s3"),
    }, parent);

    const services = new aws.ec2.SecurityGroup(`${name}-services`, {
      vpcId: vpc.id,
      description: "Iron Cage services (ECS tasks); inbound rules name their sources",
      tags: tags("services"),
    }, parent);
    allowAllEgress(`${name}-services-egress`, services.id, this);

    this.vpcId = vpc.id;
    this.publicSubnetIds = publicSubnets.map((s) => s.id);
    this.privateSubnetIds = privateSubnets.map((s) => s.id);
    this.workloadsNeedPublicIp = natCount === 0;
    this.workloadSubnetIds = this.workloadsNeedPublicIp ? this.publicSubnetIds : this.privateSubnetIds;
    this.s3EndpointId = s3Endpoint.id;
    this.servicesSecurityGroupId = services.id;
    this.registerOutputs({ vpcId: this.vpcId, publicSubnetIds: this.publicSubnetIds, privateSubnetIds: this.privateSubnetIds });
  }
}

function zoneAt(zones: string[], index: number): string {
  const zone = zones[index];
  if (!zone) throw new pulumi.RunError(`the aws target needs ${ZONES} availability zones; this region offers ${zones.length} (choose another region with aws:region)`);
  return zone;
}
