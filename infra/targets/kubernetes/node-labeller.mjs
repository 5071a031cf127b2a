#!/usr/bin/env node
// The sandbox node labeller: the script of the kubernetes target's labelling
// DaemonSet (mounted from a ConfigMap, run by node in the sandbox image). It
// runs the sandbox's own probe (`iron-sandbox --probe`) on this node, under the
// same seccomp profile sandbox pods get, and labels the node with what it found:
// a kernel version does not prove Landlock is active, the probe does.
//
//   node node-labeller.mjs --print    print {"node", "labels"} as JSON and exit (no API call)
//   node node-labeller.mjs --once     label the node once and exit
//   node node-labeller.mjs            label the node, then again every IRON_LABEL_INTERVAL seconds (default 600)
//
// Environment: NODE_NAME (the downward API's spec.nodeName), IRON_SANDBOX_BIN (default iron-sandbox),
// IRON_KUBE_API (default https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT, the service
// account's CA), IRON_KUBE_TOKEN_FILE (default the service account token).
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";

const PREFIX = "iron.dev/";
const SERVICE_ACCOUNT = "/var/run/secrets/kubernetes.io/serviceaccount";

/** A label value: at most 63 characters of [A-Za-z0-9._-], starting and ending alphanumeric. */
function labelValue(text) {
  return String(text).replace(/[^A-Za-z0-9._-]/g, "_").slice(0, 63).replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, "");
}

function probe() {
  const bin = process.env.IRON_SANDBOX_BIN || "iron-sandbox";
  const run = spawnSync(bin, ["--probe"], { encoding: "utf8", timeout: 20_000 });
  if (run.error) return { error: `${bin} --probe could not run: ${run.error.message}` };
  try {
    return { result: JSON.parse(run.stdout.trim().split("\n").pop() || "") };
  } catch {
    return { error: `${bin} --probe printed no JSON (exit ${run.status}): ${run.stderr.trim()}` };
  }
}

/** The labels for a probe result; without one the node is marked not ready and the other labels removed (null). */
function labelsFor(outcome) {
  const p = outcome.result;
  if (!p) {
    return { [`${PREFIX}sandbox-ready`]: "false", [`${PREFIX}landlock-abi`]: null, [`${PREFIX}seccomp`]: null, [`${PREFIX}libseccomp`]: null, [`${PREFIX}kernel`]: null };
  }
  return {
    [`${PREFIX}sandbox-ready`]: p.ok === true ? "true" : "false",
    [`${PREFIX}landlock-abi`]: labelValue(p.landlock_abi),
    [`${PREFIX}seccomp`]: p.seccomp === true ? "true" : "false",
    [`${PREFIX}libseccomp`]: labelValue(p.libseccomp),
    [`${PREFIX}kernel`]: labelValue(p.kernel),
  };
}

/** PATCH the node's labels (JSON merge patch: null removes a label). */
function patchNode(node, labels) {
  const api = new URL(process.env.IRON_KUBE_API || `https://${process.env.KUBERNETES_SERVICE_HOST}:${process.env.KUBERNETES_SERVICE_PORT}`);
  const token = readFileSync(process.env.IRON_KUBE_TOKEN_FILE || `${SERVICE_ACCOUNT}/token`, "utf8").trim();
  const body = JSON.stringify({ metadata: { labels } });
  const client = api.protocol === "http:" ? http : https;
  const options = {
    method: "PATCH",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/merge-patch+json", "content-length": Buffer.byteLength(body) },
    timeout: 15_000,
    ...(api.protocol === "https:" ? { ca: readFileSync(`${SERVICE_ACCOUNT}/ca.crt`) } : {}),
  };
  return new Promise((resolve, reject) => {
    const req = client.request(new URL(`/api/v1/nodes/${encodeURIComponent(node)}`, api), options, (res) => {
      let text = "";
      res.on("data", (chunk) => (text += chunk));
      res.on("end", () => (res.statusCode >= 200 && res.statusCode < 300 ? resolve() : reject(new Error(`PATCH node ${node}: HTTP ${res.statusCode} ${text.slice(0, 300)}`))));
    });
    req.on("timeout", () => req.destroy(new Error(`PATCH node ${node}: no answer in 15 s`)));
    req.on("error", reject);
    req.end(body);
  });
}

async function labelOnce(node) {
  const outcome = probe();
  if (outcome.error) console.error(outcome.error);
  const labels = labelsFor(outcome);
  await patchNode(node, labels);
  console.log(JSON.stringify({ node, labels, probe: outcome.result ?? null }));
}

const mode = process.argv[2] ?? "";
const node = process.env.NODE_NAME;
if (!["", "--print", "--once"].includes(mode)) {
  console.error("usage: node-labeller.mjs [--print | --once]");
  process.exit(2);
}
if (mode === "--print") {
  const outcome = probe();
  if (outcome.error) console.error(outcome.error);
  console.log(JSON.stringify({ node: node ?? null, labels: labelsFor(outcome), probe: outcome.result ?? null }));
  process.exit(0);
}
if (!node) {
  console.error("NODE_NAME is not set (the DaemonSet sets it from spec.nodeName)");
  process.exit(2);
}
const interval = Number(process.env.IRON_LABEL_INTERVAL || 600);
for (;;) {
  try {
    await labelOnce(node);
  } catch (err) {
    console.error(err instanceof Error ? err.message : String(err));
    if (mode === "--once") process.exit(1);
  }
  if (mode === "--once") break;
  await new Promise((resolve) => setTimeout(resolve, interval * 1000));
}
