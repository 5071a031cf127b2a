import type { FastifyError, FastifyInstance } from "fastify";
import type { ZodType, z } from "zod";
import type { ErrorBody, ErrorCode, ValidationIssue } from "@iron/protocol";
import { isUnavailableError } from "./db.js";

/** An error that becomes `{ error: { code, message, details? } }` with `status`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new HttpError(404, "not_found", `${what} not found`);
export const forbidden = (message: string) => new HttpError(403, "forbidden", message);

function describe(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_type" && issue.expected === "int") return "must be a whole number (an integer, within ±2^53)";
  if (issue.code === "unrecognized_keys") return `unknown field${issue.keys.length > 1 ? "s" : ""}: ${issue.keys.join(", ")}`;
  if (issue.code === "too_big" && issue.origin === "string") return `is too long: at most ${String(issue.maximum)} characters`;
  if (issue.code === "too_big" && issue.origin === "array") return `has too many items: at most ${String(issue.maximum)}`;
  if (issue.code === "too_big" && issue.origin === "number") return `must be ${issue.inclusive ? "at most" : "less than"} ${String(issue.maximum)}`;
  if (issue.code === "too_small" && issue.origin === "number") return `must be ${issue.inclusive ? "at least" : "greater than"} ${String(issue.minimum)}`;
  return issue.message;
}

/** Parses `input` with `schema`, or throws a 400 `validation_failed` naming each bad field by its path. */
export function parse<S extends ZodType>(schema: S, input: unknown, where = "body"): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues: ValidationIssue[] = result.error.issues.slice(0, 20).map((i) => ({
    path: i.path.map(String).join("."),
    message: describe(i),
  }));
  const first = issues[0]!;
  const more = result.error.issues.length > 1 ? ` (and ${result.error.issues.length - 1} more)` : "";
  const subject = first.path ? `${where}.${first.path}` : where;
  throw new HttpError(400, "validation_failed", `${subject} ${first.message}${more}`, issues);
}

function body(code: ErrorCode | string, message: string, details?: unknown): ErrorBody {
  return { error: details === undefined ? { code, message } : { code, message, details } };
}

/** Maps every error (ours, fastify's, PostgreSQL's) to the wire error shape; 5xx are logged, never their secrets. */
export function installErrorHandlers(app: FastifyInstance): void {
  app.setNotFoundHandler((req, reply) => {
    void reply.code(404).send(body("not_found", `no route for ${req.method} ${req.url.split("?")[0]}`));
  });

  app.setErrorHandler((err: FastifyError | HttpError | Error, req, reply) => {
    if (err instanceof HttpError) {
      return reply.code(err.status).send(body(err.code, err.message, err.details));
    }
    const fe = err as FastifyError;
    const status = fe.statusCode ?? 500;
    if (status === 429) {
      return reply.code(429).send(body("rate_limited", fe.message || "too many requests; retry after the Retry-After header's seconds"));
    }
    if (fe.code === "FST_ERR_CTP_BODY_TOO_LARGE") {
      return reply.code(413).send(body("payload_too_large", `request body is larger than the ${req.routeOptions.bodyLimit ?? "allowed"} bytes this route accepts`));
    }
    if (fe.code === "FST_ERR_CTP_INVALID_MEDIA_TYPE") {
      return reply.code(415).send(body("unsupported_media_type", "send the body as JSON with Content-Type: application/json"));
    }
    if (fe.code === "FST_ERR_CTP_INVALID_JSON_BODY" || fe.code === "FST_ERR_CTP_EMPTY_JSON_BODY" || (status === 400 && err instanceof SyntaxError)) {
      return reply.code(400).send(body("bad_request", `request body is not valid JSON: ${err.message}`));
    }
    if (status >= 400 && status < 500) {
      return reply.code(status).send(body("bad_request", err.message));
    }
    const pgCode = (err as { code?: unknown }).code;
    if (pgCode === "23514") {
      // A CHECK constraint (e.g. an amount past 2^53 - 1): the request asks for a value the schema does not allow.
      return reply.code(400).send(body("validation_failed", "a value is outside the range the Control Panel stores"));
    }
    if (typeof pgCode === "string" && pgCode.startsWith("22")) {
      // PostgreSQL data exception: a value the schema let through but the database cannot store (e.g. "\u0000" in text).
      return reply.code(400).send(body("bad_request", `a value cannot be stored: ${err.message}`));
    }
    if (isUnavailableError(err)) {
      req.log.warn({ err: { message: err.message, code: (err as { code?: string }).code } }, "database unavailable");
      return reply.code(503).header("Retry-After", "1").send(body("unavailable", "the database is unavailable; retry shortly"));
    }
    req.log.error({ err: { message: err.message, code: (err as { code?: string }).code, stack: err.stack } }, "request failed");
    return reply.code(500).send(body("internal", "internal error"));
  });
}
