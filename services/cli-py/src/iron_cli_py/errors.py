"""Exit codes and the one error type the CLI reports to the user; the codes are the TypeScript `iron`'s."""

from __future__ import annotations

from typing import Optional

PROG = "iron-cli-py"


class Exit:
    """Process exit codes; scripts may rely on them."""

    OK = 0
    ERROR = 1
    USAGE = 2
    UNREACHABLE = 3
    AUTH = 4
    REJECTED = 5


class CliError(Exception):
    """An error reported to the user: `message` says what happened, `hint` what to do, `code` is for `--json`."""

    def __init__(self, message: str, exit_code: int, hint: Optional[str] = None, code: str = "error") -> None:
        super().__init__(message)
        self.message = message
        self.exit_code = exit_code
        self.hint = hint
        self.code = code


def usage_error(message: str, hint: Optional[str] = None) -> CliError:
    """Bad flags or arguments (nothing was sent): exit 2."""
    return CliError(message, Exit.USAGE, hint, "usage")
