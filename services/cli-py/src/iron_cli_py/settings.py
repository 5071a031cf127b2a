"""`~/.iron/config.json`: `{"api_url": ...}`, the default panel URL that `login` saves."""

from __future__ import annotations

from typing import Any, Dict

from iron_cli_py.files import read_json_file, update_json_file
from iron_cli_py.schema import STR, pick

SETTINGS = (("api_url", STR, False),)


def _parse(document: Any) -> Dict[str, Any]:
    return pick(document, SETTINGS, "config")


def read_settings(path: str) -> Dict[str, Any]:
    return read_json_file(path, _parse, {})


def save_default_api_url(path: str, api_url: str) -> None:
    def update(settings: Dict[str, Any]) -> Dict[str, Any]:
        settings["api_url"] = api_url
        return settings

    update_json_file(path, _parse, {}, update)
