"""Checks of the JSON the CLI reads (its files, the panel's answers): the fields it relies on, and their types.

Objects are rebuilt with the known fields in schema order, unknown ones dropped, as the TypeScript CLI's zod
schemas do, so a file rewritten by either CLI comes out the same.
"""

from __future__ import annotations

from typing import Any, Dict, Sequence, Tuple, Union

INT = "int"
STR = "str"
NULLABLE_STR = "str|null"
ANY = "any"

FieldSpec = Tuple[str, Union[str, "Fields"], bool]
Fields = Sequence[FieldSpec]


def _check(value: Any, kind: Union[str, Fields], where: str) -> Any:
    if kind == ANY:
        return value
    if kind == INT:
        ok = isinstance(value, int) and not isinstance(value, bool)
    elif kind == STR:
        ok = isinstance(value, str)
    elif kind == NULLABLE_STR:
        ok = value is None or isinstance(value, str)
    else:
        return pick(value, kind, where)  # type: ignore[arg-type]
    if not ok:
        raise ValueError("%s: expected %s" % (where, kind))
    return value


def pick(value: Any, fields: Fields, where: str = "value") -> Dict[str, Any]:
    """`value` as an object with `fields` (name, kind, required); raises ValueError when it does not fit."""
    if not isinstance(value, dict):
        raise ValueError("%s: expected an object" % where)
    out: Dict[str, Any] = {}
    for name, kind, required in fields:
        if name not in value:
            if required:
                raise ValueError("%s.%s: missing" % (where, name))
            continue
        out[name] = _check(value[name], kind, "%s.%s" % (where, name))
    return out


def pick_list(value: Any, fields: Fields, where: str = "value") -> list:
    if not isinstance(value, list):
        raise ValueError("%s: expected a list" % where)
    return [pick(item, fields, "%s[%d]" % (where, i)) for i, item in enumerate(value)]


CREATED_TOKEN: Fields = (
    ("id", STR, True),
    ("token", STR, True),
    ("agent_id", STR, True),
    ("name", NULLABLE_STR, True),
    ("budget_micros", INT, True),
    ("expires_at", NULLABLE_STR, True),
)

TOKEN_VIEW: Fields = (
    ("id", STR, True),
    ("name", NULLABLE_STR, True),
    ("agent_id", STR, True),
    ("owner_id", STR, True),
    ("budget_micros", INT, True),
    ("spent_micros", INT, True),
    ("remaining_micros", INT, True),
    ("status", STR, True),
    ("created_at", STR, True),
    ("expires_at", NULLABLE_STR, True),
    ("revoked_at", NULLABLE_STR, True),
    ("last_event_at", NULLABLE_STR, True),
)

USER: Fields = (
    ("id", STR, True),
    ("email", STR, True),
    ("role", STR, True),
    ("created_at", STR, True),
    ("disabled_at", NULLABLE_STR, True),
)

ME: Fields = (("user", USER, True), ("credential", STR, True))

LOGIN_RESPONSE: Fields = (("access_token", STR, True), ("token_type", STR, True), ("expires_in", INT, True))

CREATED_API_KEY: Fields = (
    ("id", STR, True),
    ("key", STR, True),
    ("name", STR, True),
    ("prefix", STR, True),
    ("created_at", STR, True),
)

USAGE_TOTALS: Fields = (
    ("events", INT, True),
    ("llm_calls", INT, True),
    ("errors", INT, True),
    ("input_tokens", INT, True),
    ("output_tokens", INT, True),
    ("cost_micros", INT, True),
)
USAGE_ROW: Fields = (("key", STR, True),) + tuple(USAGE_TOTALS)
