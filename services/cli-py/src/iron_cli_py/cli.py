"""The command tree (click) and error reporting: the TypeScript `iron`'s commands, flags and exit codes.

The global options (--api-url, --insecure, --json, --output/-o, --yaml) are accepted on the root and on every
command, before or after its own flags, as `iron` accepts them.
"""

from __future__ import annotations

import sys
import traceback
from typing import Any, Callable, List, Optional

import click

from iron_cli_py import __version__, commands
from iron_cli_py.errors import PROG, CliError, Exit
from iron_cli_py.files import file_error
from iron_cli_py.output import JSON, TEXT, YAML, machine_document
from iron_cli_py.session import GlobalOptions

_META = "iron_cli_py.globals"
CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 110}


def examples(*lines: str, note: str = "") -> str:
    """A help epilog; `\\b` keeps click from re-wrapping the lines."""
    text = "\b\nExamples:\n" + "\n".join("  $ " + line for line in lines)
    return text + ("\n\n\b\n" + note if note else "")


def _remember(name: str) -> Callable[[click.Context, click.Parameter, Any], Any]:
    def callback(ctx: click.Context, _param: click.Parameter, value: Any) -> Any:
        if value not in (None, False):
            ctx.find_root().meta.setdefault(_META, {})[name] = value
        return value

    return callback


def global_options(f: Callable[..., Any]) -> Callable[..., Any]:
    opts = [
        click.option(
            "--api-url",
            metavar="URL",
            expose_value=False,
            callback=_remember("api_url"),
            help="Control Panel URL (default: $IRON_API_URL, then api_url in ~/.iron/config.json, then http://localhost:3000)",
        ),
        click.option("--insecure", is_flag=True, expose_value=False, callback=_remember("insecure"), help="allow sending credentials over plain http to a host other than this machine"),
        click.option("--json", is_flag=True, expose_value=False, callback=_remember("json"), help="print one JSON document for scripts instead of text"),
        click.option("--yaml", is_flag=True, expose_value=False, callback=_remember("yaml"), help="print one YAML document instead of text (same fields as --json)"),
        click.option(
            "--output", "-o", type=click.Choice([TEXT, JSON, YAML]), expose_value=False, callback=_remember("output"), help="output format: text (default), json or yaml"
        ),
    ]
    for opt in reversed(opts):
        f = opt(f)
    return f


def _options() -> GlobalOptions:
    given = click.get_current_context().find_root().meta.get(_META, {})
    mode = given.get("output") or (JSON if given.get("json") else YAML if given.get("yaml") else TEXT)
    return GlobalOptions(api_url=given.get("api_url"), insecure=bool(given.get("insecure")), mode=mode)


ROOT_EPILOG = examples(
    "%s login --api-key iron_sk_...                      # non-interactive, for scripts and CI" % PROG,
    "%s token generate --budget 100 --agent researcher --expires 30d" % PROG,
    "IRON_API_URL=https://panel.example.com %s token list" % PROG,
    "%s token list --output yaml" % PROG,
    "%s status --json" % PROG,
    note="Environment: IRON_API_URL (panel URL), IRON_API_KEY (use this key instead of ~/.iron/credentials), NO_COLOR.\n"
    "Exit codes: 0 ok, 1 error, 2 usage, 3 panel unreachable, 4 not authenticated / not allowed, 5 rejected by the panel.\n"
    "Files: ~/.iron/credentials, ~/.iron/tokens, ~/.iron/config.json, shared with the TypeScript `iron` CLI.",
)


@click.group(context_settings=CONTEXT, epilog=ROOT_EPILOG)
@click.version_option(__version__, "-V", "--version", prog_name=PROG, message="%(version)s", help="print the version of iron-cli-py")
@global_options
def cli() -> None:
    """Issue and manage budgeted agent tokens on an Iron Cage Control Panel."""


@cli.command(
    epilog=examples(
        "%s login                                   # asks for email and password, creates an API key for this machine" % PROG,
        "%s login --api-key iron_sk_... --api-url https://panel.example.com" % PROG,
        'printf %%s "$PASSWORD" | %s login --email ops@example.com --password-stdin' % PROG,
        note="The panel URL used is saved as the default for later commands.",
    )
)
@click.option("--api-key", metavar="KEY", help="an API key (iron_sk_...) to save; nothing is asked")
@click.option("--email", metavar="EMAIL", help="sign in with this email (asked for when omitted)")
@click.option("--password-stdin", is_flag=True, help="read the password from stdin instead of asking")
@global_options
def login(api_key: Optional[str], email: Optional[str], password_stdin: bool) -> None:
    """Sign in to the panel and save an API key in ~/.iron/credentials (mode 0600)."""
    commands.login(_options(), api_key, email, password_stdin)


@cli.command(epilog=examples("%s logout" % PROG, "%s logout --api-url https://panel.example.com" % PROG))
@global_options
def logout() -> None:
    """Forget the API key for this panel (and revoke it if `login` created it)."""
    commands.logout(_options())


@cli.command(epilog=examples("%s whoami" % PROG, "%s whoami --json" % PROG))
@global_options
def whoami() -> None:
    """Show the user the saved key (or IRON_API_KEY) belongs to."""
    commands.whoami(_options())


@cli.command(epilog=examples("%s status" % PROG, "IRON_API_URL=http://127.0.0.1:3000 %s status --json" % PROG))
@global_options
def status() -> int:
    """Show the panel's health, readiness and version (no login needed)."""
    return commands.status(_options())


@cli.group(
    context_settings=CONTEXT,
    epilog=examples("%s token generate --budget 100" % PROG, "%s token list" % PROG, "%s token topup <id> --budget 25" % PROG),
)
@global_options
def token() -> None:
    """Issue, list, inspect, top up and revoke agent tokens."""


@token.command(
    epilog=examples(
        "%s token generate --budget 100" % PROG,
        "%s token generate --budget 2.50 --agent researcher --name 'nightly run' --expires 30d" % PROG,
        "TOKEN=$(%s token generate --budget 5 --no-save)      # only the token goes to stdout" % PROG,
        "%s token generate --budget 100 --json | jq -r .token" % PROG,
    )
)
@click.option("--budget", required=True, metavar="USD", help="budget in US dollars, e.g. 100 or 2.5 (at most 6 decimals)")
@click.option("--name", metavar="NAME", help="a label for people")
@click.option("--agent", metavar="ID", help="the agent id the token is for (default: a new random id)")
@click.option("--expires", metavar="DURATION", help="lifetime, e.g. 90m, 12h, 30d, 1y (default: never)")
@click.option("--save/--no-save", default=True, help="save the token in ~/.iron/tokens (default) or not")
@global_options
def generate(budget: str, name: Optional[str], agent: Optional[str], expires: Optional[str], save: bool) -> None:
    """Issue a token with a budget in US dollars; it is printed once and saved in ~/.iron/tokens."""
    commands.generate_token(_options(), budget, name, agent, expires, save)


@token.command(
    name="list",
    epilog=examples(
        "%s token list" % PROG,
        "%s token list --agent researcher --status active" % PROG,
        "%s token list --json --limit 1000" % PROG,
        "%s token list --output yaml" % PROG,
    ),
)
@click.option("--agent", metavar="ID", help="only this agent's tokens")
@click.option("--status", "status_filter", metavar="STATUS", help="only tokens in this state: active, exhausted, revoked or expired")
@click.option("--limit", metavar="N", help="at most this many tokens (default 50)")
@global_options
def list_command(agent: Optional[str], status_filter: Optional[str], limit: Optional[str]) -> None:
    """List tokens (newest first)."""
    commands.list_tokens(_options(), agent, status_filter, limit)


_EXAMPLE_ID = "0b6f6c1e-6f1e-4c1e-9b1e-0123456789ab"


@token.command(epilog=examples("%s token show %s" % (PROG, _EXAMPLE_ID), "%s token show %s --output yaml" % (PROG, _EXAMPLE_ID)))
@click.argument("token_id", metavar="ID")
@global_options
def show(token_id: str) -> None:
    """Show one token: budget, spend, status."""
    commands.show_token(_options(), token_id)


@token.command(epilog=examples("%s token revoke %s" % (PROG, _EXAMPLE_ID)))
@click.argument("token_id", metavar="ID")
@global_options
def revoke(token_id: str) -> None:
    """Revoke a token (it stops working at once) and drop it from ~/.iron/tokens."""
    commands.revoke_token(_options(), token_id)


@token.command(epilog=examples("%s token topup %s --budget 25" % (PROG, _EXAMPLE_ID)))
@click.argument("token_id", metavar="ID")
@click.option("--budget", required=True, metavar="USD", help="US dollars to add, e.g. 25 or 0.5")
@global_options
def topup(token_id: str, budget: str) -> None:
    """Add to a token's budget."""
    commands.topup_token(_options(), token_id, budget)


@cli.command(epilog=examples("%s usage" % PROG, "%s usage --since 7d --by day" % PROG, "%s usage --agent researcher --json" % PROG))
@click.option("--agent", metavar="ID", help="only this agent")
@click.option("--since", metavar="TIME", help="from this date, date-time or duration ago (e.g. 2026-01-31, 7d)")
@click.option("--until", metavar="TIME", help="up to this date, date-time or duration ago (default: now)")
@click.option("--by", default="agent", show_default=True, metavar="GROUPING", help="group by agent, model or day")
@global_options
def usage(agent: Optional[str], since: Optional[str], until: Optional[str], by: str) -> None:
    """Show spend and LLM calls by agent, model or day (default: the last 30 days)."""
    commands.usage(_options(), agent, since, until, by)


def _mode_from_argv(args: List[str]) -> str:
    """The output mode for reporting an error, read from the arguments as given (parsing may have failed)."""
    mode = TEXT
    for i, arg in enumerate(args):
        if arg == "--":
            break
        if arg == "--json":
            mode = JSON
        elif arg == "--yaml":
            mode = YAML
        elif arg in ("--output", "-o") and i + 1 < len(args) and args[i + 1] in (JSON, YAML, TEXT):
            mode = args[i + 1]
        elif arg.startswith("--output="):
            mode = arg.split("=", 1)[1]
    return mode if mode in (JSON, YAML) else TEXT


def report(err: BaseException, mode: str) -> int:
    """Prints an error the way the user asked for (text, or `{"error":{...}}` as JSON/YAML) and returns the exit code."""
    known = err if isinstance(err, CliError) else file_error(err) if isinstance(err, OSError) and err.filename else None
    if known is None:
        message = "unexpected failure: " + "".join(traceback.format_exception(type(err), err, err.__traceback__)).rstrip()
        known = CliError(message, Exit.ERROR, None, "internal")
    if mode != TEXT:
        error = {"code": known.code, "message": known.message}
        if known.hint:
            error["hint"] = known.hint
        error["exit_code"] = known.exit_code
        sys.stderr.write(machine_document({"error": error}, mode, compact=True))
    else:
        sys.stderr.write("%s: error: %s\n%s" % (PROG, known.message, "  fix: %s\n" % known.hint if known.hint else ""))
    return known.exit_code


def main(argv: Optional[List[str]] = None) -> None:
    args = sys.argv[1:] if argv is None else argv
    mode = _mode_from_argv(args)
    try:
        result = cli.main(args=args, prog_name=PROG, standalone_mode=False)
        code = result if isinstance(result, int) else Exit.OK
    except click.UsageError as err:
        if mode == TEXT:
            err.show()
            code = Exit.USAGE
        else:
            code = report(CliError(err.format_message(), Exit.USAGE, "add --help to the command for its flags and examples", "usage"), mode)
    except click.Abort:
        sys.stderr.write("\n")
        code = 130
    except KeyboardInterrupt:
        code = 130
    except Exception as err:  # everything else is reported, never a bare traceback
        code = report(err, mode)
    sys.stdout.flush()
    sys.exit(code)
