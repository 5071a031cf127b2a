"""Where the CLI keeps its files: `~/.iron` (HOME decides, so a temp HOME isolates a run)."""

from __future__ import annotations

import os
from typing import NamedTuple


class IronPaths(NamedTuple):
    dir: str
    credentials: str
    """API keys per panel URL; mode 0600."""
    tokens: str
    """Agent tokens issued by `token generate`; mode 0600."""
    config: str
    """The default panel URL (`api_url`), written by `login`."""


def iron_paths() -> IronPaths:
    directory = os.path.join(os.path.expanduser("~"), ".iron")
    return IronPaths(
        directory,
        os.path.join(directory, "credentials"),
        os.path.join(directory, "tokens"),
        os.path.join(directory, "config.json"),
    )


def display_path(path: str) -> str:
    """`~/.iron/tokens` rather than `/home/me/.iron/tokens`, for messages."""
    home = os.path.expanduser("~")
    return "~" + path[len(home):] if home and path.startswith(home + "/") else path
