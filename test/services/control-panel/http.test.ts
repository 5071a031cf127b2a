import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPublicKey, verify as cryptoVerify, randomInt } from "node:crypto";
import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from "jose";
import pg from "pg";
import { AgentTokenClaims, TOKEN_ISSUER, type TelemetryEvent } from "@iron/protocol";
import { TELEMETRY_CHANNEL } from "../../../services/control-panel/src/event-bus.js";
import { event, openEventStream, startPanel, type Panel } from "./helpers.js";

let p: Panel;
let base: string;
beforeAll(async () => {
  p = await startPanel({ IRON_PUBLIC_URL: "https://panel.example.com", IRON_CORS_ORIGINS: "https://dash.example.com" });
  base = await p.app.listen({ host: "127.0.0.1", port: 0 });
  p.app.ctx.bus.start();
});
afterAll(async () => p?.close());

const post = (url: string, credential: string, body: unknown) =>
  fetch(`${base}${url}`, { method: "POST", headers: { authorization: `Bearer ${credential}`, "content-type": "application/json" }, body: JSON.stringify(body) });

describe("over real HTTP", () => {
  it("allows CORS only from the configured origins", async () => {
    const preflight = (origin: string) =>
      fetch(`${base}/api/tokens`, { method: "OPTIONS", headers: { origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization,content-type" } });
    const allowed = await preflight("https://dash.example.com");
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://dash.example.com");
    expect(allowed.headers.get("access-control-allow-headers")?.toLowerCase()).toContain("authorization");
    const refused = await preflight("https://evil.example.com");
    expect(refused.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("keeps spent_micros exactly equal to the de-duplicated sum under 200 concurrent posts to one token", async () => {
    const t = await p.agentToken(p.admin, 50_000_000);
    const pool: TelemetryEvent[] = Array.from({ length: 600 }, () => event({ cost_micros: randomInt(1, 100_000) }));
    // Every post carries 5 events drawn from a shared pool, so posts overlap and race on the same event ids.
    const batches = Array.from({ length: 200 }, () => Array.from({ length: 5 }, () => pool[randomInt(pool.length)]!));
    const responses = await Promise.all(batches.map((events) => post("/api/telemetry", t.token, { events })));
    const bodies = await Promise.all(responses.map((r) => r.json() as Promise<{ accepted: number; duplicates: number }>));
    expect(responses.map((r) => r.status).filter((s) => s !== 202)).toEqual([]);
    const distinct = new Map(batches.flat().map((e) => [e.event_id, e.cost_micros]));
    const expected = [...distinct.values()].reduce((a, b) => a + b, 0);
    expect(bodies.reduce((a, b) => a + b.accepted, 0)).toBe(distinct.size);
    expect(bodies.reduce((a, b) => a + b.accepted + b.duplicates, 0)).toBe(1000);
    const self = await (await fetch(`${base}/api/tokens/self`, { headers: { authorization: `Bearer ${t.token}` } })).json();
    expect(self).toMatchObject({ spent_micros: expected, budget_micros: 50_000_000 });
    const client = new pg.Client({ connectionString: p.databaseUrl });
    await client.connect();
    const { rows } = await client.query("SELECT count(*)::int AS n, sum(cost_micros)::bigint::text AS s FROM telemetry_events WHERE token_id = $1", [t.id]);
    await client.end();
    expect(rows[0]).toEqual({ n: distinct.size, s: String(expected) });
  });

  it("issues agent tokens that verify offline against the published JWKS (jose, and node:crypto by hand)", async () => {
    const t = await p.agentToken(p.admin, 123_456, { agent_id: "offline-agent", expires_in: 600 });
    const { payload, protectedHeader } = await jwtVerify(t.token, createRemoteJWKSet(new URL(`${base}/.well-known/jwks.json`)), { issuer: TOKEN_ISSUER });
    expect(protectedHeader.alg).toBe("EdDSA");
    const claims = AgentTokenClaims.parse(payload);
    expect(claims).toMatchObject({ jti: t.id, sub: "offline-agent", budget_micros: 123_456, kind: "agent", panel_url: "https://panel.example.com" });
    expect(claims.exp! - claims.iat).toBe(600);

    // Independently of any JWT library: Ed25519 over `header.payload` with the JWK whose kid matches.
    const jwks = (await (await fetch(`${base}/.well-known/jwks.json`)).json()) as { keys: { kid: string; x: string; crv: string; kty: string }[] };
    const jwk = jwks.keys.find((k) => k.kid === decodeProtectedHeader(t.token).kid)!;
    const key = createPublicKey({ key: { kty: jwk.kty, crv: jwk.crv, x: jwk.x }, format: "jwk" });
    const [h, pl, sig] = t.token.split(".");
    expect(cryptoVerify(null, Buffer.from(`${h}.${pl}`), key, Buffer.from(sig!, "base64url"))).toBe(true);
    const tampered = Buffer.from(JSON.stringify({ ...claims, budget_micros: 999_999_999 })).toString("base64url");
    expect(cryptoVerify(null, Buffer.from(`${h}.${tampered}`), key, Buffer.from(sig!, "base64url"))).toBe(false);
  });

  it("streams new events over SSE to those allowed to see them", async () => {
    const u = await p.user("user");
    const mine = await p.agentToken(u.token, 1_000_000);
    const theirs = await p.agentToken(p.admin, 1_000_000);
    // EventSource-style auth through the query string.
    const stream = await openStream(`/api/events?access_token=${u.token}`);
    expect(stream.res.status).toBe(200);
    expect(stream.res.headers.get("content-type")).toContain("text/event-stream");
    await stream.readUntil(": connected");
    const foreign = event();
    const own = event({ cost_micros: 42 });
    expect((await post("/api/telemetry", theirs.token, { events: [foreign] })).status).toBe(202);
    expect((await post("/api/telemetry", mine.token, { events: [own] })).status).toBe(202);
    await stream.readUntil(own.event_id);
    stream.close();
    expect(stream.text()).toContain("event: telemetry");
    expect(stream.text()).not.toContain(foreign.event_id);
    expect(sseEvents(stream.text())[0]!.data).toMatchObject({ event_id: own.event_id, token_id: mine.id, cost_micros: 42 });
    const anonymous = await fetch(`${base}/api/events`);
    expect(anonymous.status).toBe(401);
  });

  it("replays the events a client missed when it reconnects with Last-Event-ID, then goes on live", async () => {
    const u = await p.user("user");
    const mine = await p.agentToken(u.token, 1_000_000);
    const theirs = await p.agentToken(p.admin, 1_000_000);
    const first = await openStream(`/api/events?access_token=${u.token}`);
    await first.readUntil(": connected");
    const seen = event();
    expect((await post("/api/telemetry", mine.token, { events: [seen] })).status).toBe(202);
    await first.readUntil(seen.event_id);
    first.close();
    const lastId = sseEvents(first.text()).at(-1)!.id;

    // While disconnected: two of the user's events and one they may not see.
    const missed = [event(), event()];
    const foreign = event();
    expect((await post("/api/telemetry", mine.token, { events: [missed[0]] })).status).toBe(202);
    expect((await post("/api/telemetry", theirs.token, { events: [foreign] })).status).toBe(202);
    expect((await post("/api/telemetry", mine.token, { events: [missed[1]] })).status).toBe(202);

    const again = await openStream(`/api/events?access_token=${u.token}`, { "last-event-id": lastId });
    expect(again.res.status).toBe(200);
    await again.readUntil(missed[1]!.event_id);
    // A listener that hears of the missed events only now, after the replay sent them (its NOTIFY was still in flight
    // when the client reconnected): the stream must not send them a second time.
    const late = new pg.Client({ connectionString: p.databaseUrl });
    await late.connect();
    await late.query("SELECT pg_notify($1, $2)", [TELEMETRY_CHANNEL, `${mine.id}|${missed.map((e) => e.event_id).join(",")}`]);
    await late.end();
    const live = event();
    expect((await post("/api/telemetry", mine.token, { events: [live] })).status).toBe(202);
    await again.readUntil(live.event_id);
    again.close();
    const got = sseEvents(again.text());
    expect(got.map((e) => e.data.event_id)).toEqual([missed[0]!.event_id, missed[1]!.event_id, live.event_id]);
    const ids = got.map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(ids[0]).toBeGreaterThan(Number(lastId));
  });

  it("replays at most the newest 1000 missed events, says so, and refuses a malformed Last-Event-ID", async () => {
    const t = await p.agentToken(p.admin, 1_000_000_000);
    const marker = event();
    const watch = await openStream(`/api/events`, { authorization: `Bearer ${p.admin}` });
    await watch.readUntil(": connected");
    expect((await post("/api/telemetry", t.token, { events: [marker] })).status).toBe(202);
    await watch.readUntil(marker.event_id);
    watch.close();
    const lastId = sseEvents(watch.text()).find((e) => e.data.event_id === marker.event_id)!.id;

    const batches = [Array.from({ length: 1000 }, () => event({ cost_micros: 1 })), Array.from({ length: 5 }, () => event({ cost_micros: 1 }))];
    for (const events of batches) expect((await post("/api/telemetry", t.token, { events })).status).toBe(202);
    const replay = await openStream(`/api/events?last_event_id=${lastId}`, { authorization: `Bearer ${p.admin}` });
    for (const e of batches[1]!) await replay.readUntil(e.event_id);
    replay.close();
    expect(replay.text()).toContain(": more than 1000 events were missed; replaying the newest 1000");
    const got = new Set(sseEvents(replay.text()).map((e) => e.data.event_id));
    expect(got.size).toBe(1000);
    expect(batches[1]!.filter((e) => got.has(e.event_id))).toHaveLength(5); // the newest batch whole,
    expect(batches[0]!.filter((e) => got.has(e.event_id))).toHaveLength(995); // and all but 5 of the one before

    for (const bad of ["abc", "-1", "1.5", "99999999999999999999"]) {
      const res = await fetch(`${base}/api/events`, { headers: { authorization: `Bearer ${p.admin}`, "last-event-id": bad } });
      expect(res.status, bad).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message).toContain("Last-Event-ID");
    }
  });
});

const openStream = (path: string, headers: Record<string, string> = {}) => openEventStream(base, path, headers);

/** The `telemetry` events in an SSE text, with their ids and parsed data. */
function sseEvents(text: string): { id: string; data: { event_id: string; token_id: string } & Record<string, unknown> }[] {
  return text
    .split("\n\n")
    .filter((block) => block.includes("event: telemetry"))
    .map((block) => {
      const field = (name: string) => block.split("\n").find((l) => l.startsWith(`${name}: `))!.slice(name.length + 2);
      return { id: field("id"), data: JSON.parse(field("data")) as { event_id: string; token_id: string } };
    });
}

describe("shutdown", () => {
  it("closes open event streams on close() and ends them for the client", async () => {
    const q = await startPanel();
    const url = await q.app.listen({ host: "127.0.0.1", port: 0 });
    q.app.ctx.bus.start();
    const res = await fetch(`${url}/api/events`, { headers: { authorization: `Bearer ${q.admin}` } });
    const reader = res.body!.getReader();
    await reader.read();
    await q.close(); // without closing the stream first, this would wait on the open connection forever
    let done = false;
    while (!done) done = (await reader.read()).done;
  });
});
