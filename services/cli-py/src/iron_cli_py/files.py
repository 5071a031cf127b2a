"""The ~/.iron files, written exactly as the TypeScript `iron` writes them so both CLIs share them.

Every change is a read-modify-write under `<file>.lock` (created with O_EXCL, holding the writer's pid; a lock
older than 10 s whose process is gone is stale and removed), written atomically: a 0600 temp file beside the
target, fsync'ed, then renamed over it. The directory is kept at mode 0700. JSON is indented by 2 with a final
newline, as `JSON.stringify(value, null, 2)` makes it.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import random
import secrets
import time
from typing import Any, Callable, Iterator, TypeVar

from iron_cli_py.errors import PROG, CliError, Exit

T = TypeVar("T")

LOCK_WAIT_S = 30.0
STALE_S = 10.0


def ensure_private_dir(path: str) -> None:
    """Creates `path` with mode 0700, or tightens it to 0700 if it exists with looser permissions."""
    os.makedirs(path, mode=0o700, exist_ok=True)
    if os.stat(path).st_mode & 0o077:
        os.chmod(path, 0o700)


def write_file_atomic(path: str, data: str) -> None:
    """Writes `data` so readers see either the old or the new content, never a part."""
    directory = os.path.dirname(path)
    ensure_private_dir(directory)
    temp = os.path.join(directory, ".%s.%d.%s.tmp" % (os.path.basename(path), os.getpid(), secrets.token_hex(4)))
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.rename(temp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.remove(temp)
        raise


def _process_is_gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def _remove_if_stale(lock_path: str) -> None:
    try:
        info = os.stat(lock_path)
        with open(lock_path, encoding="utf-8") as handle:
            text = handle.read().strip()
        pid = int(text) if text.isascii() and text.isdigit() else 0
        if time.time() - info.st_mtime > STALE_S and (pid <= 0 or _process_is_gone(pid)):
            os.remove(lock_path)
    except OSError:
        pass  # released meanwhile


@contextlib.contextmanager
def file_lock(lock_path: str) -> Iterator[None]:
    """Holds an exclusive lock file while the block runs, so concurrent writers (of either CLI) are serialised."""
    deadline = time.monotonic() + LOCK_WAIT_S
    while True:
        try:
            fd = os.open(lock_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            if time.monotonic() > deadline:
                raise CliError(
                    "another iron process has held %s for more than %d s" % (lock_path, LOCK_WAIT_S),
                    Exit.ERROR,
                    "if no other iron or %s is running, delete %s and try again" % (PROG, lock_path),
                ) from None
            _remove_if_stale(lock_path)
            time.sleep((5 + random.random() * 20) / 1000)
            continue
        try:
            os.write(fd, str(os.getpid()).encode())
        finally:
            os.close(fd)
        break
    try:
        yield
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.remove(lock_path)


def damaged(path: str) -> CliError:
    return CliError(
        "%s is not a file iron can read (damaged or edited by hand)" % path,
        Exit.ERROR,
        "fix it, or move it away and let iron write a new one",
    )


def read_json_file(path: str, parse: Callable[[Any], T], empty: T) -> T:
    """Reads one of the JSON files; a missing file is `empty`. `parse` validates and normalises the document
    (raising ValueError when it is not one of ours), so a damaged file is an error naming the file and the fix."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except FileNotFoundError:
        return empty
    try:
        return parse(json.loads(text))
    except ValueError:
        raise damaged(path) from None


def dump_json(value: Any) -> str:
    """`JSON.stringify(value, null, 2)` plus a newline."""
    return json.dumps(value, indent=2, ensure_ascii=False) + "\n"


def update_json_file(path: str, parse: Callable[[Any], T], empty: T, update: Callable[[T], T]) -> T:
    """Read-modify-write under the lock, written atomically with mode 0600."""
    ensure_private_dir(os.path.dirname(path))
    with file_lock(path + ".lock"):
        updated = update(read_json_file(path, parse, empty))
        write_file_atomic(path, dump_json(updated))
        return updated


def iso_now() -> str:
    """The current time as JavaScript's `new Date().toISOString()` writes it (`2026-01-31T12:00:00.000Z`)."""
    now = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(now)) + ".%03dZ" % (int(now * 1000) % 1000)


def file_error(err: OSError) -> CliError:
    """A failure to use one of the files (e.g. EACCES on ~/.iron), naming the file."""
    code = errno.errorcode.get(err.errno or 0, err.strerror or "error")
    return CliError(
        "cannot use %s: %s" % (err.filename, code),
        Exit.ERROR,
        "check that HOME is right and that you own ~/.iron and may write to it",
        "file_error",
    )
