import { z } from "zod";

/**
 * Error codes the Control Panel answers with. Clients switch on `code`, humans read `message`.
 * `details` carries structured data, e.g. the field paths of a validation failure.
 */
export const ErrorCode = z.enum([
  "bad_request", // malformed JSON, wrong content type
  "validation_failed", // well-formed JSON that breaks the schema; details: ValidationIssue[]
  "unauthorized", // no credential, or one that is not recognised
  "token_expired", // an agent token or access token past its expiry
  "token_revoked", // an agent token that was revoked
  "forbidden", // authenticated, but the role may not do this
  "not_found",
  "conflict",
  "payload_too_large",
  "unsupported_media_type",
  "rate_limited",
  "unavailable", // PostgreSQL (or Redis) is unreachable, or the schema is not current
  "internal",
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** One problem found while validating a request; `path` is dotted, e.g. `events.3.cost_micros`. */
export const ValidationIssue = z.object({
  path: z.string(),
  message: z.string(),
});
export type ValidationIssue = z.infer<typeof ValidationIssue>;

/** Every Control Panel error response: `{ "error": { "code", "message", "details"? } }`. */
export const ErrorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ErrorBody = z.infer<typeof ErrorBody>;
