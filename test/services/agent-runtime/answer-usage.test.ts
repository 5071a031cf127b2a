/**
 * The runtime reads a whole answer's usage without parsing the answer (issue 19): `topLevelMember` must find exactly
 * what JSON.parse would, for any JSON object text, and nothing for a text that is not a whole object.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { mergeAnswerUsage, mergeUsage, type RawUsage } from "../../../services/agent-runtime/src/usage.js";
import { topLevelMember } from "../../../services/agent-runtime/src/json-scan.js";

const usage = fc.record({ prompt_tokens: fc.nat(), completion_tokens: fc.nat(), total_tokens: fc.nat() }, { requiredKeys: [] });
/** Keys that tempt a scanner: the key itself inside strings, escaped, nested, or as a value. */
const trickyKey = fc.constantFrom("usage", "usag", "usage ", "Usage", '"usage"', '\\"usage\\":', "a\"usage\":{", "\\", "x\\");
const member = fc.oneof(fc.jsonValue(), usage, fc.dictionary(trickyKey, fc.jsonValue()), trickyKey);
const answer = fc.dictionary(fc.oneof(trickyKey, fc.string()), member, { maxKeys: 8 });
const layouts = [(v: unknown) => JSON.stringify(v), (v: unknown) => JSON.stringify(v, null, 2), (v: unknown) => ` \n${JSON.stringify(v, null, "\t")}\r\n `];

describe("topLevelMember", () => {
  it("finds the member JSON.parse keeps, in any object and layout", () => {
    fc.assert(
      fc.property(answer, fc.option(usage, { nil: undefined }), fc.nat(2), (obj, extra, layout) => {
        const value: Record<string, unknown> = extra === undefined ? obj : { ...obj, usage: extra };
        const text = layouts[layout]!(value);
        const found = topLevelMember(text, "usage");
        const expected = (JSON.parse(text) as Record<string, unknown>).usage;
        if (!Object.hasOwn(value, "usage")) expect(found).toBeUndefined();
        else expect(JSON.parse(found!)).toEqual(expected);
      }),
      { numRuns: 3000 },
    );
  });

  it("keeps the last of repeated members and decodes escaped keys, as JSON.parse does", () => {
    expect(topLevelMember('{"usage":{"a":1},"x":"\\"usage\\":2","usage":{"a":3}}', "usage")).toBe('{"a":3}');
    expect(topLevelMember('{"us\\u0061ge": {"a": 4}}', "usage")).toBe('{"a": 4}');
    expect(topLevelMember('{"choices":[{"usage":{"a":5}}],"text":"\\\\"}', "usage")).toBeUndefined();
  });

  it("finds nothing in a text that is not one whole object: cut short anywhere, an array, a scalar, trailing text", () => {
    fc.assert(
      fc.property(answer, usage, (obj, u) => {
        const text = JSON.stringify({ ...obj, usage: u });
        for (let cut = 0; cut < text.length; cut++) expect(topLevelMember(text.slice(0, cut), "usage")).toBeUndefined();
        expect(topLevelMember(`${text}x`, "usage")).toBeUndefined();
        expect(topLevelMember(`[${text}]`, "usage")).toBeUndefined();
      }),
      { numRuns: 300 },
    );
    expect(topLevelMember("", "usage")).toBeUndefined();
    expect(topLevelMember("{}", "usage")).toBeUndefined();
    expect(topLevelMember('"usage"', "usage")).toBeUndefined();
  });
});

describe("mergeAnswerUsage", () => {
  it("reads the same counters as parsing the whole answer, for OpenAI, Responses and Anthropic shapes", () => {
    const answers = [
      { id: "c1", choices: [{ message: { content: 'say "usage": {"prompt_tokens": 1}' } }], usage: { prompt_tokens: 12, completion_tokens: 7, prompt_tokens_details: { cached_tokens: 4 } } },
      { id: "r1", output: [{ content: [{ text: "hi" }] }], usage: { input_tokens: 30, output_tokens: 9, input_tokens_details: { cached_tokens: 0 } } },
      { id: "m1", content: [{ text: "hi" }], usage: { input_tokens: 5, output_tokens: 2, cache_creation_input_tokens: 3, cache_read_input_tokens: 1, cache_creation: { ephemeral_1h_input_tokens: 2 } } },
      { id: "n1", usage: null, response: { usage: { input_tokens: 8, output_tokens: 1 } } },
      { error: { message: "no usage here" } },
    ];
    for (const a of answers) {
      const fast: RawUsage = {};
      mergeAnswerUsage(fast, JSON.stringify(a));
      const full: RawUsage = {};
      mergeUsage(full, a);
      expect(fast).toEqual(full);
    }
    const notJson: RawUsage = {};
    mergeAnswerUsage(notJson, "<html>bad gateway</html>");
    expect(notJson).toEqual({});
  });

  it("reads the same counters as a parse of the whole answer, for any usage object", () => {
    /** Counters as providers send them and as they should not: numbers of all kinds, strings, nulls, nested objects. */
    const count = fc.oneof(fc.nat(), fc.integer({ min: -3, max: 3 }), fc.double({ noNaN: true }), fc.constant(null), fc.string(), fc.jsonValue());
    const counterKey = fc.constantFrom("prompt_tokens", "completion_tokens", "input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens", "total_tokens", "tokens");
    const details = fc.oneof(fc.record({ cached_tokens: count, audio_tokens: count }, { requiredKeys: [] }), fc.constant(null), count);
    const usageObject = fc.tuple(
      fc.dictionary(counterKey, count),
      fc.record({ prompt_tokens_details: details, input_tokens_details: details, cache_creation: fc.oneof(details, fc.record({ ephemeral_1h_input_tokens: count, ephemeral_5m_input_tokens: count }, { requiredKeys: [] })) }, { requiredKeys: [] }),
    );
    fc.assert(
      fc.property(usageObject, fc.nat(2), ([counters, nestedParts], layout) => {
        const a = { id: "x", choices: [{ message: { content: '"usage": {"prompt_tokens": 99}' } }], usage: { ...counters, ...nestedParts } };
        const text = layouts[layout]!(a);
        const fast: RawUsage = {};
        mergeAnswerUsage(fast, text);
        const full: RawUsage = {};
        mergeUsage(full, JSON.parse(text));
        expect(fast).toEqual(full);
      }),
      { numRuns: 2000 },
    );
  });
});

