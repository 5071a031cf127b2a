import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { FastifyInstance } from "fastify";
import type { Context } from "../context.js";
import { requireUser } from "../auth.js";
import { HttpError } from "../errors.js";
import type { PanelMetrics } from "../metrics.js";

/**
 * `GET /metrics` on the main port, for admins only (an API key as Prometheus' bearer credential). With
 * IRON_METRICS_PORT set, metrics are served there instead, and the main port answers 404 here.
 */
export function registerMetricsRoute(app: FastifyInstance, ctx: Context): void {
  // Prometheus text, not part of the JSON API: left out of /openapi.json like the dashboard's files.
  app.get("/metrics", { schema: { hide: true }, config: { rateLimit: false } }, async (req, reply) => {
    if (ctx.config.metricsListen) {
      throw new HttpError(404, "not_found", `metrics are served on the metrics port (IRON_METRICS_PORT=${ctx.config.metricsListen.port}), not here`);
    }
    await requireUser(ctx, req, ["admin"]);
    const { contentType, body } = await ctx.metrics.text();
    return reply.type(contentType).send(body);
  });
}

/** The separate listener: `GET /metrics` without credentials, nothing else. */
export async function startMetricsListener(metrics: PanelMetrics, listen: { host: string; port: number }): Promise<{ url: string; close(): Promise<void> }> {
  const server = createServer((req, res) => {
    if (req.method !== "GET" || (req.url ?? "/").split("?")[0] !== "/metrics") {
      res.writeHead(404, { "content-type": "text/plain" }).end("only GET /metrics is served here\n");
      return;
    }
    metrics.text().then(
      ({ contentType, body }) => res.writeHead(200, { "content-type": contentType }).end(body),
      (err: Error) => res.writeHead(500, { "content-type": "text/plain" }).end(`collecting metrics failed: ${err.message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(listen.port, listen.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = listen.host === "0.0.0.0" || listen.host === "::" ? "127.0.0.1" : listen.host;
  return {
    url: `http://${host.includes(":") ? `[${host}]` : host}:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
