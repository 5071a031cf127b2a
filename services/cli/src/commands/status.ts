import { z } from "zod";
import { EXIT } from "../exit-codes.js";
import { openSession, type GlobalOptions } from "../session.js";
import { renderFields } from "../table.js";

const Health = z.object({ status: z.string() });
const Version = z.object({ name: z.string(), version: z.string(), schema_version: z.number().optional(), node: z.string().optional() });
const Ready = z.object({ status: z.string(), checks: z.record(z.string(), z.string()).optional() });

/** Panel health (`/healthz`), readiness (`/readyz`: database, schema, Redis) and version. No credentials needed. */
export async function status(options: GlobalOptions): Promise<void> {
  const session = await openSession(options);
  const started = performance.now();
  const health = await session.call("Contacting the panel", "GET", "/healthz", { schema: Health });
  const latencyMs = Math.round(performance.now() - started);
  const ready = await session.call("Checking readiness", "GET", "/readyz", { schema: Ready, okStatuses: [503] });
  const version = await session.call("Reading the version", "GET", "/version", { schema: Version });
  const isReady = ready.status === "ready";
  const { style } = session.ui;
  session.ui.result({ api_url: session.api.url, api_url_source: session.api.source, health: health.status, ready: isReady, checks: ready.checks ?? {}, version, latency_ms: latencyMs }, () =>
    renderFields([
      ["Panel", `${session.api.url} (${session.api.source})`],
      ["Health", health.status === "ok" ? style.green("ok") : style.red(health.status)],
      ["Ready", isReady ? style.green("ready") : style.red(ready.status)],
      ...Object.entries(ready.checks ?? {}).map(([name, value]): [string, string] => [`  ${name}`, value]),
      ["Version", `${version.name} ${version.version}${version.schema_version === undefined ? "" : ` (schema ${version.schema_version})`}`],
      ["Latency", `${latencyMs} ms`],
    ]),
  );
  if (!isReady) process.exitCode = EXIT.error;
}
