/**
 * Regression tests for the adversarial sweep of issue 14 (defects 1 and 2): one agent token must not be able to push a
 * stored total past 2^53 - 1 and break the token list, /api/tokens/self or /api/usage for every admin.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_EVENT_COST_MICROS, MAX_EVENT_TOKENS, MAX_EVENTS_PER_BATCH, MAX_MICROS, type TelemetryEvent } from "@iron/protocol";
import { event, startPanel, type Panel } from "./helpers.js";

let p: Panel;
beforeAll(async () => {
  p = await startPanel({ IRON_RATE_LIMIT_MAX: "100000" });
});
afterAll(async () => p?.close());

async function post(token: string, events: TelemetryEvent[]) {
  const res = await p.app.inject({ method: "POST", url: "/api/telemetry", headers: p.auth(token), payload: { events } });
  return { status: res.statusCode, body: res.json() as Record<string, unknown> & { error?: { code: string; message: string } } };
}
const get = async (url: string, credential = p.admin) => {
  const res = await p.app.inject({ method: "GET", url, headers: p.auth(credential) });
  return { status: res.statusCode, text: res.body };
};
const fullBatch = (cost: number) => Array.from({ length: MAX_EVENTS_PER_BATCH }, () => event({ cost_micros: cost }));

/** Posts full batches of the most expensive events the contract allows until the token's spend is within one batch of 2^53 - 1. */
async function spendNearMax(token: string): Promise<number> {
  let spent = 0;
  while (spent + MAX_EVENTS_PER_BATCH * MAX_EVENT_COST_MICROS <= MAX_MICROS) {
    const res = await post(token, fullBatch(MAX_EVENT_COST_MICROS));
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    spent = res.body.spent_micros as number;
  }
  return spent;
}

/** Every read that broke in the sweep answers 200 with this token's spend. */
async function expectReadable(t: { id: string; token: string }, spent: number, status = "exhausted") {
  expect((await get(`/api/tokens/self`, t.token)).text).toContain(`"spent_micros":${spent}`);
  const one = await get(`/api/tokens/${t.id}`);
  expect(one.status, one.text).toBe(200);
  expect(JSON.parse(one.text)).toMatchObject({ spent_micros: spent, status });
  const list = await get(`/api/tokens?limit=200`);
  expect(list.status, list.text).toBe(200);
  for (const groupBy of ["agent", "model", "day"]) expect((await get(`/api/usage?group_by=${groupBy}`)).status).toBe(200);
}

describe("money and token bounds at the wire contract", () => {
  it("refuses one event costing 2^53 - 1 (the sweep's first step) with a 400 naming the field", async () => {
    const t = await p.agentToken(p.admin, 1_000_000);
    const res = await post(t.token, [event({ cost_micros: Number.MAX_SAFE_INTEGER })]);
    expect(res.status).toBe(400);
    expect(res.body.error?.code).toBe("validation_failed");
    expect(res.body.error?.message).toContain(`events.0.cost_micros must be at most ${MAX_EVENT_COST_MICROS}`);
    for (const field of ["input_tokens", "output_tokens"] as const) {
      const r = await post(t.token, [event({ [field]: MAX_EVENT_TOKENS + 1 })]);
      expect(r.status).toBe(400);
      expect(r.body.error?.message).toContain(`events.0.${field}`);
    }
    expect((await post(t.token, [event({ input_tokens: MAX_EVENT_TOKENS, output_tokens: MAX_EVENT_TOKENS })])).status).toBe(202);
    await expectReadable(t, 1234, "active");
  });

  it("refuses the batch that would take a token's running total past 2^53 - 1 with a clear 400; every read keeps working", async () => {
    const t = await p.agentToken(p.admin, 1_000_000);
    const spent = await spendNearMax(t.token);
    const over = Math.ceil((MAX_MICROS - spent) / MAX_EVENT_COST_MICROS) + 1;
    const res = await post(t.token, Array.from({ length: over }, () => event({ cost_micros: MAX_EVENT_COST_MICROS })));
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body.error?.message).toContain("past 9007199254740991 micros");
    expect(res.body.error?.message).toContain("nothing in it was recorded");
    // What still fits is accepted, up to exactly 2^53 - 1.
    const rest = MAX_MICROS - spent;
    const last = await post(t.token, [event({ cost_micros: rest % MAX_EVENT_COST_MICROS }), ...Array.from({ length: Math.floor(rest / MAX_EVENT_COST_MICROS) }, () => event({ cost_micros: MAX_EVENT_COST_MICROS }))]);
    expect(last.status, JSON.stringify(last.body)).toBe(202);
    expect(last.body.spent_micros).toBe(MAX_MICROS);
    expect((await post(t.token, [event({ cost_micros: 1 })])).status).toBe(400);
    await expectReadable(t, MAX_MICROS);
  });

  it("answers /api/usage exactly when sums over several tokens pass 2^53 - 1", async () => {
    const agent = "usage-overflow";
    let expected = 0n;
    for (let i = 0; i < 3; i++) {
      const t = await p.agentToken(p.admin, 1_000_000, { agent_id: agent });
      expected += BigInt(await spendNearMax(t.token));
    }
    expect(expected > BigInt(MAX_MICROS)).toBe(true);
    for (const groupBy of ["agent", "model", "day"]) {
      const res = await get(`/api/usage?group_by=${groupBy}&agent_id=${agent}`);
      expect(res.status, res.text).toBe(200);
      // Read the digits as sent: JSON.parse would round them through a double.
      const costs = [...res.text.matchAll(/"cost_micros"\s*:\s*(\d+)/g)].map((m) => BigInt(m[1]!));
      expect(costs).toEqual([expected, expected]); // the one row and the total
      expect(JSON.parse(res.text)).toMatchObject({ group_by: groupBy, total: { events: 3 * 9 * MAX_EVENTS_PER_BATCH } });
    }
    // A user sees only their own tokens: still 200.
    const u = await p.user("user");
    expect((await get(`/api/usage`, u.token)).status).toBe(200);
  });
});
