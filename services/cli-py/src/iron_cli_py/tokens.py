"""`~/.iron/tokens`: `{"version":1,"tokens":[...]}`, each entry the panel's answer to `POST /api/tokens` plus
`api_url` (the panel that issued it) and `saved_at`."""

from __future__ import annotations

from typing import Any, Dict, List

from iron_cli_py.files import read_json_file, update_json_file
from iron_cli_py.schema import CREATED_TOKEN, STR, pick_list

SAVED_TOKEN = tuple(CREATED_TOKEN) + (("api_url", STR, True), ("saved_at", STR, True))


def _parse(document: Any) -> Dict[str, Any]:
    if not isinstance(document, dict) or document.get("version") != 1:
        raise ValueError("not a tokens file")
    return {"version": 1, "tokens": pick_list(document.get("tokens"), SAVED_TOKEN, "tokens")}


def _empty() -> Dict[str, Any]:
    return {"version": 1, "tokens": []}


def read_saved_tokens(path: str) -> List[Dict[str, Any]]:
    return read_json_file(path, _parse, _empty())["tokens"]


def save_token(path: str, token: Dict[str, Any]) -> None:
    """Adds (or replaces, by id) a token in the file."""
    entry = pick_list([token], SAVED_TOKEN, "token")[0]

    def update(file: Dict[str, Any]) -> Dict[str, Any]:
        file["tokens"] = [t for t in file["tokens"] if t["id"] != entry["id"]] + [entry]
        return file

    update_json_file(path, _parse, _empty(), update)


def forget_token(path: str, token_id: str) -> bool:
    """Removes a token by id; returns whether it was there."""
    found = []

    def update(file: Dict[str, Any]) -> Dict[str, Any]:
        found.append(any(t["id"] == token_id for t in file["tokens"]))
        file["tokens"] = [t for t in file["tokens"] if t["id"] != token_id]
        return file

    update_json_file(path, _parse, _empty(), update)
    return found[0]
