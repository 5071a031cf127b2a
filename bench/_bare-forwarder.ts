/**
 * Child process for bench/runtime-proxy.ts: the least a Node.js proxy can do — read the request, forward it with
 * undici, relay the answer — with no budget, ledger or pricing. Its overhead over the direct path is the floor any
 * Node proxy pays on this machine; the runtime's overhead is reported against it as well as against the direct path.
 * Like any HTTP proxy (RFC 9110 §7.6) it passes on the end-to-end headers both ways — without the agent's
 * `authorization` no provider would answer — and drops the hop-by-hop ones.
 * Prints its URL on stdout. Usage: _bare-forwarder.ts <upstream origin>
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Agent } from "undici";

const origin = process.argv[2]!;
const upstream = new Agent({ keepAliveTimeout: 60_000 });

// Its own list, not the runtime's forwardableHeaders: the floor runs none of the code it is the floor for.
const HOP_BY_HOP = new Set(["connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer", "transfer-encoding", "upgrade", "host", "content-length", "expect"]);

function endToEnd(headers: Record<string, string | string[] | undefined>): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const name in headers) {
    const value = headers[name];
    if (value !== undefined && !HOP_BY_HOP.has(name)) out[name] = value;
  }
  return out;
}

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    upstream
      .request({ origin, path: (req.url ?? "/").replace(/^\/openai/, ""), method: "POST", headers: endToEnd(req.headers), body: Buffer.concat(chunks) })
      .then(async (answer) => {
        const body = Buffer.from(await answer.body.arrayBuffer());
        const headers = endToEnd(answer.headers);
        headers["content-length"] = `${body.length}`;
        res.writeHead(answer.statusCode, headers);
        res.end(body);
      })
      .catch(() => {
        res.writeHead(502);
        res.end();
      });
  });
});
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`${JSON.stringify({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })}\n`);
});
process.on("SIGTERM", () => process.exit(0));
