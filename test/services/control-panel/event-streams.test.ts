/**
 * Regression tests for issue 14, defect 4: a live `GET /api/events` stream must end when the credential that opened it
 * stops being valid (API key revoked, user disabled, access token expired), while other streams go on.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EVENT_STREAM_CLOSED } from "@iron/protocol";
import { ACCESS_AUDIENCE } from "../../../services/control-panel/src/auth.js";
import { event, openEventStream, startPanel, type Panel } from "./helpers.js";

let p: Panel;
let base: string;
beforeAll(async () => {
  p = await startPanel();
  base = await p.app.listen({ host: "127.0.0.1", port: 0 });
  p.app.ctx.bus.start();
});
afterAll(async () => p?.close());

const open = async (credential: string) => {
  const s = await openEventStream(base, `/api/events?access_token=${credential}`);
  expect(s.res.status).toBe(200);
  await s.readUntil(": connected");
  return s;
};
const api = async (method: "POST" | "DELETE", url: string, credential: string, payload?: object) =>
  p.app.inject({ method, url, headers: p.auth(credential), ...(payload ? { payload } : {}) });

/** Sends one event and waits until `watcher` (a stream that stays open) has it, so every stream had its chance to see it. */
async function broadcast(watcher: Awaited<ReturnType<typeof open>>, agentToken: string): Promise<string> {
  const e = event();
  expect((await api("POST", "/api/telemetry", agentToken, { events: [e] })).statusCode).toBe(202);
  await watcher.readUntil(e.event_id);
  return e.event_id;
}

/** Resolves with the stream's text when it ends, or fails after `ms`. */
function endsWithin(stream: Awaited<ReturnType<typeof open>>, ms: number): Promise<string> {
  let timer: NodeJS.Timeout;
  return Promise.race([
    stream.ended().finally(() => clearTimeout(timer)),
    new Promise<string>((_, reject) => (timer = setTimeout(() => reject(new Error(`the stream was still open after ${ms} ms:\n${stream.text()}`)), ms))),
  ]);
}

describe("live streams end with their credential", () => {
  it("ends a stream opened with an API key when the key is revoked; another stream goes on", async () => {
    const agent = await p.agentToken(p.admin, 1_000_000);
    const watcher = await open(p.admin);
    const created = (await api("POST", "/api/keys", p.admin, { name: "stream" })).json() as { id: string; key: string };
    const stream = await open(created.key);
    const before = await broadcast(watcher, agent.token);
    await stream.readUntil(before);

    expect((await api("DELETE", `/api/keys/${created.id}`, p.admin)).statusCode).toBe(204);
    const text = await endsWithin(stream, 5000);
    expect(text).toContain(`event: ${EVENT_STREAM_CLOSED}`);
    expect(text).toContain("the API key was revoked");
    const after = await broadcast(watcher, agent.token);
    expect(stream.text()).not.toContain(after);
    expect((await fetch(`${base}/api/events?access_token=${created.key}`)).status).toBe(401);
    watcher.close();
  });

  it("ends a disabled viewer's streams (access token and API key alike)", async () => {
    const agent = await p.agentToken(p.admin, 1_000_000);
    const watcher = await open(p.admin);
    const viewer = await p.user("viewer");
    const key = ((await api("POST", "/api/keys", viewer.token, { name: "viewer" })).json() as { key: string }).key;
    const [byToken, byKey] = [await open(viewer.token), await open(key)];
    await broadcast(watcher, agent.token);

    expect((await api("DELETE", `/api/users/${viewer.id}`, p.admin)).statusCode).toBe(204);
    for (const s of [byToken, byKey]) expect(await endsWithin(s, 5000)).toContain("the user was disabled");
    const after = await broadcast(watcher, agent.token);
    expect(byToken.text() + byKey.text()).not.toContain(after);
    watcher.close();
  });

  it("ends an admin's all-seeing stream when they are demoted: reconnecting gives them only their own events", async () => {
    const other = await p.user("admin");
    const stream = await open(other.token);
    const res = await p.app.inject({ method: "PATCH", url: `/api/users/${other.id}`, headers: p.auth(p.admin), payload: { role: "user" } });
    expect(res.statusCode).toBe(200);
    expect(await endsWithin(stream, 5000)).toContain("role changed");
  });

  it("ends a stream when its access token expires", async () => {
    const agent = await p.agentToken(p.admin, 1_000_000);
    const watcher = await open(p.admin);
    const user = await p.user("user");
    const me = (await (await fetch(`${base}/api/auth/me`, { headers: p.auth(user.token) })).json()) as { user: { id: string } };
    const shortLived = await p.app.ctx.keys.sign({ sub: me.user.id, kind: "access", role: "viewer" }, { audience: ACCESS_AUDIENCE, expiresAt: new Date(Date.now() + 2000) });
    const stream = await open(shortLived);
    expect(await endsWithin(stream, 6000)).toContain("the access token expired");
    const after = await broadcast(watcher, agent.token);
    expect(stream.text()).not.toContain(after);
    watcher.close();
  });
});
