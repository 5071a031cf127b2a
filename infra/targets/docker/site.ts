import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { staticSiteImage } from "../static-site-image.js";
import type { StaticSite, StaticSiteArgs } from "../target.js";
import { dockerImage } from "./image.js";

export interface DockerStaticSiteArgs extends StaticSiteArgs {
  network: docker.Network;
  prefix: string;
  publishAddress: string;
  hostPort: number;
  nginxImage: string;
  root: string;
}



/** nginx serving the built site and /downloads, with the deploy-time settings written to /settings.json. */
export class DockerStaticSite extends pulumi.ComponentResource implements StaticSite {
  readonly resource: pulumi.Resource = this;
  readonly url: pulumi.Output<string>;
  readonly downloadsUrl: pulumi.Output<string>;

  constructor(name: string, args: DockerStaticSiteArgs, opts: pulumi.ComponentResourceOptions = {}) {
    super("iron:docker:StaticSite", name, {}, opts);
    const image = dockerImage(`${name}-image`, staticSiteImage(args.nginxImage, args.siteDir, args.downloadsDir), args.root, this);
    const settings = pulumi.output(args.settings).apply((s) => JSON.stringify(s, null, 2));
    const container = new docker.Container(name, {
      name: `${args.prefix}-${name}`,
      image: image.ref,
      uploads: [{ file: "/usr/share/nginx/html/settings.json", content: settings }],
      networksAdvanced: [{ name: args.network.name, aliases: [name] }],
      ports: [{ internal: 8080, external: args.hostPort, ip: args.publishAddress }],
      labels: [{ label: "iron/package", value: args.siteDir ? "marketing-site" : "cli" }],
      restart: "unless-stopped",
      wait: true,
      waitTimeout: 60,
    }, { parent: this, dependsOn: [image.resource] });
    const host = args.publishAddress === "0.0.0.0" ? "localhost" : args.publishAddress;
    this.url = pulumi.output(`http://${host}:${args.hostPort}`);
    this.downloadsUrl = pulumi.output(`http://${host}:${args.hostPort}/downloads/`);
    this.registerOutputs({ url: this.url, downloadsUrl: this.downloadsUrl, container: container.id });
  }
}
