"""What each command does, given its validated inputs; cli.py maps flags onto these."""

from __future__ import annotations

import re
import socket
import sys
import time
import uuid
from datetime import datetime
from functools import partial
from typing import Any, Dict, List, Optional, Tuple

import click
from rich.console import Group
from rich.text import Text

from iron_cli_py import inputs
from iron_cli_py.credentials import read_credential, remove_credential, save_credential
from iron_cli_py.errors import PROG, CliError, Exit, usage_error
from iron_cli_py.files import iso_now
from iron_cli_py.money import micros_to_usd, usd
from iron_cli_py.output import fields, styled, table
from iron_cli_py.paths import display_path
from iron_cli_py.schema import ANY, CREATED_API_KEY, CREATED_TOKEN, INT, LOGIN_RESPONSE, ME, NULLABLE_STR, STR, TOKEN_VIEW, USAGE_ROW, USAGE_TOTALS, pick, pick_list
from iron_cli_py.session import GlobalOptions, Session, anything
from iron_cli_py.settings import save_default_api_url
from iron_cli_py.tokens import forget_token, save_token

API_KEY_PREFIX = "iron_sk_"
PAGE = 200
_EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")


def when(iso: Optional[str], none: str = "-") -> str:
    """An ISO timestamp as `2026-01-31 12:00 UTC`, or `none` for null."""
    if not iso:
        return none
    try:
        moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    except ValueError:
        return iso
    return inputs.js_iso(moment)[:16].replace("T", " ") + " UTC"


def _status_text(status: str) -> Text:
    return styled(status, "green" if status == "active" else "yellow" if status == "exhausted" else "red")


def _token_fields(t: Dict[str, Any]) -> Text:
    return fields(
        [
            ("Id", t["id"]),
            ("Agent", t["agent_id"]),
            ("Name", t["name"] or "-"),
            ("Status", _status_text(t["status"])),
            ("Budget", usd(t["budget_micros"])),
            ("Spent", usd(t["spent_micros"])),
            ("Remaining", usd(t["remaining_micros"])),
            ("Created", when(t["created_at"])),
            ("Expires", when(t["expires_at"], "never")),
            ("Revoked", when(t["revoked_at"])),
            ("Last event", when(t["last_event_at"])),
        ]
    )


# --- login, logout, whoami, status ------------------------------------------------------------------------------


def _ask(question: str, hidden: bool = False) -> str:
    if not sys.stdin.isatty():
        raise usage_error(
            "there is no terminal to ask on",
            "pass --api-key <key> (or set IRON_API_KEY), or --email <email> --password-stdin with the password on stdin",
        )
    return click.prompt(question, hide_input=hidden, err=True, default="", show_default=False)


def _key_from_password(session: Session, email: Optional[str], password_stdin: bool) -> Dict[str, str]:
    """Signs in with email + password and creates an API key for this machine, so the session does not expire."""
    address = email if email is not None else _ask("Email")
    if not _EMAIL.fullmatch(address) or len(address) > 254:
        raise usage_error('"%s" is not an email address' % address, "give the email you sign in to the Control Panel with")
    if password_stdin:
        password = sys.stdin.read()
        password = password[:-2] if password.endswith("\r\n") else password[:-1] if password.endswith("\n") else password
    else:
        password = _ask("Password", hidden=True)
    if not password:
        raise usage_error("the password is empty", "type it at the prompt, or pipe it to --password-stdin")
    login_answer = session.call(
        "Signing in", "POST", "/api/auth/login", partial(pick, fields=LOGIN_RESPONSE), carries_secret=True, body={"email": address, "password": password}
    )
    created = session.call(
        "Creating an API key",
        "POST",
        "/api/keys",
        partial(pick, fields=CREATED_API_KEY),
        body={"name": ("%s on %s" % (PROG, socket.gethostname()))[:100]},
        bearer=login_answer["access_token"],
    )
    return {"api_key": created["key"], "key_id": created["id"]}


def login(options: GlobalOptions, api_key: Optional[str], email: Optional[str], password_stdin: bool) -> None:
    if api_key is not None and (email is not None or password_stdin):
        raise usage_error("--api-key cannot be combined with --email or --password-stdin", "sign in with an API key or with email and password, not both")
    if api_key is not None and not api_key.startswith(API_KEY_PREFIX):
        raise usage_error(
            "that is not an iron API key: keys start with %s" % API_KEY_PREFIX,
            "create one in the Control Panel (POST /api/keys) and pass it to --api-key",
        )
    session = Session(options)
    key = {"api_key": api_key} if api_key is not None else _key_from_password(session, email, password_stdin)
    me = session.call("Checking the key", "GET", "/api/auth/me", partial(pick, fields=ME), bearer=key["api_key"])
    user = me["user"]
    save_credential(session.paths.credentials, session.api.url, dict(key, email=user["email"], saved_at=iso_now()))
    if session.api.source in ("--api-url", "IRON_API_URL"):
        save_default_api_url(session.paths.config, session.api.url)
    data = {
        "api_url": session.api.url,
        "email": user["email"],
        "role": user["role"],
        "key_id": key.get("key_id"),
        "credentials_file": session.paths.credentials,
    }
    session.ui.result(
        data,
        lambda: Text.assemble(
            styled("Logged in", "green"),
            " to %s as %s (%s).\nThe API key is saved in %s (mode 0600)." % (session.api.url, user["email"], user["role"], display_path(session.paths.credentials)),
        ),
    )


def logout(options: GlobalOptions) -> None:
    """Forgets the key saved for this panel. A key that `login` created from a password is also revoked on the
    panel; if the panel cannot be reached the local copy is removed anyway and the user is told the key still works."""
    session = Session(options)
    saved = read_credential(session.paths.credentials, session.api.url)
    if not saved:
        session.ui.result(
            {"api_url": session.api.url, "logged_out": False, "revoked_key_id": None},
            lambda: "Not logged in to %s; nothing to do." % session.api.url,
        )
        return
    revoked = None
    warning = None
    if saved.get("key_id"):
        try:
            session.call("Revoking the API key", "DELETE", "/api/keys/%s" % saved["key_id"], anything, bearer=saved["api_key"])
            revoked = saved["key_id"]
        except CliError as err:
            warning = "could not revoke the API key %s on the panel (%s); it still works until an admin revokes it" % (saved["key_id"], err.message)
    remove_credential(session.paths.credentials, session.api.url)
    if warning:
        session.ui.note(styled("%s: warning: %s" % (PROG, warning), "yellow"))
    data: Dict[str, Any] = {"api_url": session.api.url, "logged_out": True, "revoked_key_id": revoked}
    if warning:
        data["warning"] = warning
    session.ui.result(
        data,
        lambda: "Logged out of %s%s; the key is removed from %s."
        % (session.api.url, " (its API key is revoked)" if revoked else "", display_path(session.paths.credentials)),
    )


def whoami(options: GlobalOptions) -> None:
    session = Session(options)
    credential = session.credential()
    me = session.call("Asking the panel", "GET", "/api/auth/me", partial(pick, fields=ME), bearer=credential.api_key)
    user = me["user"]
    key_from = "IRON_API_KEY" if credential.source == "IRON_API_KEY" else display_path(session.paths.credentials)
    session.ui.result(
        {"api_url": session.api.url, "user": user, "credential": me["credential"], "key_from": credential.source},
        lambda: fields(
            [
                ("Email", user["email"]),
                ("Role", user["role"]),
                ("User id", user["id"]),
                ("Panel", "%s (%s)" % (session.api.url, session.api.source)),
                ("Key from", key_from),
            ]
        ),
    )


def _checks(value: Any) -> Dict[str, Any]:
    ready = pick(value, (("status", STR, True), ("checks", ANY, False)), "readyz")
    checks = ready.get("checks") or {}
    if not isinstance(checks, dict):
        raise ValueError("readyz.checks: expected an object")
    return {"status": ready["status"], "checks": checks}


def status(options: GlobalOptions) -> int:
    """Panel health (`/healthz`), readiness (`/readyz`) and version; no credentials needed. Exit 1 when not ready."""
    session = Session(options)
    started = time.monotonic()
    health = session.call("Contacting the panel", "GET", "/healthz", partial(pick, fields=(("status", STR, True),)))
    latency_ms = round((time.monotonic() - started) * 1000)
    ready = session.call("Checking readiness", "GET", "/readyz", _checks, ok_statuses=(503,))
    version = session.call(
        "Reading the version",
        "GET",
        "/version",
        partial(pick, fields=(("name", STR, True), ("version", STR, True), ("schema_version", INT, False), ("node", STR, False))),
    )
    is_ready = ready["status"] == "ready"
    schema = "" if version.get("schema_version") is None else " (schema %d)" % version["schema_version"]
    session.ui.result(
        {
            "api_url": session.api.url,
            "api_url_source": session.api.source,
            "health": health["status"],
            "ready": is_ready,
            "checks": ready["checks"],
            "version": version,
            "latency_ms": latency_ms,
        },
        lambda: fields(
            [
                ("Panel", "%s (%s)" % (session.api.url, session.api.source)),
                ("Health", styled(health["status"], "green" if health["status"] == "ok" else "red")),
                ("Ready", styled("ready", "green") if is_ready else styled(ready["status"], "red")),
            ]
            + [("  " + name, str(value)) for name, value in ready["checks"].items()]
            + [("Version", "%s %s%s" % (version["name"], version["version"], schema)), ("Latency", "%d ms" % latency_ms)]
        ),
    )
    return Exit.OK if is_ready else Exit.ERROR


# --- tokens ----------------------------------------------------------------------------------------------------


def generate_token(options: GlobalOptions, budget: str, name: Optional[str], agent: Optional[str], expires: Optional[str], save: bool) -> None:
    """`POST /api/tokens`, then saves the token in ~/.iron/tokens. For people, the token alone goes to stdout (so
    `TOKEN=$(iron-cli-py token generate --budget 5)` works) and the summary to stderr."""
    request: Dict[str, Any] = {"budget_micros": inputs.budget_micros("--budget", budget)}
    if name is not None:
        request["name"] = inputs.token_name(name)
    if agent is not None:
        request["agent_id"] = inputs.agent_id(agent)
    if expires is not None:
        request["expires_in"] = inputs.expires_in_seconds(expires)

    session = Session(options)
    api_key = session.credential().api_key
    # One key for every attempt: if an answer is lost and the request retried, the panel returns the same token.
    headers = {"idempotency-key": str(uuid.uuid4())}
    created = session.call(
        "Generating a token", "POST", "/api/tokens", partial(pick, fields=CREATED_TOKEN), body=request, bearer=api_key, headers=headers
    )
    save_error: Optional[BaseException] = None
    if save:
        # The token exists on the panel now: if it cannot be saved, still show it before reporting the failure.
        try:
            save_token(session.paths.tokens, dict(created, api_url=session.api.url, saved_at=iso_now()))
        except (OSError, CliError) as err:
            save_error = err
    saved_to = session.paths.tokens if save and save_error is None else None
    session.ui.note(
        Text.assemble(
            styled("Token issued", "green"),
            ": %s for agent %s%s, budget %s, expires %s.\n"
            % (created["id"], created["agent_id"], " (%s)" % created["name"] if created["name"] else "", usd(created["budget_micros"]), when(created["expires_at"], "never")),
            "Saved to %s (mode 0600)." % display_path(saved_to) if saved_to else "Not saved: copy it now, it is not shown again.",
        )
    )
    session.ui.result(dict(created, budget_usd=micros_to_usd(created["budget_micros"]), saved_to=saved_to), lambda: created["token"])
    if save_error is not None:
        reason = save_error.message if isinstance(save_error, CliError) else str(save_error)
        raise CliError(
            "the token was issued (printed above) but could not be saved in %s: %s" % (session.paths.tokens, reason),
            Exit.ERROR,
            "store the printed token yourself now; it is not shown again",
            "save_failed",
        )


def _authorized(options: GlobalOptions) -> Tuple[Session, str]:
    session = Session(options)
    return session, session.credential().api_key


def _token_list(value: Any) -> Dict[str, Any]:
    page = pick(value, (("items", ANY, True), ("next_cursor", NULLABLE_STR, True)), "token list")
    return {"items": pick_list(page["items"], TOKEN_VIEW, "items"), "next_cursor": page["next_cursor"]}


def list_tokens(options: GlobalOptions, agent: Optional[str], status_filter: Optional[str], limit_text: Optional[str]) -> None:
    """`GET /api/tokens`, following pages up to `--limit` tokens (default 50)."""
    agent_value = None if agent is None else inputs.agent_id(agent)
    status_value = None if status_filter is None else inputs.token_status(status_filter)
    limit = 50 if limit_text is None else inputs.list_limit(limit_text)
    session, bearer = _authorized(options)
    items: List[Dict[str, Any]] = []
    cursor: Optional[str] = None
    while True:
        query = {"agent_id": agent_value, "status": status_value, "limit": min(PAGE, limit - len(items)), "cursor": cursor}
        page = session.call("Listing tokens", "GET", "/api/tokens", _token_list, bearer=bearer, query=query)
        items.extend(page["items"])
        cursor = page["next_cursor"]
        if not cursor or len(items) >= limit:
            break

    def human() -> Any:
        if not items:
            return "No tokens on %s%s. Issue one with `%s token generate --budget <usd>`." % (
                session.api.url,
                " match" if agent_value or status_value else "",
                PROG,
            )
        rows = [
            [t["id"], t["agent_id"], t["name"] or "-", _status_text(t["status"]), usd(t["budget_micros"]), usd(t["spent_micros"]), usd(t["remaining_micros"]), when(t["expires_at"], "never")]
            for t in items
        ]
        grid = table(["ID", "AGENT", "NAME", "STATUS", "BUDGET", "SPENT", "REMAINING", "EXPIRES"], rows)
        return Group(grid, Text("(more tokens: raise --limit)")) if cursor else grid

    session.ui.result({"items": items, "more": cursor is not None}, human)


def show_token(options: GlobalOptions, token_id: str) -> None:
    tid = inputs.token_id(token_id)
    session, bearer = _authorized(options)
    token = session.call("Reading the token", "GET", "/api/tokens/" + tid, partial(pick, fields=TOKEN_VIEW), bearer=bearer)
    session.ui.result(token, lambda: _token_fields(token))


def revoke_token(options: GlobalOptions, token_id: str) -> None:
    """`DELETE /api/tokens/:id` (idempotent), and drops the token from ~/.iron/tokens."""
    tid = inputs.token_id(token_id)
    session, bearer = _authorized(options)
    token = session.call("Revoking the token", "DELETE", "/api/tokens/" + tid, partial(pick, fields=TOKEN_VIEW), bearer=bearer)
    removed = forget_token(session.paths.tokens, token["id"])
    session.ui.result(
        dict(token, removed_from_saved_tokens=removed),
        lambda: Text.assemble(
            styled("Revoked", "red"),
            " %s (agent %s); spent %s of %s." % (token["id"], token["agent_id"], usd(token["spent_micros"]), usd(token["budget_micros"])),
            "\nRemoved it from ~/.iron/tokens." if removed else "",
        ),
    )


def topup_token(options: GlobalOptions, token_id: str, budget: str) -> None:
    """`PATCH /api/tokens/:id {add_budget_micros}`: adds to the budget, atomically on the panel."""
    tid = inputs.token_id(token_id)
    add = inputs.budget_micros("--budget", budget)
    session, bearer = _authorized(options)
    token = session.call(
        "Topping up", "PATCH", "/api/tokens/" + tid, partial(pick, fields=TOKEN_VIEW), bearer=bearer, body={"add_budget_micros": add}
    )
    session.ui.result(
        dict(token, added_micros=add),
        lambda: Text.assemble(
            styled("Topped up", "green"),
            " %s by %s: budget %s, remaining %s (%s)." % (token["id"], usd(add), usd(token["budget_micros"]), usd(token["remaining_micros"]), token["status"]),
        ),
    )


# --- usage -----------------------------------------------------------------------------------------------------


def _usage_report(value: Any) -> Dict[str, Any]:
    report = pick(
        value,
        (("group_by", STR, True), ("since", STR, True), ("until", STR, True), ("rows", ANY, True), ("total", USAGE_TOTALS, True)),
        "usage",
    )
    report["rows"] = pick_list(report["rows"], USAGE_ROW, "rows")
    return report


def usage(options: GlobalOptions, agent: Optional[str], since: Optional[str], until: Optional[str], by: str) -> None:
    """`GET /api/usage`: spend and calls grouped by agent, model or day."""
    query = {
        "group_by": inputs.grouping(by),
        "agent_id": None if agent is None else inputs.agent_id(agent),
        "since": None if since is None else inputs.since_time("--since", since),
        "until": None if until is None else inputs.since_time("--until", until),
    }
    session = Session(options)
    api_key = session.credential().api_key
    report = session.call("Reading usage", "GET", "/api/usage", _usage_report, bearer=api_key, query=query)
    header = "Usage on %s from %s to %s, by %s:" % (session.api.url, report["since"], report["until"], report["group_by"])

    def row(key: Any, r: Dict[str, Any]) -> List[Any]:
        return [key, str(r["llm_calls"]), str(r["errors"]), str(r["input_tokens"]), str(r["output_tokens"]), usd(r["cost_micros"])]

    def human() -> Any:
        if not report["rows"]:
            return "%s\nNo usage recorded in this period." % header
        grid = table(
            [report["group_by"].upper(), "CALLS", "ERRORS", "INPUT TOKENS", "OUTPUT TOKENS", "COST"],
            [row(r["key"], r) for r in report["rows"]] + [row(styled("TOTAL", "bold"), report["total"])],
        )
        return Group(Text(header), grid)

    session.ui.result(report, human)
