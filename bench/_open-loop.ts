/**
 * The open-loop load of bench/runtime-proxy.ts: requests leave at a fixed rate whatever the answers do (as agents'
 * calls arrive), each timed to its first body byte and to its last. CPU is read per process from /proc.
 */
import { readdirSync, readFileSync } from "node:fs";
import { Pool } from "undici";

export interface Sample {
  /** Milliseconds from send to the first byte of the body, and to the last. */
  firstByte: number[];
  lastByte: number[];
  errors: number;
}

export function emptySample(): Sample {
  return { firstByte: [], lastByte: [], errors: 0 };
}

/** Headers of every call: JSON, and a key as an agent's client sends one (the runtime forwards it when it holds none). */
const CALL_HEADERS = { "content-type": "application/json", authorization: "Bearer sk-bench" };

/** Sends `rate` POSTs per second for `seconds` to `origin` + `path` and adds each one's timings to `into`. */
export async function openLoop(origin: string, path: string, body: string, rate: number, seconds: number, into: Sample, headers: Record<string, string> = CALL_HEADERS): Promise<void> {
  const pool = new Pool(origin, { connections: 128, keepAliveTimeout: 30_000 });
  const total = Math.round(rate * seconds);
  const inflight: Promise<void>[] = [];
  const start = performance.now();
  let sent = 0;
  while (sent < total) {
    const due = Math.min(total, Math.floor(((performance.now() - start) / 1000) * rate));
    for (; sent < due; sent++) inflight.push(oneCall(pool, path, body, headers, into));
    await new Promise((r) => setTimeout(r, 1));
  }
  await Promise.all(inflight);
  await pool.close();
}

async function oneCall(pool: Pool, path: string, body: string, headers: Record<string, string>, into: Sample): Promise<void> {
  const t0 = performance.now();
  try {
    const res = await pool.request({ path, method: "POST", headers, body });
    let first = -1;
    for await (const chunk of res.body) {
      if (first < 0 && (chunk as Buffer).length > 0) first = performance.now() - t0;
    }
    if (res.statusCode !== 200) into.errors += 1;
    const last = performance.now() - t0;
    into.firstByte.push(first < 0 ? last : first);
    into.lastByte.push(last);
  } catch {
    into.errors += 1;
  }
}

export function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

/** CPU time (user + system) the processes have used so far, in ms, from /proc (Linux; 10 ms resolution). */
export function cpuMs(pids: (number | undefined)[]): number {
  let total = 0;
  for (const pid of pids) {
    try {
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
      total += ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
    } catch {
      return NaN;
    }
  }
  return total;
}

/**
 * CPU time the live threads of a process have run so far, in ms, from each thread's schedstat (ns): precise where
 * cpuMs counts in 10-ms steps, for the small figures of an idle process. Threads that have ended are not in it.
 */
export function threadCpuMs(pid: number | undefined): number {
  let ns = 0;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8").split(" ")[0]);
  } catch {
    return NaN;
  }
  return ns / 1e6;
}
