/**
 * Postflight: for each package a deployed stack runs, the checks that prove it
 * works end to end, in install order. Reads only the stack's outputs and its
 * stack file (whether telemetry is meant to be on).
 */
import type { PackageId } from "../../infra/catalog.js";
import type { Check } from "../preflight/checks.js";
import type { Deployment } from "./deployment.js";
import type { StackOutputs } from "./outputs.js";
import { adminLoginCheck, panelReadyChecks, runtimeTokenAtPanelCheck, tokenRoundTripCheck, type PanelSession } from "./panel-checks.js";
import { runtimeCallCheck, runtimeStatusCheck } from "./runtime-checks.js";
import { sandboxChecks } from "./sandbox-checks.js";
import { downloadsCheck, siteCheck } from "./site-checks.js";

export interface PostflightInput {
  stack: string;
  outputs: StackOutputs;
  /** Whether the stack's runtime reports telemetry to a panel (from its config). */
  telemetry: boolean;
  /** `--call-model`: one real priced call through the runtime. */
  callModel?: string;
}

const trim = (url: string) => url.replace(/\/+$/, "");
const missing = (id: string, title: string, output: string, hint: string): Check => ({ id, title, status: "fail", found: `the outputs have no ${output}`, required: `${output} in the stack outputs`, hint });

export async function postflightChecks(input: PostflightInput): Promise<Check[]> {
  const { outputs } = input;
  const d: Deployment = { stack: input.stack, target: outputs.target, mode: outputs.mode };
  const deployed = new Set<PackageId>(outputs.packages);
  const checks: Check[] = [];
  let session: PanelSession | undefined;

  if (deployed.has("control-panel")) {
    if (!outputs.controlPanelUrl) checks.push(missing("panel-ready", "Control Panel ready", "controlPanelUrl", "run pulumi up; the panel's URL is an output"));
    else {
      session = { url: trim(outputs.controlPanelUrl) };
      checks.push(...(await panelReadyChecks(d, session.url)));
      checks.push(await adminLoginCheck(session, outputs.adminEmail, outputs.adminPassword));
      checks.push(await tokenRoundTripCheck(session));
    }
  }
  if (deployed.has("marketing-site")) {
    checks.push(outputs.siteUrl ? await siteCheck(d, trim(outputs.siteUrl)) : missing("site", "Marketing Site", "siteUrl", "run pulumi up"));
  }
  if (deployed.has("agent-runtime")) {
    if (!outputs.runtimeUrl) {
      const waiting = deployed.has("control-panel")
        ? "the runtime waits for its token: iron token generate --budget <usd> --agent <name>, pulumi config set --secret iron:agentToken <token>, pulumi up"
        : "run pulumi up";
      checks.push(missing("runtime-status", "Agent Runtime status", "runtimeUrl", waiting));
    } else {
      const url = trim(outputs.runtimeUrl);
      const { check, status } = await runtimeStatusCheck(d, url, input.telemetry);
      checks.push(check);
      // The panel in this stack issued the runtime's token: it must still be active there.
      if (session && status) checks.push(await runtimeTokenAtPanelCheck(session, status.token.id));
      if (input.callModel) checks.push(await runtimeCallCheck(d, url, input.callModel));
    }
  }
  if (deployed.has("sandbox")) {
    if (outputs.mode === "pilot") {
      checks.push({ id: "sandbox", title: "sandbox nodes", status: "warn", found: "pilot mode runs no sandbox nodes", required: "iron-sandbox --probe reports ok", hint: "the sandbox runs where agents run: iron-sandbox --probe there" });
    } else checks.push(...(await sandboxChecks(outputs.target, outputs.sandboxNodes)));
  }
  if (deployed.has("cli") || deployed.has("cli-py")) {
    checks.push(outputs.downloadsUrl ? await downloadsCheck(outputs.downloadsUrl) : missing("downloads", "downloads match SHA256SUMS", "downloadsUrl", "run pulumi up"));
  }
  return checks;
}
