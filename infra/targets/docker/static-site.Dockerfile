# The docker target's static host: nginx serving a built site and /downloads.
# Build context: the repository root. SITE_DIR and DOWNLOADS_DIR are repo-relative
# directories (infra/targets/docker/empty when there is nothing to serve there).
ARG NGINX_IMAGE=nginx:1.27
FROM ${NGINX_IMAGE}
ARG SITE_DIR=infra/targets/docker/empty
ARG DOWNLOADS_DIR=infra/targets/docker/empty
COPY infra/targets/docker/nginx.conf /etc/nginx/conf.d/default.conf
COPY ${SITE_DIR}/ /usr/share/nginx/html/
COPY ${DOWNLOADS_DIR}/ /usr/share/nginx/html/downloads/
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s CMD ["sh", "-c", "wget -q -O /dev/null http://127.0.0.1:8080/healthz || curl -fsS -o /dev/null http://127.0.0.1:8080/healthz"]
