import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { backoffDelayMs, DEFAULT_RETRY, parseDurationSeconds, parseRetryAfterMs, parseSince, parseUsdToMicros, resolveApiUrl, assertSafeForCredentials } from "@iron/cli";
import { freePort } from "../../support/ports.js";
import { runIron } from "../../support/iron-cli.js";

/** Input is validated before anything is sent: bad flags exit 2 with what is accepted. */

const PACKAGE = JSON.parse(readFileSync(join(import.meta.dirname, "../../../services/cli/package.json"), "utf8")) as { version: string };

/** A closed port: a run that got past validation would exit 3 (unreachable), not 2. */
async function closedPanel(): Promise<Record<string, string>> {
  return { IRON_API_URL: `http://127.0.0.1:${await freePort()}`, IRON_API_KEY: "iron_sk_unused" };
}

describe("bad input exits 2 with a message that says what is accepted", () => {
  it.each([["-5"], ["abc"], ["0"], ["1.1234567"], ["1e3"], [""]])("--budget %j", async (budget) => {
    const run = await runIron(["token", "generate", "--budget", budget], { env: await closedPanel() });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--budget");
    expect(run.stderr).toContain("a positive amount of US dollars with at most 6 decimals");
    expect(run.stdout).toBe("");
  });

  it("unknown flags and commands, and a missing --budget", async () => {
    const unknownFlag = await runIron(["token", "generate", "--budget", "1", "--frobnicate"], { env: await closedPanel() });
    expect(unknownFlag.code).toBe(2);
    expect(unknownFlag.stderr).toContain("unknown option '--frobnicate'");
    expect(unknownFlag.stderr).toContain("--budget <usd>"); // the help that follows lists what is accepted

    const unknownCommand = await runIron(["tokens"], { env: await closedPanel() });
    expect(unknownCommand.code).toBe(2);
    expect(unknownCommand.stderr).toContain("unknown command 'tokens'");

    const missing = await runIron(["token", "generate"], { env: await closedPanel() });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '--budget <usd>' not specified");
  });

  it("other flags and arguments", async () => {
    const env = await closedPanel();
    const cases: [string[], string][] = [
      [["token", "generate", "--budget", "1", "--expires", "30x"], "90m, 12h, 30d or 1y"],
      [["token", "generate", "--budget", "1", "--expires", "6y"], "at most 5y"],
      [["token", "generate", "--budget", "1", "--agent", "has space"], "letters, digits and . _ : @ / -"],
      [["token", "show", "not-a-uuid"], "token ids are UUIDs"],
      [["token", "topup", "not-a-uuid", "--budget", "1"], "token ids are UUIDs"],
      [["token", "list", "--status", "sleeping"], "active, exhausted, revoked, expired"],
      [["usage", "--by", "week"], "agent, model, day"],
      [["usage", "--since", "yesterday"], "a date like 2026-01-31"],
      [["status", "--api-url", "ftp://panel"], "http://localhost:3000"],
      [["login", "--api-key", "sk-wrong"], "keys start with iron_sk_"],
    ];
    for (const [args, accepted] of cases) {
      const run = await runIron(args, { env });
      expect(run.code, `${args.join(" ")}: ${run.stderr}`).toBe(2);
      expect(run.stderr, args.join(" ")).toContain(accepted);
    }
  });

  it("with --json the error is one JSON document on stderr", async () => {
    const run = await runIron(["token", "generate", "--budget", "abc", "--json"], { env: await closedPanel() });
    expect(run.code).toBe(2);
    expect(JSON.parse(run.stderr)).toMatchObject({ error: { code: "usage", exit_code: 2, message: expect.stringContaining("--budget") } });
  });

  it("login without a terminal and without --api-key says how to log in non-interactively", async () => {
    const run = await runIron(["login"], { env: await closedPanel() });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("--api-key");
  });
});

describe("help and version", () => {
  it("--help on every command exits 0 and shows examples", async () => {
    const commands = [[], ["login"], ["logout"], ["whoami"], ["status"], ["token"], ["token", "generate"], ["token", "list"], ["token", "show"], ["token", "revoke"], ["token", "topup"], ["usage"]];
    for (const command of commands) {
      const run = await runIron([...command, "--help"]);
      expect(run.code, command.join(" ")).toBe(0);
      expect(run.stdout, command.join(" ")).toContain("Examples:");
      expect(run.stdout, command.join(" ")).toContain("--json");
    }
  });

  it("`iron help token` is an answer (exit 0); `iron token` without a subcommand is a usage error (exit 2) with the help", async () => {
    const help = await runIron(["help", "token"]);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("generate [options]");
    const missing = await runIron(["token"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("generate [options]");
  });

  it("--version prints the package version", async () => {
    const run = await runIron(["--version"]);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toBe(PACKAGE.version);
  });
});

describe("parsing", () => {
  it("dollars become integer micro-USD exactly, never through a float", () => {
    expect(parseUsdToMicros("100")).toBe(100_000_000);
    expect(parseUsdToMicros("19.99")).toBe(19_990_000);
    expect(parseUsdToMicros("0.29")).toBe(290_000); // 0.29 * 1e6 is 289999.99999999994 in floating point
    expect(parseUsdToMicros("0.000001")).toBe(1);
    expect(parseUsdToMicros("$5")).toBe(5_000_000);
    expect(parseUsdToMicros("9007199254.740991")).toBe(Number.MAX_SAFE_INTEGER);
    for (const bad of ["9007199254.740992", "-1", "1.", ".5", "1,5", "0.0000001", "0.000000", "NaN", "Infinity"]) expect(() => parseUsdToMicros(bad), bad).toThrow(RangeError);
  });

  it("durations and times", () => {
    expect(parseDurationSeconds("30d")).toBe(30 * 86400);
    expect(parseDurationSeconds("90m")).toBe(5400);
    expect(() => parseDurationSeconds("0d")).toThrow(RangeError);
    const now = new Date("2026-02-10T00:00:00Z");
    expect(parseSince("7d", now)).toBe("2026-02-03T00:00:00.000Z");
    expect(parseSince("2026-01-31", now)).toBe("2026-01-31T00:00:00.000Z");
    expect(parseSince("2026-01-31T12:00:00+02:00", now)).toBe("2026-01-31T10:00:00.000Z");
  });

  it("backoff waits grow and Retry-After is read in both forms", () => {
    const base = DEFAULT_RETRY.baseDelayMs;
    expect(backoffDelayMs(1, DEFAULT_RETRY, () => 0)).toBe(base / 2);
    expect(backoffDelayMs(1, DEFAULT_RETRY, () => 0.999999)).toBeLessThan(base);
    expect(backoffDelayMs(2, DEFAULT_RETRY, () => 0)).toBe(base);
    expect(backoffDelayMs(3, DEFAULT_RETRY, () => 0)).toBe(2 * base);
    expect(parseRetryAfterMs("3")).toBe(3000);
    expect(parseRetryAfterMs(new Date(10_000).toUTCString(), 4_000)).toBe(6000);
    expect(parseRetryAfterMs("soon")).toBeUndefined();
  });

  it("the panel URL: --api-url, then IRON_API_URL, then the config file, then the default", () => {
    expect(resolveApiUrl("https://a.example/", "https://b.example", "https://c.example")).toEqual({ url: "https://a.example", source: "--api-url" });
    expect(resolveApiUrl(undefined, "https://b.example", "https://c.example")).toEqual({ url: "https://b.example", source: "IRON_API_URL" });
    expect(resolveApiUrl(undefined, undefined, "https://c.example/base/")).toEqual({ url: "https://c.example/base", source: "config file" });
    expect(resolveApiUrl(undefined, undefined, undefined)).toEqual({ url: "http://localhost:3000", source: "default" });
    for (const ok of ["https://panel.example", "http://localhost:3000", "http://127.0.0.1:9", "http://[::1]:3000", "http://dev.localhost"]) expect(() => assertSafeForCredentials(ok, false), ok).not.toThrow();
    expect(() => assertSafeForCredentials("http://panel.example", false)).toThrow(/plain http/);
    expect(() => assertSafeForCredentials("http://panel.example", true)).not.toThrow();
  });
});
