import type { FastifyInstance } from "fastify";
import { EVENT_STREAM_TELEMETRY } from "@iron/protocol";
import type { Context } from "../context.js";
import { requireUser } from "../auth.js";

const HEARTBEAT_MS = 15_000;
/** A client this far behind is dropped rather than buffered without bound; EventSource reconnects. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

/**
 * `GET /api/events`: Server-Sent Events, one `event: telemetry` per newly ingested event the caller may see
 * (admins and viewers: all; users: their own tokens'). EventSource cannot set headers, so the credential
 * may also come as `?access_token=`.
 */
export function registerEventRoutes(app: FastifyInstance, ctx: Context): void {
  app.get("/api/events", async (req, reply) => {
    const user = await requireUser(ctx, req, ["admin", "user", "viewer"], true);
    const seeAll = user.role !== "user";
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      ...(reply.getHeaders() as Record<string, string>),
      "Content-Type": "text/event-stream; charset=utf-8",
      "Cache-Control": "no-cache, no-transform",
      Connection: "keep-alive",
      "X-Accel-Buffering": "no",
    });
    res.write(`retry: 2000\n: connected\n\n`);
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      unsubscribe();
      if (!res.destroyed) res.end();
    };
    const unsubscribe = ctx.bus.subscribe({
      accepts: (ownerId) => seeAll || ownerId === user.id,
      close,
      send(event, seq) {
        if (res.writableLength > MAX_BUFFERED_BYTES) return close();
        res.write(`id: ${seq}\nevent: ${EVENT_STREAM_TELEMETRY}\ndata: ${JSON.stringify(event)}\n\n`);
      },
    });
    const heartbeat = setInterval(() => res.write(`: ping\n\n`), HEARTBEAT_MS);
    req.raw.on("close", close);
    res.on("error", close);
    if (req.raw.destroyed || res.destroyed) close(); // the client left before we subscribed
  });
}
