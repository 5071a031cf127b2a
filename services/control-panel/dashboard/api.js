// The panel's JSON API with the signed-in user's access token (kept for this tab only).
const KEY = "iron.access_token";

export class SignedOut extends Error {}

export const session = {
  get token() {
    return sessionStorage.getItem(KEY);
  },
  set(token) {
    sessionStorage.setItem(KEY, token);
  },
  clear() {
    sessionStorage.removeItem(KEY);
  },
};

export async function api(path, { method = "GET", body } = {}) {
  const headers = { accept: "application/json" };
  if (session.token) headers.authorization = `Bearer ${session.token}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const data = res.status === 204 ? undefined : await res.json().catch(() => undefined);
  if (res.status === 401 && path !== "/api/auth/login") {
    session.clear();
    throw new SignedOut(data?.error?.message ?? "signed out");
  }
  if (!res.ok) throw new Error(data?.error?.message ?? `${method} ${path} answered ${res.status}`);
  return data;
}

export async function signIn(email, password) {
  const { access_token } = await api("/api/auth/login", { method: "POST", body: { email, password } });
  session.set(access_token);
}
