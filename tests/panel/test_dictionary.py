"""The dictionary columns (industry code, year, zone, HQ type) are judged once per distinct value
and gathered back by category (``rules.DICTIONARY_COLUMNS``); that must give what the same rules
give row by row: the same panel, rejects and account, whatever the reader and the batch size."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from jingan_kpi.panel import Panel, read_panel
from jingan_kpi.panel import rules as rules_module

from .conftest import FACTS, code
from .test_batches import batch_rows

A, B = code("91310106123456789"), code("9131010698765432X")
COLUMNS = ["credit_code", "industry_code", "year", "revenue", "zone", "hq_type"]
cells = {
    "credit_code": st.sampled_from([A, B, A.lower(), f" {B} ", "x", ""]),
    "industry_code": st.sampled_from(
        [
            *("7261", "L7211", "l7241", "0111", "726", "", " 7261 ", "７２６１", "L", "L0111"),
            *("72111", "A0111", "I6513", "Ｌ7261", "Z7261", "6330", "⑦261"),
        ]
    ),
    "year": st.sampled_from(
        ["2025", "2024", "2025.0", " 2026 ", "２０２５", "", "25", "2207", "2025.00", "2025."]
    ),
    "revenue": st.sampled_from(["1", "1,234.5", "", "x", "0,123", "①②"]),
    "zone": st.sampled_from(
        ["南京西路", " 南京西路 ", "南京西路\u3000", "ＡＢ区", "", "\u3000", "㈠区", "ﬁ"]
    ),
    "hq_type": st.sampled_from(["地区总部", " 地区总部", "", "x"]),
}
row = st.fixed_dictionaries(cells)


@contextmanager
def row_by_row() -> Iterator[None]:
    """Every dictionary column judged row by row, as for a column of too many values."""
    with mock.patch.object(rules_module, "DICTIONARY_LIMIT", 0):
        yield


def _without_place(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.drop("source_file", "source_line", strict=False)


def _same(one: Panel, other: Panel, *, place: bool = True) -> None:
    shown = (lambda f: f) if place else _without_place
    assert_frame_equal(shown(one.frame), shown(other.frame))
    assert_frame_equal(shown(one.rejects), shown(other.rejects))
    assert one.counts == other.counts


@settings(max_examples=25, deadline=None)
@given(st.lists(st.one_of(row, st.just(None)), min_size=1, max_size=25), st.integers(1, 6))
def test_per_value_rules_equal_row_by_row_rules(
    rows: list[dict[str, str] | None], size: int
) -> None:
    """CSV (parsed as Categorical) = the same CSV judged row by row = the same rows as a frame
    and as Parquet (cast to Categorical), in batches of any size; some batches of a file may go
    by value and others row by row."""
    # An empty CSV field is read as null: so in the frame.
    data = [[r[c] or None for c in COLUMNS] for r in rows if r is not None]
    if not any(v and v.strip() for values in data for v in values):
        return
    lines = [
        "" if r is None else ",".join(f'"{r[c]}"' if "," in r[c] else r[c] for c in COLUMNS)
        for r in rows
    ]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "p.csv"
        path.write_text("\n".join([",".join(COLUMNS), *lines]) + "\n", encoding="utf-8")
        frame = pl.DataFrame(data, schema=dict.fromkeys(COLUMNS, pl.String), orient="row")
        parquet = Path(tmp) / "p.parquet"
        frame.write_parquet(parquet)
        by_value = read_panel(path, **FACTS)
        with row_by_row():
            by_row = read_panel(path, **FACTS)
        with batch_rows(size):
            batched = read_panel(path, **FACTS)
            with mock.patch.object(rules_module, "DICTIONARY_LIMIT", 2):
                mixed = read_panel(path, **FACTS)
        from_frame = read_panel(frame, **FACTS)
        from_parquet = read_panel(parquet, **FACTS)
    _same(by_value, by_row)
    _same(by_value, batched)
    _same(by_value, mixed)
    _same(by_value, from_frame, place=False)
    _same(by_value, from_parquet, place=False)


def test_dictionary_values_worked_out_by_hand(tmp_path: Path) -> None:
    """The normalised and parsed values of a dictionary column, and the original text in the
    rejects, on a small file (values repeat, as the column's categories are shared)."""
    path = tmp_path / "p.csv"
    path.write_text(
        "credit_code,industry_code,year,revenue,zone,hq_type\n"
        f"{A},L7261, 2025 ,1, 南京西路 ,地区总部\n"
        f"{B},７２６１,2025.0,2,南京西路,\n"
        f"{A},7261,2026,3,ＡＢ区\u3000, 地区总部\n"
        f"{B},L,2026,4,南京西路,地区总部\n"
        f"{A},7261,２０２７,5,南京西路,地区总部\n",
        encoding="utf-8",
    )
    panel = read_panel(path, **FACTS)
    assert panel.frame.select("industry_code", "year", "zone", "hq_type").rows() == [
        ("7261", 2025, "南京西路", "地区总部"),
        ("7261", 2025, "南京西路", None),
        ("7261", 2026, "AB区", "地区总部"),
        ("7261", 2027, "南京西路", "地区总部"),
    ]
    assert panel.rejects.select("source_line", "reason", "industry_code", "zone").rows() == [
        (5, "invalid_industry_code", "L", "南京西路")
    ]
    assert panel.rejects.schema["industry_code"] == pl.String


def test_a_file_whose_industry_codes_are_all_empty(tmp_path: Path) -> None:
    """A Categorical column with no category at all: nothing to gather, and every verdict still
    applies. (polars merged the gathers from empty literal Series into one, whatever their
    dtype, and panicked: "cannot get ref String from Boolean".)"""
    path = tmp_path / "p.csv"
    path.write_text(
        f"credit_code,industry_code,year,revenue,zone\n{A},,2025,1,\n{B},,,2,\n", encoding="utf-8"
    )
    panel = read_panel(path, **FACTS)
    assert panel.rejects.select("source_line", "reason", "industry_code").rows() == [
        (2, "invalid_industry_code", None),
        (3, "invalid_industry_code", None),
    ]
