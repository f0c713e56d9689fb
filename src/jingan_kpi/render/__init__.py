"""Rendering of an :class:`~jingan_kpi.compute.result.Evaluation`: rich tables for people; JSON,
CSV, Markdown and .xlsx for scripts and reports."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from jingan_kpi.errors import OutputError

FORMATS = ("table", "json", "csv", "markdown", "xlsx")


def write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """Write via a temporary file in the same directory and rename it into place, so an
    interrupted run never leaves a half-written file at ``path``."""
    path = Path(path)
    directory = path.parent if str(path.parent) else Path()
    if not directory.is_dir():
        msg = f"{path}: cannot write: directory {directory} does not exist"
        raise OutputError(msg)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    except OSError as exc:
        msg = f"{path}: cannot write: {exc.strerror or exc}"
        raise OutputError(msg) from exc
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def write_text_atomically(path: Path, text: str) -> None:
    write_atomically(path, lambda p: p.write_text(text, encoding="utf-8"))
