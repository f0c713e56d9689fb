"""Rendering of an :class:`~jingan_kpi.compute.result.Evaluation`: rich tables for people; JSON,
CSV, Markdown and .xlsx for scripts and reports."""

from __future__ import annotations

from pathlib import Path

from jingan_kpi.atomic import write_atomically

FORMATS = ("table", "json", "csv", "markdown", "xlsx")

__all__ = ["FORMATS", "write_atomically", "write_text_atomically"]


def write_text_atomically(path: Path, text: str) -> None:
    """Write UTF-8 text to ``path`` whole or not at all."""
    write_atomically(path, lambda p: p.write_text(text, encoding="utf-8"))
