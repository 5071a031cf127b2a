import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";

export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** Answer this much later (to keep a client waiting). */
  delayMs?: number;
}

export interface ArrivedRequest {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
  /** performance.now() when the request arrived. */
  at: number;
}

export interface ScriptedServer {
  url: string;
  requests: ArrivedRequest[];
  close(): Promise<void>;
}

/**
 * A local HTTP peer on 127.0.0.1 that answers the n-th request (0-based) with `answer(request, n)` and records when
 * each arrived, to observe a client's retries and backoff.
 */
export async function startScriptedServer(answer: (request: ArrivedRequest, n: number) => Answer): Promise<ScriptedServer> {
  const requests: ArrivedRequest[] = [];
  const server = createServer((req, res) => {
    const at = performance.now();
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      const request = { method: req.method ?? "", path: req.url ?? "", headers: req.headers, body, at };
      requests.push(request);
      const { status, headers, body: out, delayMs = 0 } = answer(request, requests.length - 1);
      setTimeout(() => {
        res.writeHead(status, { "content-type": "application/json", ...headers });
        res.end(out === undefined ? "" : JSON.stringify(out));
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
