import type { FastifyInstance, RouteOptions } from "fastify";
import swagger from "@fastify/swagger";
import { z, type ZodType } from "zod";
import {
  ApiKey,
  CreateApiKeyRequest,
  CreateApiKeyResponse,
  CreateTokenRequest,
  CreateTokenResponse,
  CreateUserRequest,
  ErrorBody,
  LoginRequest,
  LoginResponse,
  Me,
  TelemetryBatch,
  TelemetryIngestResponse,
  TelemetryPage,
  TelemetryQuery,
  TokenList,
  TokenListQuery,
  TokenSelf,
  TokenView,
  UpdateTokenRequest,
  UpdateUserRequest,
  UsageQuery,
  UsageResponse,
  User,
  JWKS_PATH,
} from "@iron/protocol";
import { VERSION } from "./version.js";

/** Where the panel publishes its API description. */
export const OPENAPI_PATH = "/openapi.json";

type Auth = "none" | "user" | "agent";
interface Operation {
  summary: string;
  tag: string;
  auth: Auth;
  body?: ZodType;
  query?: ZodType;
  params?: ZodType;
  /** Success responses by status; 204 with no body is `null`. */
  responses: Record<number, ZodType | null>;
}

const IdParams = z.strictObject({ id: z.uuid() });
const Items = <T extends ZodType>(item: T) => z.object({ items: z.array(item) });
const Health = z.object({ status: z.string() });
const Ready = z.object({ status: z.enum(["ready", "unready"]), checks: z.record(z.string(), z.string()) });
const Version = z.object({ name: z.string(), version: z.string(), schema_version: z.int(), node: z.string() });
const Jwks = z.object({ keys: z.array(z.record(z.string(), z.unknown())) });
const KeysQuery = z.strictObject({ user_id: z.uuid().optional() });

/**
 * Every route's contract, from the wire contract's zod schemas (services/protocol): the source of /openapi.json.
 * A route missing here fails the panel's start, so the description cannot fall behind the API.
 */
const OPERATIONS: Record<string, Operation> = {
  "GET /healthz": { summary: "Liveness", tag: "health", auth: "none", responses: { 200: Health } },
  "GET /readyz": { summary: "Readiness: database, schema, first admin, Redis if configured (503 with the failing checks)", tag: "health", auth: "none", responses: { 200: Ready, 503: Ready } },
  "GET /version": { summary: "Versions of the panel, its schema and Node.js", tag: "health", auth: "none", responses: { 200: Version } },
  [`GET ${JWKS_PATH}`]: { summary: "Public keys that verify agent tokens (JWKS)", tag: "health", auth: "none", responses: { 200: Jwks } },
  "POST /api/auth/login": { summary: "Sign in with email and password: a short-lived access token", tag: "auth", auth: "none", body: LoginRequest, responses: { 200: LoginResponse } },
  "GET /api/auth/me": { summary: "Who the credential belongs to", tag: "auth", auth: "user", responses: { 200: Me } },
  "POST /api/keys": { summary: "Create a personal API key (shown once)", tag: "auth", auth: "user", body: CreateApiKeyRequest, responses: { 201: CreateApiKeyResponse } },
  "GET /api/keys": { summary: "List API keys (an admin may list another user's)", tag: "auth", auth: "user", query: KeysQuery, responses: { 200: Items(ApiKey) } },
  "DELETE /api/keys/:id": { summary: "Revoke an API key (its live streams end)", tag: "auth", auth: "user", params: IdParams, responses: { 204: null } },
  "POST /api/users": { summary: "Create a user (admin)", tag: "users", auth: "user", body: CreateUserRequest, responses: { 201: User } },
  "GET /api/users": { summary: "List users (admin)", tag: "users", auth: "user", responses: { 200: Items(User) } },
  "GET /api/users/:id": { summary: "Read a user (admin, or oneself)", tag: "users", auth: "user", params: IdParams, responses: { 200: User } },
  "PATCH /api/users/:id": { summary: "Change a password, role or disabled flag", tag: "users", auth: "user", params: IdParams, body: UpdateUserRequest, responses: { 200: User } },
  "DELETE /api/users/:id": { summary: "Disable a user and revoke their API keys (admin)", tag: "users", auth: "user", params: IdParams, responses: { 204: null } },
  "POST /api/tokens": { summary: "Issue a budgeted agent token (Idempotency-Key honoured)", tag: "tokens", auth: "user", body: CreateTokenRequest, responses: { 201: CreateTokenResponse } },
  "GET /api/tokens": { summary: "List agent tokens, newest first", tag: "tokens", auth: "user", query: TokenListQuery, responses: { 200: TokenList } },
  "GET /api/tokens/self": { summary: "The presenting agent token's budget, spend and status", tag: "tokens", auth: "agent", responses: { 200: TokenSelf } },
  "GET /api/tokens/:id": { summary: "Read an agent token", tag: "tokens", auth: "user", params: IdParams, responses: { 200: TokenView } },
  "PATCH /api/tokens/:id": { summary: "Top up or set a token's budget, rename it", tag: "tokens", auth: "user", params: IdParams, body: UpdateTokenRequest, responses: { 200: TokenView } },
  "DELETE /api/tokens/:id": { summary: "Revoke an agent token (its spend is kept; late telemetry is still taken)", tag: "tokens", auth: "user", params: IdParams, responses: { 200: TokenView } },
  "POST /api/telemetry": { summary: "Report telemetry events (agent token; idempotent on event_id)", tag: "telemetry", auth: "agent", body: TelemetryBatch, responses: { 202: TelemetryIngestResponse } },
  "GET /api/telemetry": { summary: "List telemetry events, newest first", tag: "telemetry", auth: "user", query: TelemetryQuery, responses: { 200: TelemetryPage } },
  "GET /api/usage": { summary: "Usage aggregated by agent, model or day", tag: "telemetry", auth: "user", query: UsageQuery, responses: { 200: UsageResponse } },
  "GET /api/events": { summary: "Live telemetry as Server-Sent Events (`event: telemetry`; `event: closed` when the credential ends)", tag: "telemetry", auth: "user", responses: { 200: null } },
};

const toJson = (schema: ZodType, io: "input" | "output") =>
  z.toJSONSchema(schema, { target: "openapi-3.0", io, unrepresentable: "any" }) as Record<string, unknown>;

const ERROR = toJson(ErrorBody, "output");

function routeSchema(op: Operation): Record<string, unknown> {
  const response: Record<string, unknown> = {};
  for (const [status, schema] of Object.entries(op.responses)) response[status] = schema ? toJson(schema, "output") : { type: "null", description: "No body" };
  response["4XX"] = { ...ERROR, description: "The error shape: { error: { code, message, details? } }" };
  return {
    summary: op.summary,
    tags: [op.tag],
    ...(op.auth === "none" ? { security: [] } : { security: [{ [op.auth === "agent" ? "agentToken" : "userCredential"]: [] }] }),
    ...(op.body ? { body: toJson(op.body, "input") } : {}),
    ...(op.query ? { querystring: toJson(op.query, "input") } : {}),
    ...(op.params ? { params: toJson(op.params, "input") } : {}),
    response,
  };
}

/**
 * Publishes the API as OpenAPI 3 at /openapi.json (@fastify/swagger, from the route schemas set here). The schemas
 * document; they do not validate: every handler parses its input with the same zod schema, which names the bad field.
 * Register before the routes.
 */
export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  app.setValidatorCompiler(() => (data) => ({ value: data }));
  app.setSerializerCompiler(() => (data) => JSON.stringify(data));
  app.addHook("onRoute", (route: RouteOptions) => {
    if (route.url.startsWith("/dashboard") || route.url === "/") route.schema = { ...route.schema, hide: true }; // the dashboard's files
    if (route.schema?.hide || route.method === "HEAD") return;
    for (const method of [route.method].flat()) {
      const op = OPERATIONS[`${method} ${route.url}`];
      if (!op) throw new Error(`route ${method} ${route.url} has no entry in openapi.ts: describe it there`);
      route.schema = { ...routeSchema(op), ...route.schema };
    }
  });
  await app.register(swagger, {
    openapi: {
      openapi: "3.0.3",
      info: { title: "Iron Cage Control Panel API", version: VERSION, description: "Money is integer micro-USD (`*_micros`). Errors are `{ \"error\": { \"code\", \"message\", \"details\"? } }`." },
      components: {
        securitySchemes: {
          userCredential: { type: "http", scheme: "bearer", description: "An access token (POST /api/auth/login) or a personal API key (iron_sk_…)" },
          agentToken: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "An agent token (POST /api/tokens)" },
        },
      },
    },
  });
  app.get(OPENAPI_PATH, { schema: { hide: true }, config: { rateLimit: false } }, async () => app.swagger());
}
