"""The output formats of every command, and the registry of renderers behind them.

One enum names every format (:class:`OutputFormat`), each with the file extensions it goes by;
one registry (:data:`RENDERERS`) says, per kind of result, which formats exist and what renders
them. The CLI's ``--format``/``--output`` options, the format taken from an ``--output``
extension and the refusal of a format a command does not have all walk these two tables, so:

Adding a format
    one renderer file in ``render/`` (a function ``result → str``, or ``(result, path) → None``
    for a binary file) + one line in :data:`RENDERERS` (and a member of :class:`OutputFormat`
    with its extensions, if the name is new). Nothing in ``cli/`` changes.

Kinds of result: ``evaluation`` (``check``), ``explanation`` (``explain``), ``audit``
(``audit-disclosure``), ``panel`` (``inspect``), ``validation`` (``validate``).

Renderers are imported when used (the registry names module and function), so that naming a
format costs no import of rich or xlsxwriter.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from jingan_kpi.atomic import write_atomically
from jingan_kpi.errors import UsageError


class OutputFormat(StrEnum):
    """Every output format of the tool, with the same name on every command."""

    table = "table"
    json = "json"
    csv = "csv"
    csv_utf8 = "csv-utf8"
    markdown = "markdown"
    xlsx = "xlsx"


EXTENSIONS: dict[str, OutputFormat] = {
    ".txt": OutputFormat.table,
    ".json": OutputFormat.json,
    ".csv": OutputFormat.csv,
    ".md": OutputFormat.markdown,
    ".markdown": OutputFormat.markdown,
    ".xlsx": OutputFormat.xlsx,
}
"""The format an ``--output`` file's extension stands for (``-o res.xlsx`` writes a workbook)."""

ALIASES: dict[str, OutputFormat] = {"text": OutputFormat.table, "md": OutputFormat.markdown}
"""Other names accepted for a format (``text`` was ``inspect``'s and ``validate``'s name)."""

SAME_EXTENSION: dict[OutputFormat, OutputFormat] = {OutputFormat.csv_utf8: OutputFormat.csv}
"""Formats that share another's extension: ``-f csv-utf8 -o x.csv`` is no mismatch."""


@dataclass(frozen=True, slots=True)
class Renderer:
    """How one format renders one kind of result.

    ``function`` names ``module:function``. A text renderer takes the result (and, for a
    table, ``width=``) and returns the text; a file renderer (``binary``) takes ``(result, path)`` and writes the file
    (the caller makes it atomic). ``console`` names the function that prints to a rich console
    on a real terminal (colours, the terminal's width), where there is one.
    """

    function: str
    binary: bool = False
    encoding: str = "utf-8"
    console: str | None = None

    def load(self, name: str | None = None) -> Callable[..., Any]:
        module, _, attr = (name or self.function).partition(":")
        return getattr(importlib.import_module(module), attr)  # type: ignore[no-any-return]


_R = "jingan_kpi.render."
RENDERERS: dict[str, dict[OutputFormat, Renderer]] = {
    "evaluation": {
        OutputFormat.table: Renderer(f"{_R}text:to_text", console=f"{_R}text:render_text"),
        OutputFormat.json: Renderer(f"{_R}data:to_json"),
        # For people: Excel on Chinese Windows reads a CSV as GBK unless it starts with a BOM.
        OutputFormat.csv: Renderer(f"{_R}data:to_csv", encoding="utf-8-sig"),
        OutputFormat.csv_utf8: Renderer(f"{_R}data:to_csv"),
        OutputFormat.markdown: Renderer(f"{_R}data:to_markdown"),
        OutputFormat.xlsx: Renderer(f"{_R}xlsx:write_xlsx", binary=True),
    },
    "explanation": {
        OutputFormat.table: Renderer(
            f"{_R}explain:to_text", console=f"{_R}explain:render_explanation"
        ),
        OutputFormat.json: Renderer(f"{_R}data:dict_json"),
    },
    "audit": {
        OutputFormat.table: Renderer(f"{_R}audit:to_text", console=f"{_R}audit:render_audit"),
        OutputFormat.json: Renderer(f"{_R}data:dict_json"),
    },
    "panel": {
        OutputFormat.table: Renderer(f"{_R}account:to_text"),
        OutputFormat.json: Renderer(f"{_R}account:to_json"),
    },
    "validation": {
        OutputFormat.table: Renderer(f"{_R}validation:to_text"),
        OutputFormat.json: Renderer(f"{_R}validation:to_json"),
    },
}


def parse_format(value: str | None) -> OutputFormat | None:
    """A ``--format`` value → the format (None stays None: decided by ``resolve_format``)."""
    if value is None:
        return None
    key = value.strip()
    if key in ALIASES:
        return ALIASES[key]
    try:
        return OutputFormat(key)
    except ValueError:
        names = ", ".join(f.value for f in OutputFormat)
        msg = f'--format "{value}" is not one of {names}'
        raise UsageError(msg) from None


def resolve_format(kind: str, value: str | None, output: Path | None) -> OutputFormat:
    """The format a command writes: ``--format``, else the ``--output`` extension, else table.

    Refuses (exit 2) a format this kind of result does not have, a ``--format`` that
    contradicts the ``--output`` extension, and a binary format without ``--output``.
    """
    available = RENDERERS[kind]
    names = ", ".join(f.value for f in available)
    given = parse_format(value)
    implied = EXTENSIONS.get(output.suffix.lower()) if output is not None else None
    if (
        given is not None
        and implied is not None
        and SAME_EXTENSION.get(given, given) != SAME_EXTENSION.get(implied, implied)
    ):
        assert output is not None
        msg = (
            f'--format {given.value} does not match --output {output} (a "{output.suffix}" '
            f"file is {implied.value}); drop --format, or give the file a matching extension"
        )
        raise UsageError(msg)
    fmt = given or (implied if implied in available else None) or OutputFormat.table
    if given is None and implied is not None and implied not in available:
        suffix = output.suffix if output is not None else ""
        msg = (
            f'--output {output}: this command does not write {implied.value} (the "{suffix}" '
            f"extension); give --format {names.replace(', ', ' or --format ')}"
        )
        raise UsageError(msg)
    if fmt not in available:
        msg = f"--format {fmt.value} is not available here; use one of {names}"
        raise UsageError(msg)
    if available[fmt].binary and output is None:
        msg = (
            f"--format {fmt.value} needs --output FILE.{fmt.value} (it is a file, not text for "
            "a terminal)"
        )
        raise UsageError(msg)
    return fmt


def render_text(kind: str, fmt: OutputFormat, result: object, *, width: int | None = None) -> str:
    """A text format's rendering of ``result`` (the CLI's output, without writing it)."""
    renderer = RENDERERS[kind][fmt]
    if renderer.binary:
        msg = f"{fmt.value} is a file format; use write_output"
        raise ValueError(msg)
    render = renderer.load()
    text: str = render(result) if width is None else render(result, width=width)
    return text


def write_output(kind: str, fmt: OutputFormat, result: object, output: Path | None) -> None:
    """Render ``result`` to ``output`` (atomically) or to standard output.

    A table for a real terminal is printed by rich, in colour and at the terminal's width;
    piped or to a file it is plain text of a stable width.
    """
    renderer = RENDERERS[kind][fmt]
    if renderer.binary:
        assert output is not None  # resolve_format
        write = renderer.load()
        write_atomically(output, lambda p: write(result, p))
        return
    if output is None and renderer.console is not None and sys.stdout.isatty():
        from jingan_kpi.render.text import make_console

        renderer.load(renderer.console)(result, make_console())
        return
    text = render_text(kind, fmt, result)
    if output is None:
        # The same bytes as in a file: ``-f csv > x.csv`` opens in Excel too.
        sys.stdout.write(("\ufeff" if renderer.encoding == "utf-8-sig" else "") + text)
        sys.stdout.flush()
        return
    write_atomically(output, lambda p: p.write_text(text, encoding=renderer.encoding))
