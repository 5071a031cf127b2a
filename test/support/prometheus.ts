/**
 * Reads Prometheus text exposition with the Prometheus project's own parser (the official Python client,
 * prometheus_client.parser, from PyPI), so tests check what a Prometheus server would ingest, not what a regex
 * happens to match. The client is installed once into the test cache (test-cache.ts), keyed by version.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { COMPLETE_MARKER, run, testCacheRoot, underCacheLock } from "./test-cache.js";

const CLIENT_VERSION = "0.26.0";
const PYTHON = process.env.IRON_TEST_PYTHON ?? "/usr/bin/python3";

export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}
export interface PromFamily {
  name: string;
  type: string;
  help: string;
  samples: PromSample[];
}

let installed: Promise<string> | undefined;
function clientPath(): Promise<string> {
  installed ??= (async () => {
    const dir = join(testCacheRoot, `python/prometheus-client-${CLIENT_VERSION}`);
    if (existsSync(join(dir, COMPLETE_MARKER))) return dir;
    await underCacheLock(`prometheus-client-${CLIENT_VERSION}`, `
      set -eu
      if [ -e '${dir}/${COMPLETE_MARKER}' ]; then exit 0; fi
      rm -rf '${dir}.partial'
      ${PYTHON} -m pip install --quiet --disable-pip-version-check --no-deps --target '${dir}.partial' prometheus-client==${CLIENT_VERSION}
      touch '${dir}.partial/${COMPLETE_MARKER}' && rm -rf '${dir}' && mv '${dir}.partial' '${dir}'
    `);
    return dir;
  })();
  return installed;
}

const PARSE = `
import json, sys
from prometheus_client.parser import text_string_to_metric_families
out = [{"name": f.name, "type": f.type, "help": f.documentation,
        "samples": [{"name": s.name, "labels": s.labels, "value": s.value} for s in f.samples]}
       for f in text_string_to_metric_families(sys.stdin.read())]
json.dump(out, sys.stdout)
`;

/** Parses exposition text; a malformed line throws (as Prometheus would refuse the scrape). */
export async function parseExposition(text: string): Promise<PromFamily[]> {
  const path = await clientPath();
  const parsed = await run(PYTHON, ["-c", PARSE], { ...process.env, PYTHONPATH: path }, text);
  if (parsed.status !== 0) throw new Error(`the Prometheus parser refused the text (${parsed.status}):\n${parsed.output.slice(-2000)}`);
  return JSON.parse(parsed.output) as PromFamily[];
}

const matches = (s: PromSample, match: Record<string, string>) => Object.entries(match).every(([k, v]) => s.labels[k] === v);

export class Scrape {
  constructor(readonly text: string, readonly families: Map<string, PromFamily>) {}

  /** A family by the name it is exposed under (the parser names a counter's family without `_total`). */
  family(name: string): PromFamily {
    const f = this.families.get(name) ?? this.families.get(name.replace(/_total$/, ""));
    if (!f) throw new Error(`no metric ${name} in the scrape; it has ${[...this.families.keys()].join(", ")}`);
    return f;
  }

  /** The sum of a counter's or gauge's samples (not a counter's `_created`) whose labels include `match`. */
  value(family: string, match: Record<string, string> = {}): number {
    const f = this.family(family);
    const sampleName = f.type === "counter" ? `${f.name}_total` : f.name;
    return f.samples.filter((s) => s.name === sampleName && matches(s, match)).reduce((sum, s) => sum + s.value, 0);
  }

  /** A histogram's total observation count over samples whose labels include `match`. */
  count(family: string, match: Record<string, string> = {}): number {
    return this.family(family).samples.filter((s) => s.name === `${family}_count` && matches(s, match)).reduce((sum, s) => sum + s.value, 0);
  }

  /** The label sets of a family's main samples. */
  labelSets(family: string): Record<string, string>[] {
    const f = this.family(family);
    const sampleName = f.type === "counter" ? `${f.name}_total` : f.type === "histogram" ? `${f.name}_count` : f.name;
    return f.samples.filter((s) => s.name === sampleName).map((s) => s.labels);
  }
}

/** GETs a /metrics URL, checks it is Prometheus text format, and parses it. */
export async function scrape(url: string, headers: Record<string, string> = {}): Promise<Scrape> {
  const res = await fetch(url, { headers });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${text}`);
  if (!/^text\/plain; version=0\.0\.4/.test(res.headers.get("content-type") ?? "")) throw new Error(`GET ${url}: content-type ${res.headers.get("content-type")}`);
  return new Scrape(text, new Map((await parseExposition(text)).map((f) => [f.name, f])));
}
