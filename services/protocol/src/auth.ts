import { z } from "zod";

/** Prefix of personal API keys. The rest is 43 base64url characters (32 random bytes). */
export const API_KEY_PREFIX = "iron_sk_";

/** admin manages users and all tokens; user manages own tokens; viewer reads. */
export const Role = z.enum(["admin", "user", "viewer"]);
export type Role = z.infer<typeof Role>;

export const Email = z.email().max(254);
/** Passwords: 8 to 256 characters. */
export const Password = z.string().min(8, "must be at least 8 characters").max(256);

/** `POST /api/auth/login`. */
export const LoginRequest = z.strictObject({
  email: Email,
  password: z.string().min(1).max(256),
});
export type LoginRequest = z.infer<typeof LoginRequest>;

export const LoginResponse = z.object({
  access_token: z.string(),
  token_type: z.literal("Bearer"),
  /** Seconds until the access token expires. */
  expires_in: z.int().positive(),
});
export type LoginResponse = z.infer<typeof LoginResponse>;

/** A user as the API shows it (never the password hash). */
export const User = z.object({
  id: z.uuid(),
  email: z.string(),
  role: Role,
  created_at: z.string(),
  disabled_at: z.string().nullable(),
});
export type User = z.infer<typeof User>;

/** `GET /api/auth/me`: who the presented credential belongs to. */
export const Me = z.object({
  user: User,
  /** How the caller authenticated. */
  credential: z.enum(["access_token", "api_key"]),
});
export type Me = z.infer<typeof Me>;

/** `POST /api/users` (admin). */
export const CreateUserRequest = z.strictObject({
  email: Email,
  password: Password,
  role: Role.default("user"),
});
export type CreateUserRequest = z.input<typeof CreateUserRequest>;

/** `PATCH /api/users/:id`: an admin may change anything; a user may change only their own password. */
export const UpdateUserRequest = z
  .strictObject({
    password: Password.optional(),
    role: Role.optional(),
    disabled: z.boolean().optional(),
  })
  .refine((v) => Object.keys(v).length > 0, { message: "give at least one of password, role, disabled" });
export type UpdateUserRequest = z.infer<typeof UpdateUserRequest>;

export const ApiKeyName = z.string().trim().min(1, "must not be empty").max(100);

/** `POST /api/keys`. */
export const CreateApiKeyRequest = z.strictObject({ name: ApiKeyName });
export type CreateApiKeyRequest = z.infer<typeof CreateApiKeyRequest>;

/** `POST /api/keys` → 201: the key is shown here only; the panel stores its hash. */
export const CreateApiKeyResponse = z.object({
  id: z.uuid(),
  key: z.string().startsWith(API_KEY_PREFIX),
  name: z.string(),
  prefix: z.string(),
  created_at: z.string(),
});
export type CreateApiKeyResponse = z.infer<typeof CreateApiKeyResponse>;

/** An API key as listed (`GET /api/keys`): its first characters identify it; the secret is never shown again. */
export const ApiKey = z.object({
  id: z.uuid(),
  user_id: z.uuid(),
  name: z.string(),
  prefix: z.string(),
  created_at: z.string(),
  last_used_at: z.string().nullable(),
  revoked_at: z.string().nullable(),
});
export type ApiKey = z.infer<typeof ApiKey>;
