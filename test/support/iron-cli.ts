import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { JWKS_PATH, TOKEN_ISSUER } from "@iron/protocol";
import { waitFor } from "./processes.js";

const REPO = join(dirname(fileURLToPath(import.meta.url)), "../..");
/** The `iron` bin as npm links it at the repository root (it loads the built bundle services/cli/dist/iron.cjs). */
export const IRON_BIN = join(REPO, "node_modules/.bin/iron");

export interface IronResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  /** HOME for the run (so ~/.iron is private to the test); a fresh temp dir when omitted. */
  home?: string;
  env?: Record<string, string>;
  /** Written to stdin, which is then closed. */
  input?: string;
  /** Another executable to run instead of the npm bin (e.g. the single executable). */
  executable?: string;
}

export function tempHome(): string {
  return mkdtempSync(join(tmpdir(), "iron-home-"));
}

/** Runs `iron` as a user would, with a clean environment (no IRON_* variables leak in from the test run). */
export function runIron(args: string[], options: RunOptions = {}): Promise<IronResult> {
  const executable = options.executable ?? IRON_BIN;
  if (!existsSync(executable)) throw new Error(`${executable} is missing: run \`npm ci && npm run build\` at the repository root`);
  const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: options.home ?? tempHome(), NO_COLOR: "1", ...options.env };
  return new Promise((resolve, reject) => {
    const child = spawn(executable, args, { env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(options.input ?? "");
  });
}

/** Parses the JSON document a `--json` run printed, with the run's output in the error when it is not JSON. */
export function jsonOf<T = Record<string, unknown>>(result: IronResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${result.code}):\nstdout: ${result.stdout}\nstderr: ${result.stderr}`);
  }
}

export interface SavedToken {
  id: string;
  token: string;
  api_url: string;
}

/** The entries of `<home>/.iron/tokens`, as either CLI saved them. */
export function savedTokens(home: string): SavedToken[] {
  return (JSON.parse(readFileSync(join(home, ".iron/tokens"), "utf8")) as { tokens: SavedToken[] }).tokens;
}

/** Verifies a token a CLI printed against the panel's JWKS (signature, issuer), returning its claims. */
export function verifyPanelToken(panelUrl: string, token: string) {
  return jwtVerify(token, createRemoteJWKSet(new URL(`${panelUrl}${JWKS_PATH}`)), { issuer: TOKEN_ISSUER });
}

/**
 * Runs `<executable> login` on a real terminal (a pty via util-linux `script`) and answers as a person would: the email
 * once "Email: " is on the screen, then the password once "Password: " is. Returns the exit code and all the terminal showed.
 */
export async function loginOnTerminal(executable: string, options: { home: string; apiUrl: string; email: string; password: string }): Promise<{ code: number | null; screen: string }> {
  const child = spawn("script", ["-qec", `'${executable}' login`, "/dev/null"], {
    env: { PATH: process.env.PATH ?? "", HOME: options.home, TERM: "xterm", NO_COLOR: "1", IRON_API_URL: options.apiUrl },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let screen = "";
  child.stdout.on("data", (chunk: Buffer) => (screen += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on("close", resolve));
  await waitFor("the email question", () => screen.includes("Email: "));
  child.stdin.write(`${options.email}\r`);
  await waitFor("the password question", () => screen.includes("Password: "));
  child.stdin.write(`${options.password}\r`);
  await waitFor("the login to finish", () => screen.includes("Logged in"), 30_000);
  child.stdin.end();
  return { code: await exited, screen };
}
