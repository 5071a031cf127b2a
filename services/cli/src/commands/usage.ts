import { UsageGroupBy, UsageResponse } from "@iron/protocol";
import { usageError } from "../errors.js";
import { usd } from "../format.js";
import { agentId, sinceTime } from "../inputs.js";
import { openSession, type GlobalOptions } from "../session.js";
import { renderTable } from "../table.js";

export interface UsageOptions extends GlobalOptions {
  agent?: string;
  since?: string;
  until?: string;
  by: string;
}

/** `GET /api/usage`: spend and calls grouped by agent, model or day. */
export async function usage(options: UsageOptions): Promise<void> {
  const groupBy = UsageGroupBy.safeParse(options.by);
  if (!groupBy.success) throw usageError(`--by: "${options.by}" is not a grouping`, `give one of ${UsageGroupBy.options.join(", ")}`);
  const query = {
    group_by: groupBy.data,
    agent_id: options.agent === undefined ? undefined : agentId(options.agent),
    since: options.since === undefined ? undefined : sinceTime("--since", options.since),
    until: options.until === undefined ? undefined : sinceTime("--until", options.until),
  };
  const session = await openSession(options);
  const { apiKey } = await session.credential();
  const report = await session.call("Reading usage", "GET", "/api/usage", { schema: UsageResponse, bearer: apiKey, query });
  const header = `Usage on ${session.api.url} from ${report.since} to ${report.until}, by ${report.group_by}:`;
  const row = (key: string, r: UsageResponse["total"]) => [key, String(r.llm_calls), String(r.errors), String(r.input_tokens), String(r.output_tokens), usd(r.cost_micros)];
  session.ui.result(report, () =>
    report.rows.length === 0
      ? `${header}\nNo usage recorded in this period.`
      : `${header}\n${renderTable(
          [report.group_by.toUpperCase(), "CALLS", "ERRORS", "INPUT TOKENS", "OUTPUT TOKENS", "COST"],
          [...report.rows.map((r) => row(r.key, r)), row(session.ui.style.bold("TOTAL"), report.total)],
        )}`,
  );
}
