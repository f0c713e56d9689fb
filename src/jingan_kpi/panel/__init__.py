"""The panel stage: enterprise panel files in (CSV, Parquet, .xlsx), a clean frame and the
account of every row out (contract §1); reference series (contract §2)."""

from __future__ import annotations

from jingan_kpi.panel.credit_code import check_character, credit_code_valid
from jingan_kpi.panel.load import read_panel, reject_problems, write_rejects
from jingan_kpi.panel.reference import read_reference
from jingan_kpi.panel.types import Panel, References, ReferenceSeries, RowCounts, SourceFile

__all__ = [
    "Panel",
    "ReferenceSeries",
    "References",
    "RowCounts",
    "SourceFile",
    "check_character",
    "credit_code_valid",
    "read_panel",
    "read_reference",
    "reject_problems",
    "write_rejects",
]
