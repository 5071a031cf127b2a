"""Validation of flags and arguments before anything is sent: each failure is a usage error (exit 2)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

from iron_cli_py.errors import PROG, usage_error
from iron_cli_py.money import parse_usd_to_micros

MAX_TOKEN_TTL_SECONDS = 5 * 365 * 24 * 3600
TOKEN_STATUSES = ("active", "exhausted", "revoked", "expired")
USAGE_GROUPINGS = ("agent", "model", "day")
DURATION_ACCEPTS = "a whole number followed by s, m, h, d, w or y, e.g. 90m, 12h, 30d or 1y"

_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "y": 365 * 86400}
_DURATION = re.compile(r"([0-9]+)\s*([smhdwy])")
_AGENT_ID = re.compile(r"[A-Za-z0-9._:@/-]{1,128}")
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9:.]+(Z|[+-][0-9]{2}:?[0-9]{2})?)?")
_SEE_HELP = "add --help to the command for examples"


def budget_micros(flag: str, text: str) -> int:
    try:
        return parse_usd_to_micros(text)
    except ValueError as err:
        raise usage_error("%s: %s" % (flag, err), _SEE_HELP) from None


def parse_duration_seconds(text: str) -> int:
    """`30d`, `12h`, `90m`, `3600s`, `2w` or `1y` in seconds; ValueError otherwise."""
    match = _DURATION.fullmatch(text.strip().lower())
    seconds = int(match.group(1)) * _UNIT_SECONDS[match.group(2)] if match else 0
    if seconds <= 0:
        raise ValueError('"%s" is not a duration: give %s' % (text, DURATION_ACCEPTS))
    return seconds


def expires_in_seconds(text: str) -> int:
    try:
        seconds = parse_duration_seconds(text)
    except ValueError as err:
        raise usage_error("--expires: %s" % err, _SEE_HELP) from None
    if seconds > MAX_TOKEN_TTL_SECONDS:
        raise usage_error('--expires: "%s" is longer than the 5 years a token may live' % text, "give %s, at most 5y" % DURATION_ACCEPTS)
    return seconds


def agent_id(text: str) -> str:
    if not _AGENT_ID.fullmatch(text):
        raise usage_error('--agent: "%s" is not an agent id' % text, "an agent id is 1 to 128 letters, digits and . _ : @ / -")
    return text


def token_name(text: str) -> str:
    name = text.strip()
    if not 1 <= len(name) <= 100:
        raise usage_error("--name: give 1 to 100 characters (got %d)" % len(name))
    return name


def token_id(text: str) -> str:
    if not _UUID.fullmatch(text):
        raise usage_error(
            '"%s" is not a token id' % text,
            "token ids are UUIDs like 0b6f6c1e-6f1e-4c1e-9b1e-0123456789ab; `%s token list` shows them" % PROG,
        )
    return text.lower()


def token_status(text: str) -> str:
    if text not in TOKEN_STATUSES:
        raise usage_error('--status: "%s" is not a status' % text, "give one of %s" % ", ".join(TOKEN_STATUSES))
    return text


def list_limit(text: str) -> int:
    if not re.fullmatch(r"[0-9]+", text.strip()) or not 1 <= int(text) <= 100_000:
        raise usage_error('--limit: "%s" is not a number of tokens' % text, "give a whole number from 1 to 100000")
    return int(text)


def grouping(text: str) -> str:
    if text not in USAGE_GROUPINGS:
        raise usage_error('--by: "%s" is not a grouping' % text, "give one of %s" % ", ".join(USAGE_GROUPINGS))
    return text


def js_iso(moment: datetime) -> str:
    """A time as JavaScript's `toISOString()` writes it: UTC, milliseconds, `Z`."""
    utc = moment.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (utc.microsecond // 1000)


def since_time(flag: str, text: str) -> str:
    """An ISO date or date-time (`2026-01-31`, `2026-01-31T12:00:00Z`; local time without an offset) or a duration
    back from now (`7d`), as the ISO date-time with offset the panel's usage query wants."""
    value = text.strip()
    if _DURATION.fullmatch(value.lower()):
        try:
            return js_iso(datetime.now(timezone.utc) - timedelta(seconds=parse_duration_seconds(value)))
        except (ValueError, OverflowError):
            pass
    elif _DATE.fullmatch(value):
        iso = value + "T00:00:00+00:00" if len(value) == 10 else value.replace(" ", "T").replace("Z", "+00:00")
        try:
            return js_iso(datetime.fromisoformat(iso))
        except ValueError:
            pass
    raise usage_error(
        '%s: "%s" is not a time: give a date like 2026-01-31, a date-time like 2026-01-31T12:00:00Z, '
        "or a duration back from now like 7d or 12h" % (flag, text),
        _SEE_HELP,
    )
