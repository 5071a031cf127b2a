/**
 * The runtime reads a request's model and limits without parsing its prompt (issue 19): the scan must give exactly
 * the shape a parse of the whole body gives, for any request object in any layout, and refuse what is not an object.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import type { Endpoint } from "../../../services/agent-runtime/src/endpoints.js";
import { BadRequestError, readRequestShape, readRequestShapeByFullParse } from "../../../services/agent-runtime/src/request-shape.js";
import { parseValue } from "../../../services/agent-runtime/src/json-scan.js";

const ENDPOINTS: Endpoint[] = ["chat.completions", "responses", "embeddings", "messages"];
/** Keys the runtime reads, and look-alikes a scanner could confuse with them. */
const key = fc.constantFrom("model", "stream", "n", "prediction", "stream_options", "max_tokens", "max_completion_tokens", "max_output_tokens", "Model", "max_tokens ", '"model"', "model\\", "messages");
const limit = fc.oneof(fc.integer({ min: -5, max: 100_000 }), fc.constant(null), fc.double(), fc.string());
const member = fc.oneof(
  limit,
  fc.boolean(),
  fc.constantFrom("gpt-4o-mini", "claude-sonnet-4", 'gpt-"4"', "gpt\\4", "", "x".repeat(201)),
  fc.record({ include_usage: fc.boolean() }, { requiredKeys: [] }),
  fc.dictionary(key, fc.jsonValue()),
  fc.jsonValue(),
);
const messages = fc.array(fc.record({ role: fc.constantFrom("user", "system"), content: fc.oneof(fc.string(), fc.dictionary(key, fc.jsonValue())) }), { maxLength: 4 });
/** Members in order, repeats allowed (a parse keeps the last), some keys written with \u escapes. */
const entries = fc.array(fc.tuple(key, member, fc.boolean()), { maxLength: 10 });
const model = fc.constantFrom("gpt-4o-mini", "claude-sonnet-4", "text-embedding-3-small");
const escaped = (k: string) => `"${[...k].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`).join("")}"`;
const spaces = ["", " ", "\n  ", "\t"];

function requestText(list: [string, unknown, boolean][], gap: string): string {
  return `${gap}{${gap}${list.map(([k, v, esc]) => `${esc ? escaped(k) : JSON.stringify(k)}${gap}:${gap}${JSON.stringify(v)}`).join(`,${gap}`)}${gap}}${gap}`;
}

const READ_KEYS = ["model", "stream", "n", "prediction", "stream_options", "max_completion_tokens", "max_tokens", "max_output_tokens"];

/** Whether a member the runtime reads comes twice, or in another letter case: parsers disagree there, so it is refused. */
function repeatsAMember(keys: string[]): boolean {
  return READ_KEYS.some((r) => keys.filter((k) => k.toLowerCase() === r).length > 1) || keys.some((k) => k !== k.toLowerCase() && READ_KEYS.includes(k.toLowerCase()));
}

/** The shape, or the error's message: both paths must agree on either. */
function outcome(read: () => unknown): unknown {
  try {
    return read();
  } catch (err) {
    if (err instanceof BadRequestError) return { refused: true };
    throw err;
  }
}

describe("reading a request's shape by scanning it", () => {
  it("gives what parsing the whole body gives, for any request object and layout", () => {
    fc.assert(
      fc.property(entries, messages, model, fc.nat(3), fc.nat(3), fc.boolean(), (list, msgs, m, gap, endpoint, withModel) => {
        const all: [string, unknown, boolean][] = [["messages", msgs, false], ...list, ...(withModel ? [["model", m, gap === 1] as [string, unknown, boolean]] : [])];
        const raw = Buffer.from(requestText(all, spaces[gap]!));
        const route = ENDPOINTS[endpoint]!;
        const expected = repeatsAMember(all.map(([k]) => k)) ? { refused: true } : outcome(() => readRequestShapeByFullParse(route, raw));
        expect(outcome(() => readRequestShape(route, raw))).toEqual(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it("decodes escaped keys as a parse does, and refuses a member it reads given twice or in another case", () => {
    const raw = Buffer.from('{"model":"a","messages":[{"content":"\\"max_tokens\\": 1"}],"max_tokens":900,"mod\\u0065l_x":1}');
    expect(readRequestShape("chat.completions", raw)).toEqual(readRequestShapeByFullParse("chat.completions", raw));
    expect(readRequestShape("chat.completions", Buffer.from('{"m\\u006fdel":"gpt-4o","max_tokens":9}'))).toMatchObject({ model: "gpt-4o", outputLimit: 9 });
    for (const repeated of ['{"model":"a","max_tokens":5,"max_tokens":900}', '{"model":"a","m\\u006fdel":"b"}', '{"model":"a","MAX_TOKENS":64000,"max_tokens":10}', '{"model":"a","Max_Tok\\u0065ns":1}']) {
      expect(() => readRequestShape("chat.completions", Buffer.from(repeated)), repeated).toThrow("more than once or in another letter case");
    }
  });

  it("refuses a body that is not one JSON object, cut short anywhere or with text after it", () => {
    const text = JSON.stringify({ model: "gpt-4o-mini", max_tokens: 64, messages: [{ role: "user", content: 'say "hi" {[' }] });
    for (let cut = 0; cut < text.length; cut++) expect(() => readRequestShape("chat.completions", Buffer.from(text.slice(0, cut)))).toThrow(BadRequestError);
    for (const bad of [`${text}x`, `[${text}]`, '"model"', "", "null"]) expect(() => readRequestShape("chat.completions", Buffer.from(bad))).toThrow(BadRequestError);
    expect(() => readRequestShape("chat.completions", Buffer.from('{"model":"gpt-4o-mini","max_tokens":NaN}'))).toThrow('"max_tokens" is not valid JSON');
  });

  it("refuses (400, not a crash) a key with a bad escape and JSON nested deeper than the engine reads", () => {
    for (const bad of ['{"model":"gpt-4o-mini","a\\q":1}', '{"model":"gpt-4o-mini","a\\u12":1}']) {
      expect(() => readRequestShape("chat.completions", Buffer.from(bad))).toThrow(BadRequestError);
    }
    const deep = `{"model":"gpt-4o-mini","prediction":${"[".repeat(20_000)}${"]".repeat(20_000)}}`;
    expect(() => readRequestShape("chat.completions", Buffer.from(deep))).toThrow("nested too deeply");
  });

  it("reserves the model's maximum when a limit is set but is not a whole number of tokens (a lax upstream may read it)", () => {
    for (const limit of ['"100000"', "1.5", "0", "-3", "true", "[64]"]) {
      expect(readRequestShape("chat.completions", Buffer.from(`{"model":"gpt-4o-mini","max_tokens":10,"max_completion_tokens":${limit}}`)).outputLimit).toBeUndefined();
      expect(readRequestShape("messages", Buffer.from(`{"model":"claude-sonnet-4","max_tokens":${limit}}`)).outputLimit).toBeUndefined();
    }
    expect(readRequestShape("chat.completions", Buffer.from('{"model":"gpt-4o-mini","max_tokens":10,"max_completion_tokens":null}')).outputLimit).toBe(10);
  });

  it("reads a member's number as JSON.parse does, and refuses what JSON.parse refuses (leading zeros, signs, long digit runs)", () => {
    const digits = fc.stringMatching(/^[-+]?[0-9]{0,20}(\.[0-9]{0,3})?([eE][-+]?[0-9]{0,3})?$/);
    const numbers = fc.oneof(fc.integer().map(String), fc.maxSafeNat().map(String), fc.double({ noNaN: true, noDefaultInfinity: true }).map((v) => JSON.stringify(v)));
    fc.assert(
      fc.property(fc.oneof(digits, numbers, fc.constantFrom("0", "00", "01", "-0", "1234567890123456", "9".repeat(16), "")), (text) => {
        let expected: unknown;
        try {
          expected = JSON.parse(text);
        } catch {
          expect(() => parseValue(text)).toThrow(SyntaxError);
          return;
        }
        expect(parseValue(text)).toBe(expected);
      }),
      { numRuns: 5000 },
    );
  });
});

