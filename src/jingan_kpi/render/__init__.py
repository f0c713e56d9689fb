"""Rendering of results for people and scripts: rich tables, JSON, CSV, Markdown and .xlsx.

Every format of every command is named once in :mod:`jingan_kpi.render.formats` (the
:class:`~jingan_kpi.render.formats.OutputFormat` enum and the renderer registry); a new format
is one renderer module here plus one line there.
"""

from __future__ import annotations

from jingan_kpi.render.formats import RENDERERS, OutputFormat, resolve_format, write_output

__all__ = ["RENDERERS", "OutputFormat", "resolve_format", "write_output"]
