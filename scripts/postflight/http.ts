/** Small HTTP helpers for postflight: every request has a timeout and a failure says what was asked. */
const TIMEOUT_MS = 10_000;

export interface Answer {
  status: number;
  body: unknown;
  text: string;
  headers: Headers;
}

export class RequestError extends Error {}

/** One request; resolves with any HTTP answer, rejects (RequestError) only when nothing answered. */
export async function request(method: string, url: string, options: { body?: unknown; bearer?: string } = {}): Promise<Answer> {
  let res: Response;
  try {
    res = await fetch(url, {
      method,
      headers: { ...(options.body !== undefined ? { "content-type": "application/json" } : {}), ...(options.bearer ? { authorization: `Bearer ${options.bearer}` } : {}) },
      body: options.body !== undefined ? JSON.stringify(options.body) : undefined,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new RequestError(`${method} ${url}: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
  }
  const text = await res.text();
  let body: unknown = undefined;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body, text, headers: res.headers };
}

/** The `{ error: { code, message } }` of a panel or runtime answer, for messages. */
export function errorOf(answer: Answer): string {
  const error = (answer.body as { error?: { code?: string; message?: string } } | undefined)?.error;
  return error ? `${answer.status} ${error.code ?? ""}: ${error.message ?? ""}`.trim() : `${answer.status} ${answer.text.slice(0, 200)}`;
}

export async function bytes(url: string): Promise<Buffer> {
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(60_000) });
  } catch (err) {
    throw new RequestError(`GET ${url}: ${(err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message}`);
  }
  if (!res.ok) throw new RequestError(`GET ${url}: ${res.status}`);
  return Buffer.from(await res.arrayBuffer());
}
