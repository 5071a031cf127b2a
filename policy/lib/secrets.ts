/**
 * How a rule tells a secret from configuration when CrossGuard hands it plain
 * values: by the variable's name, and by the value's shape.
 */

/** Names that hold credentials: passwords, tokens, keys, and connection URLs that carry a password. */
const SECRET_NAME = /(^|_)(PASSWORD|PASSWD|SECRET|TOKEN|(API|PRIVATE|ACCESS|MASTER|SECRET|SIGNING|ENCRYPTION)_?KEY|CREDENTIALS?|(DATABASE|REDIS|POSTGRES|MONGO|AMQP)_URL)$/i;

/** Values that are credentials whatever their name. */
const SECRET_VALUES: { what: string; pattern: RegExp }[] = [
  { what: "a URL with a password", pattern: /^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]*:[^/\s@]+@/i },
  { what: "a JSON Web Token", pattern: /^eyJ[\w-]+\.[\w-]+\.[\w-]*$/ },
  { what: "an API key", pattern: /^(sk-|sk_live_|iron_sk_|xox[bp]-|ghp_|AKIA)[A-Za-z0-9_-]{8,}/ },
  { what: "a private key", pattern: /-----BEGIN [A-Z ]*PRIVATE KEY-----/ },
];

const FLAG = /^(true|false|yes|no|on|off|\d{1,3})$/i;

/** Why a plain `name=value` pair is a secret in the open, or undefined when it is not. */
export function secretInPlainSight(name: string, value: unknown): string | undefined {
  const text = typeof value === "string" ? value : "";
  const shape = SECRET_VALUES.find((s) => s.pattern.test(text));
  if (shape) return `${name} holds ${shape.what}`;
  // A switch (IRON_TRUST_UNVERIFIED_TOKEN=1) is named like a secret but holds none.
  if (SECRET_NAME.test(name) && text !== "" && !FLAG.test(text)) return `${name} is named like a secret and holds a plain value`;
  return undefined;
}
