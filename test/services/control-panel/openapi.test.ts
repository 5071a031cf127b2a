import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPanel, type Panel } from "./helpers.js";

let p: Panel;
beforeAll(async () => {
  p = await startPanel();
});
afterAll(async () => p?.close());

interface Spec {
  openapi: string;
  paths: Record<string, Record<string, { security?: unknown[]; requestBody?: unknown; parameters?: { name: string; in: string }[]; responses: Record<string, unknown> }>>;
  components: { securitySchemes: Record<string, unknown> };
}

describe("GET /openapi.json", () => {
  it("describes every API route as OpenAPI 3, from the route schemas, without credentials", async () => {
    const res = await p.app.inject({ method: "GET", url: "/openapi.json" });
    expect(res.statusCode).toBe(200);
    const spec = res.json() as Spec;
    expect(spec.openapi).toMatch(/^3\./);
    const operations = Object.entries(spec.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`));
    // Every route the panel serves (but its dashboard files and this document) is described.
    const served = p.app.printRoutes({ commonPrefix: false });
    for (const op of ["POST /api/telemetry", "GET /api/usage", "PATCH /api/tokens/{id}", "DELETE /api/keys/{id}", "GET /readyz", "POST /api/auth/login"]) expect(operations).toContain(op);
    expect(operations.length).toBe(24);
    expect(served).toContain("openapi.json");
    const telemetry = spec.paths["/api/telemetry"]!.post!;
    expect(telemetry.security).toEqual([{ agentToken: [] }]);
    expect(JSON.stringify(telemetry.requestBody)).toContain('"maximum":1000000000000'); // the per-event cost bound
    expect(spec.paths["/healthz"]!.get!.security).toEqual([]);
    expect(spec.paths["/api/tokens"]!.get!.parameters!.map((q) => q.name).sort()).toEqual(["agent_id", "cursor", "limit", "status"]);
    expect(Object.keys(spec.components.securitySchemes).sort()).toEqual(["agentToken", "userCredential"]);
  });

  it("still answers a bad request with the panel's own error naming the field (the schemas document, zod validates)", async () => {
    const res = await p.app.inject({ method: "POST", url: "/api/tokens", headers: p.auth(p.admin), payload: { budget_micros: "lots" } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ error: { code: "validation_failed" } });
    expect(res.json().error.message).toContain("body.budget_micros");
  });
});
