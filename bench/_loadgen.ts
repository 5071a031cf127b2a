/**
 * The load generator for bench/control-panel.ts, run as its own process so it does not share the
 * server's event loop. Reads one JSON job from argv[2], prints one JSON result line on stdout.
 */
import { randomUUID } from "node:crypto";
import autocannon from "autocannon";

interface Job {
  url: string;
  method: "GET" | "POST";
  /** Bearer credentials, one per connection (round-robin), as each agent reports over its own connection. */
  credentials: string[];
  /** Telemetry batch size for POST /api/telemetry; fresh event ids in every request. */
  batch?: number;
  connections: number;
  durationSeconds: number;
}

const job = JSON.parse(process.argv[2] ?? "{}") as Job;
let next = 0;

function batchBody(n: number): string {
  const ts = new Date().toISOString();
  const events = Array.from({ length: n }, () => ({
    event_id: randomUUID(),
    ts,
    type: "llm_call",
    provider: "openai",
    model: "gpt-4o-mini",
    input_tokens: 812,
    output_tokens: 96,
    cost_micros: 180,
    latency_ms: 640,
    attrs: { route: "chat", retry: 0 },
  }));
  return JSON.stringify({ events });
}

const result = await autocannon({
  url: job.url,
  connections: job.connections,
  duration: job.durationSeconds,
  requests: [
    {
      method: job.method,
      setupRequest: (req, context) => {
        const ctx = context as { credential?: string };
        ctx.credential ??= job.credentials[next++ % job.credentials.length];
        const credential = ctx.credential;
        const headers: Record<string, string> = { ...(credential ? { authorization: `Bearer ${credential}` } : {}) };
        if (job.batch) {
          headers["content-type"] = "application/json";
          return { ...req, headers, body: batchBody(job.batch) };
        }
        return { ...req, headers };
      },
    },
  ],
});

process.stdout.write(
  `${JSON.stringify({
    requests: result.requests.total,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    seconds: result.duration,
  })}\n`,
);
