import { randomUUID } from "node:crypto";
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

/** The panel's answer to `POST /api/tokens` for the budget the request asked for (a CLI's token generate). */
export const tokenCreated = (request: ArrivedRequest): Answer => {
  const { budget_micros } = JSON.parse(request.body) as { budget_micros: number };
  return { status: 201, body: { id: randomUUID(), token: "header.payload.signature", agent_id: "agent-1", name: null, budget_micros, expires_at: null } };
};

/** A panel error answer: `{ error: { code, message } }` with `status`. */
export const panelError = (status: number, code: string, message: string, headers?: Record<string, string>): Answer => ({ status, headers, body: { error: { code, message } } });
