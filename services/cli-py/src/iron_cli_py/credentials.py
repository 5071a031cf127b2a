"""`~/.iron/credentials`: `{"version":1,"panels":{<panel URL>:{api_key,key_id?,email?,saved_at}}}`.

Keyed by panel URL, so a key is only ever sent to the panel it came from. `key_id` is set when `login` created
the key from a password; `logout` then revokes it on the panel.
"""

from __future__ import annotations

from typing import Any, Dict, Optional

from iron_cli_py.files import read_json_file, update_json_file
from iron_cli_py.schema import STR, pick

CREDENTIAL = (("api_key", STR, True), ("key_id", STR, False), ("email", STR, False), ("saved_at", STR, True))


def _parse(document: Any) -> Dict[str, Any]:
    if not isinstance(document, dict) or document.get("version") != 1 or not isinstance(document.get("panels"), dict):
        raise ValueError("not a credentials file")
    panels = {url: pick(entry, CREDENTIAL, url) for url, entry in document["panels"].items()}
    return {"version": 1, "panels": panels}


def _empty() -> Dict[str, Any]:
    return {"version": 1, "panels": {}}


def read_credential(path: str, api_url: str) -> Optional[Dict[str, Any]]:
    return read_json_file(path, _parse, _empty())["panels"].get(api_url)


def save_credential(path: str, api_url: str, credential: Dict[str, Any]) -> None:
    def update(file: Dict[str, Any]) -> Dict[str, Any]:
        file["panels"][api_url] = pick(credential, CREDENTIAL)
        return file

    update_json_file(path, _parse, _empty(), update)


def remove_credential(path: str, api_url: str) -> None:
    def update(file: Dict[str, Any]) -> Dict[str, Any]:
        file["panels"].pop(api_url, None)
        return file

    update_json_file(path, _parse, _empty(), update)
