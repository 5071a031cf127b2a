"""Everything a command needs: where the panel is, how to talk to it and to the user, where the files are."""

from __future__ import annotations

import os
from typing import Any, Callable, NamedTuple, Optional

from iron_cli_py.api_url import assert_safe_for_credentials, resolve_api_url
from iron_cli_py.credentials import read_credential
from iron_cli_py.errors import PROG, CliError, Exit
from iron_cli_py.output import Ui, styled
from iron_cli_py.panel_client import PanelClient, RetryNotice
from iron_cli_py.paths import display_path, iron_paths
from iron_cli_py.settings import read_settings


class GlobalOptions(NamedTuple):
    api_url: Optional[str]
    insecure: bool
    mode: str


class ApiKey(NamedTuple):
    api_key: str
    source: str
    """`IRON_API_KEY` or `credentials file`."""


class Session:
    def __init__(self, options: GlobalOptions) -> None:
        self.ui = Ui(options.mode)
        self.paths = iron_paths()
        settings = read_settings(self.paths.config)
        self.api = resolve_api_url(options.api_url, os.environ.get("IRON_API_URL") or None, settings.get("api_url"))
        self.insecure = options.insecure
        self.client = PanelClient(self.api, on_retry=self._retrying)

    def _retrying(self, notice: RetryNotice) -> None:
        self.ui.note(
            styled(
                "%s: %s: %s; retrying in %.1f s (attempt %d of %d)"
                % (PROG, notice.url, notice.reason, notice.wait_ms / 1000, notice.attempt + 1, notice.attempts),
                "yellow",
            )
        )

    def credential(self) -> ApiKey:
        """IRON_API_KEY, else the key saved by `login` for this panel; exit 4 when there is none."""
        from_env = os.environ.get("IRON_API_KEY")
        if from_env:
            return ApiKey(from_env, "IRON_API_KEY")
        saved = read_credential(self.paths.credentials, self.api.url)
        if saved:
            return ApiKey(saved["api_key"], "credentials file")
        raise CliError(
            "not logged in to the Control Panel at %s (no key for it in %s, and IRON_API_KEY is not set)"
            % (self.api.url, display_path(self.paths.credentials)),
            Exit.AUTH,
            "run `%s login --api-url %s` (or `%s login --api-key <key>`), or set IRON_API_KEY" % (PROG, self.api.url, PROG),
            "not_logged_in",
        )

    def call(self, label: str, method: str, path: str, parse: Callable[[Any], Any], carries_secret: bool = False, **options: Any) -> Any:
        """A request with a spinner. One that carries a secret (a `bearer`, or `carries_secret` for a password in
        the body) is checked against the plain-http rule before anything is sent."""
        if options.get("bearer") is not None or carries_secret:
            assert_safe_for_credentials(self.api.url, self.insecure)
        with self.ui.spinner(label):
            return self.client.request(method, path, parse, **options)


def anything(value: Any) -> Any:
    """For answers whose body the command does not use."""
    return value
