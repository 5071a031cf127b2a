import { createServer } from "node:net";

/** Resolves when `port` can be listened on at `host`; otherwise throws an error naming the flag to change. */
export async function assertPortFree(host: string, port: number, what: string, flag: string): Promise<void> {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once("error", (err: NodeJS.ErrnoException) => {
      const why = err.code === "EADDRINUSE" ? "is already in use" : `cannot be used (${err.code ?? err.message})`;
      reject(new Error(`port ${port} for the ${what} ${why} on ${host}; stop what holds it or choose another with ${flag}`));
    });
    server.listen(port, host, () => server.close(() => resolve()));
  });
}

/** A free port on 127.0.0.1, from the kernel. */
export function anyFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}
