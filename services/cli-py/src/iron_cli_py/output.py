"""How a command talks to the user: rich text for people, one JSON or YAML document for scripts.

The result goes to stdout, notes and errors to stderr. Colour only on a terminal and never with NO_COLOR (rich
checks both); off a terminal tables are not cut to 80 columns, so ids stay whole for grep and awk.
"""

from __future__ import annotations

import contextlib
import json
import sys
from typing import Any, Callable, Iterator, List, Optional, Sequence, Tuple, Union

import yaml
from rich.console import Console, RenderableType
from rich.table import Table
from rich.text import Text

Cell = Union[str, Text]

TEXT, JSON, YAML = "text", "json", "yaml"


def _console(stream: Any) -> Console:
    tty = stream.isatty()
    return Console(file=stream, highlight=False, emoji=False, markup=False, soft_wrap=not tty, width=None if tty else 100_000)


def dump_yaml(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, default_flow_style=False)


def machine_document(data: Any, mode: str, compact: bool = False) -> str:
    """`data` as the JSON (`JSON.stringify(data, null, 2)`, or one line when `compact`) or YAML document."""
    if mode == YAML:
        return dump_yaml(data)
    if compact:
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


class Ui:
    def __init__(self, mode: str = TEXT) -> None:
        self.mode = mode
        self.out = _console(sys.stdout)
        self.err = _console(sys.stderr)

    @property
    def machine(self) -> bool:
        return self.mode != TEXT

    @property
    def interactive(self) -> bool:
        """Spinners only for a person at a terminal."""
        return not self.machine and self.err.is_terminal

    def result(self, data: Any, human: Callable[[], RenderableType]) -> None:
        """The command's result: `data` as JSON/YAML, else `human()` as text, on stdout."""
        if self.machine:
            sys.stdout.write(machine_document(data, self.mode))
            sys.stdout.flush()
            return
        self._print(self.out, human())

    def note(self, text: RenderableType) -> None:
        """A side remark for people, on stderr; silent with --json/--yaml."""
        if not self.machine:
            self._print(self.err, text)

    @staticmethod
    def _print(console: Console, renderable: RenderableType) -> None:
        if console.is_terminal:
            console.print(renderable)
            return
        # Off a terminal: the text as is, without the padding rich adds to fill table cells.
        with console.capture() as captured:
            console.print(renderable)
        lines = [line.rstrip() for line in captured.get().split("\n")]
        console.file.write("\n".join(lines).rstrip("\n") + "\n")
        console.file.flush()

    @contextlib.contextmanager
    def spinner(self, label: str) -> Iterator[None]:
        if not self.interactive:
            yield
            return
        with self.err.status(label):
            yield


def styled(text: str, style: Optional[str]) -> Text:
    return Text(text, style=style or "")


def table(header: Sequence[str], rows: Sequence[Sequence[Cell]]) -> Table:
    """A plain left-aligned table with a header row, columns two spaces apart (as the TypeScript CLI prints)."""
    grid = Table(box=None, show_edge=False, pad_edge=False, padding=(0, 1), header_style="bold")
    for name in header:
        grid.add_column(name, no_wrap=True, overflow="fold")
    for row in rows:
        grid.add_row(*row)
    return grid


def fields(pairs: Sequence[Tuple[str, Cell]]) -> Text:
    """`label: value` lines with the values aligned."""
    width = max(len(label) for label, _ in pairs) + 1
    lines: List[Text] = []
    for label, value in pairs:
        line = Text((label + ":").ljust(width) + " ")
        line.append(value if isinstance(value, Text) else Text(value))
        lines.append(line)
    return Text("\n").join(lines)
