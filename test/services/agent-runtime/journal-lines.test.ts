/** The call journal builds its lines without JSON.stringify of whole arrays (issue 19): its strings must be exactly JSON's. */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { jsonString } from "../../../services/agent-runtime/src/state/journal.js";

describe("the journal's JSON strings", () => {
  it("equal JSON.stringify for any string: ids, names, quotes, escapes, control and non-ASCII characters", () => {
    const tricky = fc.constantFrom('gpt-"4"', "a\\b", "line\nbreak", "tab\t", "\u0000", "\u2028", "ü", "😀", "\ud800", "</script>", "");
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: "binary" }), fc.uuid(), tricky), (value) => {
        expect(jsonString(value)).toBe(JSON.stringify(value));
      }),
      { numRuns: 5000 },
    );
  });

});
