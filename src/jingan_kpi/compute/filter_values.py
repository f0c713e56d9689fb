"""Zone and HQ-type values the plan and the data do not share (contract §7, "Filters").

A zone written ``南京西路街道`` in the data and ``南京西路`` in the plan is silently in no zone
figure; a plan literal with a typo, a trailing space or a zero-width character silently counts
nothing. Neither is an error, but both are said on stderr: every value of the data that the
plan's filters never name, with its row count and the nearest named value, and every value the
plan names that no used row has, with the nearest value the data has.
"""

from __future__ import annotations

import difflib
import unicodedata

import polars as pl

from jingan_kpi.panel.types import Panel
from jingan_kpi.plan import LoadedPlan
from jingan_kpi.plan.functions import FILTERS, collect_calls, normalize_filter_value


def named_values(plan: LoadedPlan) -> dict[str, set[str]]:
    """Per ``"values"`` filter keyword (``zone``, ``hq_type``), every value the plan names: in
    its formulas' filters and in its groups (``zones:``, ``hq_types:``), normalised as the data."""
    named: dict[str, set[str]] = {k: set() for k, f in FILTERS.items() if f.kind == "values"}
    for call in collect_calls(plan.formulas, plan.model).values():
        for keyword, values in call.cell.values:
            named[keyword].update(values)
    for keyword, spec in FILTERS.items():
        groups = getattr(plan.model, spec.groups, None) if spec.groups else None
        if isinstance(groups, dict) and named.get(keyword):
            for members in groups.values():
                named[keyword].update(normalize_filter_value(m) for m in members)
    return named


def filter_value_notes(plan: LoadedPlan, panel: Panel) -> tuple[str, ...]:
    """The notes for stderr: values of the data no filter names, values named the data lacks."""
    notes: list[str] = []
    for keyword, named in named_values(plan).items():
        column = FILTERS[keyword].column
        if not named or column not in panel.frame.columns:
            continue
        counts = (
            panel.frame.lazy()
            .select(pl.col(column).drop_nulls())
            .group_by(column)
            .len()
            .sort(column)
            .collect()
        )
        in_data = {str(v): int(n) for v, n in counts.iter_rows()}
        noun = FILTERS[keyword].noun
        for value, n in in_data.items():
            if value not in named:
                notes.append(
                    f"{noun} {_show(value)} ({n:,} row{'s' if n != 1 else ''}) is not a {noun} "
                    f"the plan names{_nearest(value, named)}: no {keyword}= filter selects its rows"
                )
        for value in sorted(named - set(in_data)):
            notes.append(
                f"the plan names {noun} {_show(value)}, which no used row has"
                f"{_nearest(value, set(in_data), 'in the data')}: its figures count nothing"
            )
    return tuple(notes)


def _nearest(value: str, candidates: set[str], where: str = "named") -> str:
    close = difflib.get_close_matches(value, sorted(candidates), n=1, cutoff=0.0)
    return f" (nearest {where}: {_show(close[0])})" if close else ""


def _show(value: str) -> str:
    """The value in quotes, with invisible characters written as \\uXXXX."""
    shown = "".join(
        f"\\u{ord(ch):04x}"
        if unicodedata.category(ch) in {"Cf", "Cc", "Zs", "Zl", "Zp"} and ch != " "
        else ch
        for ch in value
    )
    return f'"{shown}"'
