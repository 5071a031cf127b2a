import { z } from "zod";
import { Micros } from "./money.js";

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

export const UsageRow = z.object({
  /** The agent id, `provider/model`, or the UTC day `YYYY-MM-DD`. */
  key: z.string(),
  events: z.int().nonnegative(),
  llm_calls: z.int().nonnegative(),
  errors: z.int().nonnegative(),
  input_tokens: z.int().nonnegative(),
  output_tokens: z.int().nonnegative(),
  cost_micros: Micros,
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
