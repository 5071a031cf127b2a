import { api, session, signIn, SignedOut } from "./api.js";
import { startFeed } from "./feed.js";
import { renderTokens, wireTokenForm } from "./tokens.js";
import { renderUsage } from "./usage.js";

const $ = (id) => document.getElementById(id);
let group = "agent";
let stopFeed = () => undefined;
let refreshTimer;

function show(signedIn) {
  $("sign-in").hidden = signedIn;
  $("app").hidden = !signedIn;
  $("sign-out").hidden = !signedIn;
  $("who").hidden = !signedIn;
}

async function guard(work) {
  try {
    await work();
  } catch (err) {
    if (err instanceof SignedOut) return signOut("Your session ended; sign in again.");
    $("token-error").textContent = err.message;
  }
}

async function refresh() {
  await guard(() => Promise.all([renderTokens(), renderUsage(group)]));
}

/** Many events in a burst cause one refresh. */
function refreshSoon() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(refresh, 500);
}

async function enter() {
  const me = await api("/api/auth/me");
  $("who").textContent = `${me.user.email} (${me.user.role})`;
  show(true);
  stopFeed = startFeed({ onEvent: refreshSoon, onAuthLost: () => guard(() => api("/api/auth/me")) });
  await refresh();
}

function signOut(message = "") {
  stopFeed();
  session.clear();
  show(false);
  $("sign-in-error").textContent = message;
  $("email").focus();
}

$("sign-in-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("sign-in-error").textContent = "";
  try {
    await signIn($("email").value, $("password").value);
    $("password").value = "";
    await enter();
  } catch (err) {
    $("sign-in-error").textContent = err.message;
  }
});
$("sign-out").addEventListener("click", () => signOut());
$("refresh").addEventListener("click", refresh);
for (const button of document.querySelectorAll("[data-group]")) {
  button.addEventListener("click", () => {
    group = button.dataset.group;
    for (const b of document.querySelectorAll("[data-group]")) b.setAttribute("aria-pressed", String(b === button));
    guard(() => renderUsage(group));
  });
}
wireTokenForm(refresh);

if (session.token) guard(enter).then(() => undefined);
else show(false);
