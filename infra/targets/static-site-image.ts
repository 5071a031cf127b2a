import type { ImageSource } from "./target.js";

/** An empty directory to build from when the image carries no site (or no downloads). */
const EMPTY = "infra/targets/docker/empty";

/**
 * The nginx site image built from infra/targets/docker/static-site.Dockerfile: the site, /downloads, or both. The
 * docker and kubernetes targets build the same image.
 */
export function staticSiteImage(nginxImage: string, siteDir: string | undefined, downloadsDir: string | undefined): ImageSource {
  return {
    kind: "build",
    repository: "static-site",
    context: ".",
    dockerfile: "infra/targets/docker/static-site.Dockerfile",
    args: { NGINX_IMAGE: nginxImage, SITE_DIR: siteDir ?? EMPTY, DOWNLOADS_DIR: downloadsDir ?? EMPTY },
  };
}
