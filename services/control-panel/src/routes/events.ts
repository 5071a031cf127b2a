import type { FastifyInstance, FastifyRequest } from "fastify";
import { EVENT_STREAM_CLOSED, EVENT_STREAM_TELEMETRY, type StoredTelemetryEvent } from "@iron/protocol";
import type { Context } from "../context.js";
import { assertUser, authenticate, bearer, resolveCredential, type UserPrincipal } from "../auth.js";
import { HttpError } from "../errors.js";
import { eventView, eventsAfter } from "../event-bus.js";

const HEARTBEAT_MS = 15_000;
/** A client this far behind is dropped rather than buffered without bound; EventSource reconnects. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
/**
 * How often an open stream checks its credential again. Revoking a key or disabling a user ends its streams at once
 * (NOTIFY iron_access); this catches what a replica's listener missed while it was reconnecting.
 */
export const STREAM_RECHECK_MS = 30_000;
/** At most this many missed events are replayed to a client that reconnects (the newest of them). */
export const REPLAY_LIMIT = 1000;

/** The last event a reconnecting client saw: EventSource's `Last-Event-ID` header, or `?last_event_id=` for scripts. */
function lastEventId(req: FastifyRequest): number | undefined {
  const header = req.headers["last-event-id"];
  const raw = typeof header === "string" ? header : (req.query as Record<string, unknown> | undefined)?.last_event_id;
  if (raw === undefined || raw === "") return undefined;
  const seq = typeof raw === "string" && /^\d{1,15}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(seq)) {
    throw new HttpError(400, "validation_failed", "Last-Event-ID must be the id of an event this stream sent (a whole number)", [
      { path: "last_event_id", message: "must be a whole number" },
    ]);
  }
  return seq;
}

/**
 * `GET /api/events`: Server-Sent Events, one `event: telemetry` per newly ingested event the caller may see
 * (admins and viewers: all; users: their own tokens'). EventSource cannot set headers, so the credential
 * may also come as `?access_token=`. Each event's `id:` is its sequence number; a client that reconnects
 * with `Last-Event-ID` first gets what it missed (up to REPLAY_LIMIT, the newest), then the live stream.
 */
export function registerEventRoutes(app: FastifyInstance, ctx: Context): void {
  app.get("/api/events", async (req, reply) => {
    const principal = assertUser(await authenticate(ctx, req, true));
    const user = principal.user;
    const credential = bearer(req, true)!;
    const since = lastEventId(req);
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
    // The stream lives no longer than its credential: it ends, saying why, when that is revoked, disabled or expires.
    const close = (reason?: string) => {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      clearInterval(recheck);
      clearTimeout(expiry);
      unsubscribe();
      if (reason && !res.destroyed) res.write(`event: ${EVENT_STREAM_CLOSED}\ndata: ${JSON.stringify({ reason })}\n\n`);
      if (!res.destroyed) res.end();
    };
    const write = (event: StoredTelemetryEvent, seq: number) => {
      if (closed) return;
      if (res.writableLength > MAX_BUFFERED_BYTES) return close();
      res.write(`id: ${seq}\nevent: ${EVENT_STREAM_TELEMETRY}\ndata: ${JSON.stringify(event)}\n\n`);
    };
    // While the missed events load, live ones wait here, so none falls between the replay and the live stream.
    let held: [StoredTelemetryEvent, number][] | undefined = since === undefined ? undefined : [];
    // What the replay sent. The live path hears of an event only after its NOTIFY and a query, so an event committed
    // before the replay may still arrive live after it: kept for the stream's life (at most REPLAY_LIMIT keys).
    const replayed = new Set<string>();
    const sendLive = (event: StoredTelemetryEvent, seq: number) => {
      if (!replayed.has(`${event.token_id}/${event.event_id}`)) write(event, seq);
    };
    const unsubscribe = ctx.bus.subscribe({
      userId: user.id,
      ...(principal.keyId ? { keyId: principal.keyId } : {}),
      accepts: (ownerId) => seeAll || ownerId === user.id,
      close,
      send: (event, seq) => (held ? held.push([event, seq]) : sendLive(event, seq)),
    });
    const heartbeat = setInterval(() => res.write(`: ping\n\n`), HEARTBEAT_MS);
    const expiry = principal.expiresAtMs === undefined ? undefined : setTimeout(() => close("the access token expired"), Math.min(2 ** 31 - 1, Math.max(0, principal.expiresAtMs - Date.now())));
    const recheck = setInterval(() => void stillValid(ctx, credential, principal).then((problem) => problem && close(problem)), STREAM_RECHECK_MS);
    req.raw.on("close", () => close());
    res.on("error", () => close());
    if (req.raw.destroyed || res.destroyed) return close(); // the client left before we subscribed
    if (since === undefined) return;
    try {
      const { rows, truncated } = await eventsAfter(ctx.pool, since, seeAll ? undefined : user.id, REPLAY_LIMIT);
      if (truncated) res.write(`: more than ${REPLAY_LIMIT} events were missed; replaying the newest ${REPLAY_LIMIT}\n\n`);
      for (const row of rows) {
        write(eventView(row), row.seq);
        replayed.add(`${row.token_id}/${row.event_id}`);
      }
      for (const [event, seq] of held ?? []) sendLive(event, seq);
      held = undefined;
    } catch (err) {
      // The client reconnects with the same Last-Event-ID and gets the replay then.
      req.log.warn({ err: { message: (err as Error).message } }, "could not replay missed events; closing the stream");
      close();
    }
  });
}

/** Undefined while the credential still opens this stream as it is; otherwise why the stream must end. */
async function stillValid(ctx: Context, credential: string, opened: UserPrincipal): Promise<string | undefined> {
  try {
    const now = assertUser(await resolveCredential(ctx, credential));
    return now.user.role === opened.user.role ? undefined : "the user's role changed";
  } catch (err) {
    if (err instanceof HttpError && err.status < 500) return `the credential is no longer valid: ${err.message}`;
    return undefined; // the database is away: keep the stream, check again later
  }
}
