import { createInterface } from "node:readline";
import { Writable } from "node:stream";
import { usageError } from "./errors.js";

/** Asks a question on the terminal; with `hidden`, what is typed is not echoed (passwords). */
export function ask(question: string, hidden = false): Promise<string> {
  if (!process.stdin.isTTY) {
    throw usageError("there is no terminal to ask on", "pass --api-key <key> (or set IRON_API_KEY), or --email <email> --password-stdin with the password on stdin");
  }
  let muted = false;
  const output = new Writable({
    write(chunk: Buffer, _encoding, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  return new Promise((resolve) => {
    rl.question(question, (answer) => {
      rl.close();
      if (hidden) process.stderr.write("\n");
      resolve(answer);
    });
    // The question is written; from here on, echo nothing if hidden.
    muted = hidden;
  });
}

/** All of stdin, without the trailing newline: `--password-stdin`. */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8").replace(/\r?\n$/, "");
}
