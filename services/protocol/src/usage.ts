import { z } from "zod";

export const UsageGroupBy = z.enum(["agent", "model", "day"]);
export type UsageGroupBy = z.infer<typeof UsageGroupBy>;

/** `GET /api/usage` query: `since` inclusive, `until` exclusive (default: the last 30 days). */
export const UsageQuery = z.strictObject({
  group_by: UsageGroupBy.default("agent"),
  agent_id: z.string().max(128).optional(),
  since: z.iso.datetime({ offset: true }).optional(),
  until: z.iso.datetime({ offset: true }).optional(),
});
export type UsageQuery = z.infer<typeof UsageQuery>;

/**
 * A sum over many events and tokens. Each stored value is bounded, but a sum over many of them can pass 2^53 − 1:
 * the panel writes the exact integer (JSON numbers have no size limit), which JavaScript reads rounded to the
 * nearest double above 2^53. Money sums stay exact in practice (2^53 − 1 micros is about 9 billion USD).
 */
const Sum = z.number().nonnegative().refine(Number.isInteger, { message: "must be a whole number" });

export const UsageRow = z.object({
  /** The agent id, `provider/model`, or the UTC day `YYYY-MM-DD`. */
  key: z.string(),
  events: Sum,
  llm_calls: Sum,
  errors: Sum,
  input_tokens: Sum,
  output_tokens: Sum,
  cost_micros: Sum,
});
export type UsageRow = z.infer<typeof UsageRow>;

export const UsageResponse = z.object({
  group_by: UsageGroupBy,
  since: z.string(),
  until: z.string(),
  rows: z.array(UsageRow),
  total: UsageRow.omit({ key: true }),
});
export type UsageResponse = z.infer<typeof UsageResponse>;
