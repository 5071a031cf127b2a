import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { randomUUID } from "node:crypto";
import { API_KEY_PREFIX, ErrorBody, TokenView } from "@iron/protocol";
import { ADMIN_EMAIL, ADMIN_PASSWORD, event, startPanel, type Panel } from "./helpers.js";

let p: Panel;
beforeAll(async () => {
  p = await startPanel();
});
afterAll(async () => p?.close());

type Method = "GET" | "POST" | "PATCH" | "DELETE";
async function call(method: Method, url: string, credential?: string, payload?: unknown) {
  const res = await p.app.inject({ method, url, headers: credential ? p.auth(credential) : {}, ...(payload === undefined ? {} : { payload: payload as object }) });
  return { status: res.statusCode, body: res.body ? (res.json() as Record<string, unknown>) : {}, headers: res.headers };
}
function expectError(res: { status: number; body: unknown }, status: number, code: string) {
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  const parsed = ErrorBody.parse(res.body);
  expect(parsed.error.code).toBe(code);
  expect(parsed.error.message.length).toBeGreaterThan(5);
}

describe("health, version, JWKS", () => {
  it("answers /healthz, /readyz, /version", async () => {
    expect((await call("GET", "/healthz")).body).toEqual({ status: "ok" });
    const ready = await call("GET", "/readyz");
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe("ready");
    const version = await call("GET", "/version");
    expect(version.body).toMatchObject({ name: "@iron/control-panel", version: "0.1.0", schema_version: 4 });
  });

  it("publishes one Ed25519 key with a kid", async () => {
    const jwks = await call("GET", "/.well-known/jwks.json");
    const keys = jwks.body.keys as { kty: string; crv: string; kid: string; alg: string; d?: string }[];
    expect(keys).toHaveLength(1);
    expect(keys[0]).toMatchObject({ kty: "OKP", crv: "Ed25519", alg: "EdDSA", use: "sig" });
    expect(keys[0]!.kid).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(keys[0]!.d).toBeUndefined();
  });

  it("sends security headers and no CORS headers for unlisted origins", async () => {
    const res = await p.app.inject({ method: "GET", url: "/healthz", headers: { origin: "https://evil.example" } });
    expect(res.headers["x-content-type-options"]).toBe("nosniff");
    expect(res.headers["content-security-policy"]).toBe("default-src 'none';frame-ancestors 'none'");
    expect(res.headers["x-frame-options"]).toBe("DENY");
    expect(res.headers["strict-transport-security"]).toContain("max-age=");
    expect(res.headers["x-powered-by"]).toBeUndefined();
    expect(res.headers["access-control-allow-origin"]).toBeUndefined();
  });

  it("answers unknown routes with the error shape", async () => {
    expectError(await call("GET", "/api/nope"), 404, "not_found");
  });
});

describe("login and API keys", () => {
  it("logs in and returns a short-lived access token", async () => {
    const res = await call("POST", "/api/auth/login", undefined, { email: ADMIN_EMAIL.toUpperCase(), password: ADMIN_PASSWORD });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ token_type: "Bearer", expires_in: 900 });
    const me = await call("GET", "/api/auth/me", res.body.access_token as string);
    expect(me.body).toMatchObject({ user: { email: ADMIN_EMAIL, role: "admin" }, credential: "access_token" });
  });

  it("refuses a wrong password or an unknown email with the same 401", async () => {
    const a = await call("POST", "/api/auth/login", undefined, { email: ADMIN_EMAIL, password: "wrong password" });
    const b = await call("POST", "/api/auth/login", undefined, { email: "nobody@example.com", password: "wrong password" });
    expectError(a, 401, "unauthorized");
    expect(b.body).toEqual(a.body);
  });

  it("rejects login bodies that break the schema", async () => {
    expectError(await call("POST", "/api/auth/login", undefined, { email: "not-an-email", password: "x" }), 400, "validation_failed");
    expectError(await call("POST", "/api/auth/login", undefined, { email: ADMIN_EMAIL }), 400, "validation_failed");
  });

  it("creates an API key shown once, authenticates with it, lists it without the secret, revokes it", async () => {
    const created = await call("POST", "/api/keys", p.admin, { name: "ci" });
    expect(created.status).toBe(201);
    const key = created.body.key as string;
    expect(key.startsWith(API_KEY_PREFIX)).toBe(true);
    expect(key.length).toBeGreaterThan(40);
    const me = await call("GET", "/api/auth/me", key);
    expect(me.body).toMatchObject({ credential: "api_key", user: { email: ADMIN_EMAIL } });
    const list = await call("GET", "/api/keys", key);
    const listed = JSON.stringify(list.body);
    expect(listed).toContain(created.body.id as string);
    expect(listed).not.toContain(key);
    const { rows } = await p.app.ctx.pool.query<{ key_hash: Buffer }>("SELECT key_hash FROM api_keys WHERE id = $1", [created.body.id]);
    expect(rows[0]!.key_hash.toString("utf8")).not.toContain(key.slice(API_KEY_PREFIX.length, 20));
    expect((await call("DELETE", `/api/keys/${created.body.id as string}`, p.admin)).status).toBe(204);
    expectError(await call("GET", "/api/auth/me", key), 401, "unauthorized");
  });

  it("keeps other users' keys out of reach", async () => {
    const u = await p.user("user");
    const created = await call("POST", "/api/keys", p.admin, { name: "admin key" });
    expectError(await call("DELETE", `/api/keys/${created.body.id as string}`, u.token), 404, "not_found");
    expectError(await call("GET", `/api/keys?user_id=${randomUUID()}`, u.token), 403, "forbidden");
    expectError(await call("POST", "/api/keys", p.admin, { name: "" }), 400, "validation_failed");
  });

  it("refuses missing, malformed and forged credentials", async () => {
    expectError(await call("GET", "/api/tokens"), 401, "unauthorized");
    const bad = await p.app.inject({ method: "GET", url: "/api/tokens", headers: { authorization: "Basic abc" } });
    expect(bad.statusCode).toBe(401);
    expectError(await call("GET", "/api/tokens", "iron_sk_doesnotexist"), 401, "unauthorized");
    const [h, , s] = p.admin.split(".");
    const forged = `${h}.${Buffer.from(JSON.stringify({ sub: randomUUID(), kind: "access", role: "admin" })).toString("base64url")}.${s}`;
    expectError(await call("GET", "/api/tokens", forged), 401, "unauthorized");
  });
});

describe("users", () => {
  it("lets an admin create, read, change and disable users; refuses duplicates and removing the last admin", async () => {
    const email = `new-${randomUUID()}@example.com`;
    const created = await call("POST", "/api/users", p.admin, { email, password: "long enough password", role: "viewer" });
    expect(created.status).toBe(201);
    expect(created.body).not.toHaveProperty("password_hash");
    expectError(await call("POST", "/api/users", p.admin, { email, password: "long enough password" }), 409, "conflict");
    const id = created.body.id as string;
    expect((await call("GET", `/api/users/${id}`, p.admin)).body).toMatchObject({ email, role: "viewer" });
    expect((await call("PATCH", `/api/users/${id}`, p.admin, { role: "user" })).body).toMatchObject({ role: "user" });
    expect((await call("GET", "/api/users", p.admin)).body.items).toEqual(expect.arrayContaining([expect.objectContaining({ id })]));
    const token = await p.login(email, "long enough password");
    expect((await call("DELETE", `/api/users/${id}`, p.admin)).status).toBe(204);
    expectError(await call("GET", "/api/auth/me", token), 401, "unauthorized");
    expectError(await call("POST", "/api/auth/login", undefined, { email, password: "long enough password" }), 401, "unauthorized");
    const me = (await call("GET", "/api/auth/me", p.admin)).body.user as { id: string };
    const others = ((await call("GET", "/api/users", p.admin)).body.items as { id: string; role: string; disabled_at: string | null }[]).filter(
      (u) => u.role === "admin" && !u.disabled_at && u.id !== me.id,
    );
    for (const o of others) await call("DELETE", `/api/users/${o.id}`, p.admin);
    expectError(await call("PATCH", `/api/users/${me.id}`, p.admin, { role: "user" }), 409, "conflict");
    expectError(await call("DELETE", `/api/users/${me.id}`, p.admin), 409, "conflict");
    expectError(await call("GET", `/api/users/${randomUUID()}`, p.admin), 404, "not_found");
    expectError(await call("GET", `/api/users/not-a-uuid`, p.admin), 400, "validation_failed");
  });

  it("lets a user change only their own password", async () => {
    const u = await p.user("user");
    expect((await call("PATCH", `/api/users/${u.id}`, u.token, { password: "a brand new password" })).status).toBe(200);
    await expect(p.login(u.email, "a brand new password")).resolves.toBeTypeOf("string");
    expectError(await call("PATCH", `/api/users/${u.id}`, u.token, { role: "admin" }), 403, "forbidden");
    const other = await p.user("viewer");
    expectError(await call("PATCH", `/api/users/${other.id}`, u.token, { password: "another password" }), 403, "forbidden");
    expectError(await call("PATCH", `/api/users/${u.id}`, u.token, { password: "short" }), 400, "validation_failed");
  });
});

describe("authorization matrix", () => {
  it("grants and refuses each role exactly as documented", async () => {
    const owner = await p.user("user");
    const other = await p.user("user");
    const viewer = await p.user("viewer");
    const owned = await p.agentToken(owner.token, 1_000_000);
    const agent = (await p.agentToken(p.admin, 1_000_000)).token;
    const who: Record<string, string | undefined> = { admin: p.admin, owner: owner.token, other: other.token, viewer: viewer.token, agent, anonymous: undefined };
    const patchBody = { add_budget_micros: 1 };
    const cases: [Method, string, unknown, Record<string, number>][] = [
      ["POST", "/api/tokens", { budget_micros: 5 }, { admin: 201, owner: 201, other: 201, viewer: 403, agent: 403, anonymous: 401 }],
      ["GET", "/api/tokens", undefined, { admin: 200, owner: 200, other: 200, viewer: 200, agent: 403, anonymous: 401 }],
      ["GET", `/api/tokens/${owned.id}`, undefined, { admin: 200, owner: 200, other: 404, viewer: 200, agent: 403, anonymous: 401 }],
      ["PATCH", `/api/tokens/${owned.id}`, patchBody, { admin: 200, owner: 200, other: 404, viewer: 403, agent: 403, anonymous: 401 }],
      ["GET", "/api/tokens/self", undefined, { admin: 403, owner: 403, viewer: 403, agent: 200, anonymous: 401 }],
      ["POST", "/api/telemetry", { events: [event({ cost_micros: 0 })] }, { admin: 403, owner: 403, viewer: 403, agent: 202, anonymous: 401 }],
      ["GET", "/api/telemetry", undefined, { admin: 200, owner: 200, viewer: 200, agent: 403, anonymous: 401 }],
      ["GET", "/api/usage", undefined, { admin: 200, owner: 200, viewer: 200, agent: 403, anonymous: 401 }],
      ["POST", "/api/users", { email: "x@example.com", password: "password123" }, { owner: 403, viewer: 403, agent: 403, anonymous: 401 }],
      ["GET", "/api/users", undefined, { admin: 200, owner: 403, viewer: 403, agent: 403, anonymous: 401 }],
      ["GET", `/api/users/${owner.id}`, undefined, { admin: 200, owner: 200, other: 403, viewer: 403, agent: 403 }],
      ["POST", "/api/keys", { name: "k" }, { admin: 201, owner: 201, viewer: 201, agent: 403, anonymous: 401 }],
      ["GET", "/api/keys", undefined, { admin: 200, viewer: 200, agent: 403, anonymous: 401 }],
      ["GET", "/api/auth/me", undefined, { admin: 200, viewer: 200, agent: 403, anonymous: 401 }],
      ["DELETE", `/api/tokens/${owned.id}`, undefined, { other: 404, viewer: 403, agent: 403, anonymous: 401, owner: 200 }],
    ];
    const mismatches: string[] = [];
    for (const [method, url, body, expected] of cases) {
      for (const [role, status] of Object.entries(expected)) {
        const res = await call(method, url, who[role], body);
        if (res.status !== status) mismatches.push(`${role} ${method} ${url}: expected ${status}, got ${res.status} ${JSON.stringify(res.body)}`);
      }
    }
    expect(mismatches).toEqual([]);
    // A user sees only their own tokens; a viewer sees everyone's.
    const ownerList = (await call("GET", "/api/tokens?limit=200", owner.token)).body.items as TokenView[];
    expect(ownerList.every((t) => t.owner_id === owner.id)).toBe(true);
    const viewerList = (await call("GET", "/api/tokens?limit=200", viewer.token)).body.items as TokenView[];
    expect(viewerList.some((t) => t.owner_id !== owner.id)).toBe(true);
  });
});

describe("agent tokens", () => {
  it("issues a token, shows it, tops it up, revokes it", async () => {
    const created = await call("POST", "/api/tokens", p.admin, { budget_micros: 100_000_000, name: "nightly", agent_id: "agent-7", expires_in: 3600 });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ budget_micros: 100_000_000, agent_id: "agent-7", name: "nightly" });
    expect(Date.parse(created.body.expires_at as string)).toBeGreaterThan(Date.now() + 3500_000);
    const id = created.body.id as string;
    const shown = TokenView.parse((await call("GET", `/api/tokens/${id}`, p.admin)).body);
    expect(shown).toMatchObject({ status: "active", spent_micros: 0, remaining_micros: 100_000_000 });
    expect(JSON.stringify(shown)).not.toContain(created.body.token as string);
    const topped = await call("PATCH", `/api/tokens/${id}`, p.admin, { add_budget_micros: 5_000_000 });
    expect(topped.body).toMatchObject({ budget_micros: 105_000_000 });
    const set = await call("PATCH", `/api/tokens/${id}`, p.admin, { budget_micros: 7, name: "renamed" });
    expect(set.body).toMatchObject({ budget_micros: 7, name: "renamed" });
    const revoked = await call("DELETE", `/api/tokens/${id}`, p.admin);
    expect(revoked.body).toMatchObject({ status: "revoked" });
    expect((await call("DELETE", `/api/tokens/${id}`, p.admin)).status).toBe(200);
    expectError(await call("PATCH", `/api/tokens/${id}`, p.admin, { add_budget_micros: 1 }), 409, "conflict");
    expectError(await call("GET", `/api/tokens/self`, created.body.token as string), 401, "token_revoked");
    // Its spend still reaches the panel (issue 14): telemetry is taken, and the answer says the token is revoked.
    const late = await call("POST", "/api/telemetry", created.body.token as string, { events: [event({ cost_micros: 3 })] });
    expect(late.status).toBe(202);
    expect(late.body).toMatchObject({ accepted: 1, spent_micros: 3, status: "revoked" });
    // ...for 7 days after the revocation; then it is refused like everything else.
    await p.app.ctx.pool.query("UPDATE agent_tokens SET revoked_at = now() - interval '8 days' WHERE id = $1", [id]);
    expectError(await call("POST", "/api/telemetry", created.body.token as string, { events: [event()] }), 401, "token_revoked");
    expectError(await call("GET", `/api/tokens/${randomUUID()}`, p.admin), 404, "not_found");
  });

  it("answers a retried POST /api/tokens with the same Idempotency-Key with the same token, once", async () => {
    const key = randomUUID();
    const post = (payload: object, idempotencyKey: string) =>
      p.app.inject({ method: "POST", url: "/api/tokens", headers: { ...p.auth(p.admin), "idempotency-key": idempotencyKey }, payload });
    const first = await post({ budget_micros: 3_000_000, agent_id: "retrying-agent" }, key);
    const again = await post({ budget_micros: 3_000_000, agent_id: "retrying-agent" }, key);
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.json().id).toBe(first.json().id);
    const listed = (await call("GET", "/api/tokens?agent_id=retrying-agent", p.admin)).body as { items: unknown[] };
    expect(listed.items).toHaveLength(1);
    const other = await post({ budget_micros: 4_000_000, agent_id: "retrying-agent" }, key);
    expect(other.statusCode).toBe(409);
    expect(other.json().error.message).toContain("different token request");
    expect((await post({ budget_micros: 1 }, "bad key with spaces")).statusCode).toBe(400);
  });

  it("refuses an expired token on every agent call", async () => {
    const t = await p.agentToken(p.admin, 1000, { expires_in: 1 });
    await new Promise((r) => setTimeout(r, 1100));
    const self = await call("GET", "/api/tokens/self", t.token);
    expectError(self, 401, "token_expired");
    // Spend incurred before the expiry is still recorded; the answer says the token expired.
    const late = await call("POST", "/api/telemetry", t.token, { events: [event()] });
    expect(late.status).toBe(202);
    expect(late.body).toMatchObject({ accepted: 1, status: "expired" });
    expect((await call("GET", `/api/tokens/${t.id}`, p.admin)).body.status).toBe("expired");
  });

  it("pages through tokens with a cursor and filters by agent and status", async () => {
    const u = await p.user("user");
    const ids = [];
    for (let i = 0; i < 5; i++) ids.push((await p.agentToken(u.token, 10, { agent_id: `pager-${u.id.slice(0, 8)}` })).id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await call("GET", `/api/tokens?limit=2${cursor ? `&cursor=${cursor}` : ""}`, u.token);
      seen.push(...(res.body.items as TokenView[]).map((t) => t.id));
      cursor = res.body.next_cursor as string | null;
    } while (cursor);
    expect(seen.sort()).toEqual([...ids].sort());
    await call("DELETE", `/api/tokens/${ids[0]!}`, u.token);
    const revoked = await call("GET", `/api/tokens?status=revoked&agent_id=pager-${u.id.slice(0, 8)}`, u.token);
    expect((revoked.body.items as TokenView[]).map((t) => t.id)).toEqual([ids[0]]);
    expectError(await call("GET", "/api/tokens?cursor=garbage", u.token), 400, "validation_failed");
    expectError(await call("GET", "/api/tokens?status=nope", u.token), 400, "validation_failed");
  });

  it("rejects negative, fractional, huge, zero and string budgets and unknown fields with the field named", async () => {
    const bad: [unknown, string][] = [
      [{ budget_micros: -5 }, "budget_micros"],
      [{ budget_micros: 1.5 }, "budget_micros"],
      [{ budget_micros: 0 }, "budget_micros"],
      [{ budget_micros: 1e20 }, "budget_micros"],
      [{ budget_micros: "100" }, "budget_micros"],
      [{ budget_micros: 5, colour: "red" }, "colour"],
      [{ budget_micros: 5, name: "x".repeat(5000) }, "name"],
      [{ budget_micros: 5, agent_id: "has space" }, "agent_id"],
      [{ budget_micros: 5, expires_in: -1 }, "expires_in"],
      [[1, 2, 3], "body"],
    ];
    for (const [body, field] of bad) {
      const res = await call("POST", "/api/tokens", p.admin, body);
      expectError(res, 400, "validation_failed");
      expect((res.body.error as { message: string }).message).toContain(field);
    }
    const patch = await call("PATCH", `/api/tokens/${(await p.agentToken(p.admin, 5)).id}`, p.admin, { add_budget_micros: 1, budget_micros: 2 });
    expectError(patch, 400, "validation_failed");
  });
});

describe("telemetry ingestion", () => {
  it("is idempotent on (token, event_id): re-delivery counts duplicates and spends once", async () => {
    const t = await p.agentToken(p.admin, 10_000);
    const batch = [event({ cost_micros: 1000 }), event({ cost_micros: 2000 })];
    const first = await call("POST", "/api/telemetry", t.token, { events: batch });
    expect(first.status).toBe(202);
    expect(first.body).toEqual({ accepted: 2, duplicates: 0, spent_micros: 3000, remaining_micros: 7000, status: "active" });
    const again = await call("POST", "/api/telemetry", t.token, { events: [...batch, batch[0]!, event({ cost_micros: 500 })] });
    expect(again.body).toEqual({ accepted: 1, duplicates: 3, spent_micros: 3500, remaining_micros: 6500, status: "active" });
    // The same event id under another token is a different event.
    const t2 = await p.agentToken(p.admin, 10_000);
    expect((await call("POST", "/api/telemetry", t2.token, { events: batch })).body).toMatchObject({ accepted: 2, spent_micros: 3000 });
  });

  it("records spend past the budget and reports the token exhausted", async () => {
    const t = await p.agentToken(p.admin, 1000);
    const res = await call("POST", "/api/telemetry", t.token, { events: [event({ cost_micros: 800 }), event({ cost_micros: 700 })] });
    expect(res.body).toEqual({ accepted: 2, duplicates: 0, spent_micros: 1500, remaining_micros: 0, status: "exhausted" });
    expect((await call("GET", "/api/tokens/self", t.token)).body).toMatchObject({ spent_micros: 1500, remaining_micros: 0, status: "exhausted" });
    // An exhausted token may still report what happened.
    expect((await call("POST", "/api/telemetry", t.token, { events: [event({ type: "budget_exceeded", cost_micros: 0 })] })).status).toBe(202);
    const topped = await call("PATCH", `/api/tokens/${t.id}`, p.admin, { add_budget_micros: 1000 });
    expect(topped.body).toMatchObject({ status: "active", remaining_micros: 500 });
  });

  it("names the failing field path of a bad event and stays up", async () => {
    const t = await p.agentToken(p.admin, 1000);
    const cases: [unknown, string][] = [
      [{ events: [event(), { ...event(), cost_micros: -1 }] }, "events.1.cost_micros"],
      [{ events: [{ ...event(), cost_micros: 0.5 }] }, "events.0.cost_micros"],
      [{ events: [{ ...event(), event_id: "nope" }] }, "events.0.event_id"],
      [{ events: [{ ...event(), ts: "yesterday" }] }, "events.0.ts"],
      [{ events: [{ ...event(), type: "mystery" }] }, "events.0.type"],
      [{ events: [{ ...event(), extra: 1 }] }, "events.0"],
      [{ events: [{ ...event(), model: "m".repeat(10_000) }] }, "events.0.model"],
      [{ events: [{ ...event(), attrs: { k: { nested: true } } }] }, "events.0.attrs.k"],
      [{ events: [] }, "events"],
      [{ events: "many" }, "events"],
      [{}, "events"],
    ];
    for (const [body, path] of cases) {
      const res = await call("POST", "/api/telemetry", t.token, body);
      expectError(res, 400, "validation_failed");
      expect((res.body.error as { message: string }).message).toContain(path);
    }
    expect((await call("GET", "/api/tokens/self", t.token)).body).toMatchObject({ spent_micros: 0 });
  });

  it("answers 413 above 1000 events or 1 MiB", async () => {
    const t = await p.agentToken(p.admin, 1000);
    const many = Array.from({ length: 1001 }, () => event({ cost_micros: 0 }));
    expectError(await call("POST", "/api/telemetry", t.token, { events: many }), 413, "payload_too_large");
    const big = [event({ attrs: { pad: "x".repeat(1000) } })];
    const body = JSON.stringify({ events: Array.from({ length: 1000 }, () => big[0]) });
    expect(body.length).toBeGreaterThan(1024 * 1024);
    const res = await p.app.inject({ method: "POST", url: "/api/telemetry", headers: { ...p.auth(t.token), "content-type": "application/json" }, payload: body });
    expect(res.statusCode).toBe(413);
    expect(ErrorBody.parse(res.json()).error.code).toBe("payload_too_large");
    const full = Array.from({ length: 1000 }, () => event({ cost_micros: 1 }));
    expect((await call("POST", "/api/telemetry", t.token, { events: full })).body).toMatchObject({ accepted: 1000, spent_micros: 1000 });
  });
});

describe("malformed requests", () => {
  it("answers malformed JSON, wrong content types and prototype pollution with 4xx, and keeps serving", async () => {
    const send = (payload: string, contentType = "application/json") =>
      p.app.inject({ method: "POST", url: "/api/tokens", headers: { ...p.auth(p.admin), "content-type": contentType }, payload });
    const broken = await send("{\"budget_micros\": ");
    expect(broken.statusCode).toBe(400);
    expect(ErrorBody.parse(broken.json()).error).toMatchObject({ code: "bad_request" });
    expect((await send("budget=5", "application/x-www-form-urlencoded")).statusCode).toBe(415);
    expect((await send('{"__proto__": {"admin": true}, "budget_micros": 5}')).statusCode).toBe(400);
    expect((await send("x".repeat(200 * 1024))).statusCode).toBe(413);
    expect((await send("")).statusCode).toBe(400);
    // Valid JSON that PostgreSQL cannot store in text.
    expectError(await call("POST", "/api/tokens", p.admin, { budget_micros: 5, name: "nul\u0000byte" }), 400, "bad_request");
    expect((await call("GET", "/healthz")).status).toBe(200);
  });
});

describe("read side", () => {
  it("lists telemetry newest first with filters and a cursor, scoped to what the caller may see", async () => {
    const u = await p.user("user");
    const t = await p.agentToken(u.token, 1_000_000, { agent_id: `reader-${u.id.slice(0, 8)}` });
    const base = Date.parse("2026-03-01T00:00:00Z");
    const events = Array.from({ length: 7 }, (_, i) => event({ ts: new Date(base + i * 3600_000).toISOString(), model: i % 2 ? "a" : "b", cost_micros: 10 }));
    await call("POST", "/api/telemetry", t.token, { events });
    const got: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await call("GET", `/api/telemetry?agent_id=${t.agent_id}&limit=3${cursor ? `&cursor=${cursor}` : ""}`, u.token);
      expect(res.status).toBe(200);
      got.push(...(res.body.items as { event_id: string }[]).map((e) => e.event_id));
      cursor = res.body.next_cursor as string | null;
    } while (cursor);
    expect(got).toEqual([...events].reverse().map((e) => e.event_id));
    const window = await call("GET", `/api/telemetry?token_id=${t.id}&since=${new Date(base + 3600_000).toISOString()}&until=${new Date(base + 3 * 3600_000).toISOString()}&model=a`, u.token);
    expect((window.body.items as { event_id: string }[]).map((e) => e.event_id)).toEqual([events[1]!.event_id]);
    const stranger = await p.user("user");
    expect((await call("GET", `/api/telemetry?agent_id=${t.agent_id}`, stranger.token)).body.items).toEqual([]);
    expectError(await call("GET", "/api/telemetry?since=tomorrow", u.token), 400, "validation_failed");
    expectError(await call("GET", "/api/telemetry?limit=0", u.token), 400, "validation_failed");
    expectError(await call("GET", "/api/telemetry?bogus=1", u.token), 400, "validation_failed");
  });

  it("aggregates usage by agent, model and day", async () => {
    const u = await p.user("user");
    const agentId = `usage-${u.id.slice(0, 8)}`;
    const t = await p.agentToken(u.token, 1_000_000, { agent_id: agentId });
    const day1 = "2026-04-01T10:00:00Z";
    const day2 = "2026-04-02T10:00:00Z";
    await call("POST", "/api/telemetry", t.token, {
      events: [
        event({ ts: day1, provider: "openai", model: "gpt", cost_micros: 100, input_tokens: 1, output_tokens: 2 }),
        event({ ts: day1, provider: "anthropic", model: "claude", cost_micros: 300, input_tokens: 3, output_tokens: 4 }),
        event({ ts: day2, type: "llm_error", provider: "openai", model: "gpt", cost_micros: 0, input_tokens: 0, output_tokens: 0 }),
      ],
    });
    const range = `since=2026-04-01T00:00:00Z&until=2026-04-03T00:00:00Z`;
    const byModel = await call("GET", `/api/usage?group_by=model&${range}`, u.token);
    expect(byModel.body.rows).toEqual([
      { key: "anthropic/claude", events: 1, llm_calls: 1, errors: 0, input_tokens: 3, output_tokens: 4, cost_micros: 300 },
      { key: "openai/gpt", events: 2, llm_calls: 1, errors: 1, input_tokens: 1, output_tokens: 2, cost_micros: 100 },
    ]);
    expect(byModel.body.total).toEqual({ events: 3, llm_calls: 2, errors: 1, input_tokens: 4, output_tokens: 6, cost_micros: 400 });
    const byDay = await call("GET", `/api/usage?group_by=day&${range}`, u.token);
    expect((byDay.body.rows as { key: string; cost_micros: number }[]).map((r) => [r.key, r.cost_micros])).toEqual([["2026-04-01", 400], ["2026-04-02", 0]]);
    const byAgent = await call("GET", `/api/usage?group_by=agent&${range}&agent_id=${agentId}`, p.admin);
    expect(byAgent.body.rows).toEqual([expect.objectContaining({ key: agentId, cost_micros: 400 })]);
    expectError(await call("GET", "/api/usage?group_by=planet", u.token), 400, "validation_failed");
    expectError(await call("GET", `/api/usage?since=2026-04-03T00:00:00Z&until=2026-04-01T00:00:00Z`, u.token), 400, "validation_failed");
  });
});

describe("a caller-supplied logger", () => {
  it("gets request lines without query strings, so ?access_token= never reaches it", async () => {
    const { pino } = await import("pino");
    const { Writable } = await import("node:stream");
    const { buildApp } = await import("@iron/control-panel");
    let out = "";
    const sink = new Writable({ write: (chunk: Buffer, _enc, done) => ((out += chunk.toString()), done()) });
    const app = await buildApp(p.config, { logger: pino(sink) });
    await app.inject({ method: "GET", url: `/api/tokens/self?access_token=${p.admin}` });
    await app.close();
    expect(out).toContain('"path":"/api/tokens/self"');
    expect(out).not.toContain(p.admin);
    expect(out).not.toContain("access_token");
  });
});
