import { execFileSync } from "node:child_process";
import { startProcess, waitFor, type RunningProcess } from "./processes.js";
import { freePort } from "./ports.js";
import { Socket } from "node:net";

export interface RedisServer {
  url: string;
  stop(): Promise<void>;
}

/** True when a Redis is available to tests: `REDIS_URL` is set or `redis-server` is on PATH. */
export function redisAvailable(): boolean {
  if (process.env.REDIS_URL) return true;
  try {
    execFileSync("redis-server", ["--version"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** `REDIS_URL` when set, else a throwaway `redis-server` on a free 127.0.0.1 port (no persistence). */
export async function startRedis(): Promise<RedisServer> {
  if (process.env.REDIS_URL) return { url: process.env.REDIS_URL, stop: async () => undefined };
  const port = await freePort();
  const proc: RunningProcess = startProcess("redis-server", [
    "--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--protected-mode", "yes",
  ]);
  await waitFor(`redis-server on port ${port}`, () => ping(port));
  return { url: `redis://127.0.0.1:${port}`, stop: async () => void (await proc.stop()) };
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.setTimeout(2000, () => {
      socket.destroy();
      resolve(false);
    });
    socket.once("error", () => resolve(false));
    socket.connect(port, "127.0.0.1", () => socket.write("PING\r\n"));
    socket.once("data", (data) => {
      socket.destroy();
      resolve(data.toString().startsWith("+PONG"));
    });
  });
}
