/**
 * Child process for bench/runtime-proxy.ts: the least a Node.js proxy can do — read the request, forward it with
 * undici, relay the answer — with no budget, ledger or pricing. Its overhead over the direct path is the floor any
 * Node proxy pays on this machine; the runtime's overhead is reported against it as well as against the direct path.
 * Prints its URL on stdout. Usage: _bare-forwarder.ts <upstream origin>
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Agent } from "undici";

const origin = process.argv[2]!;
const upstream = new Agent({ keepAliveTimeout: 60_000 });

const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    upstream
      .request({ origin, path: (req.url ?? "/").replace(/^\/openai/, ""), method: "POST", headers: { "content-type": "application/json" }, body: Buffer.concat(chunks) })
      .then(async (answer) => {
        const body = Buffer.from(await answer.body.arrayBuffer());
        res.writeHead(answer.statusCode, { "content-type": "application/json", "content-length": body.length });
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
