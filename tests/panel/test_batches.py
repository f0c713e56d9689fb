"""Reading in batches changes nothing: the same panel, rejects and account whatever the batch
size, and a duplicate found across batches (or files) is reported with its original text."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from polars.testing import assert_frame_equal

from jingan_kpi.errors import PanelError
from jingan_kpi.panel import Panel, read_panel
from jingan_kpi.panel import batches as batches_module

from .conftest import FACTS, code
from .test_property import row

A, B = code("91310106123456789"), code("9131010698765432X")


@contextmanager
def batch_rows(n: int) -> Iterator[None]:
    """Read with batches of ``n`` rows."""
    with mock.patch.object(batches_module, "BATCH_ROWS", n):
        yield


def _same(one: Panel, many: Panel) -> None:
    assert_frame_equal(one.frame, many.frame)
    assert_frame_equal(one.rejects, many.rejects)
    assert one.counts == many.counts
    assert one.sources == many.sources


def test_duplicates_across_batches_and_files_keep_their_original_text(tmp_path: Path) -> None:
    first = tmp_path / "2025.csv"
    second = tmp_path / "2026.csv"
    # Line 2 and line 6 of 2025.csv are one enterprise-year (the second written in lower case
    # with the year as 2025.0); B/2026 is in both files; A/2026 once. Batches of 2 rows put
    # the copies in different batches.
    first.write_text(
        "credit_code,industry_code,year,revenue\n"
        f"{A},7261,2025,10\n"
        f"{B},7241,2025,20\n"
        f"{A},7261,2026,30\n"
        f"{B},0111,2026,40\n"
        f' {A.lower()} ,7261,2025.0,"1,000"\n'
        f"{B},7221,2024,x\n",
        encoding="utf-8",
    )
    second.write_text(
        f"credit_code,industry_code,year,revenue\n{B},L7241,2026,5\n", encoding="utf-8"
    )
    with batch_rows(2):
        many = read_panel([first, second], **FACTS)
    one = read_panel([first, second], **FACTS)
    _same(one, many)
    rejects = many.rejects.select(
        "source_file", "source_line", "reason", "credit_code", "industry_code", "year", "revenue"
    )
    assert rejects.rows() == [
        (str(first), 2, "duplicate_record", A, "7261", "2025", "10"),
        (str(first), 5, "duplicate_record", B, "0111", "2026", "40"),  # out of scope, still a copy
        (str(first), 6, "duplicate_record", f" {A.lower()} ", "7261", "2025.0", "1,000"),
        (str(first), 7, "invalid_revenue", B, "7221", "2024", "x"),
        (str(second), 2, "duplicate_record", B, "L7241", "2026", "5"),
    ]
    assert many.frame.select("credit_code", "year", "revenue").rows() == [
        (B, 2025, 20 / 1e4),
        (A, 2026, 30 / 1e4),
    ]
    assert many.counts.to_dict() == {
        "read": 7,
        "used": 2,
        "rejected": 5,
        "out_of_scope": 0,
        "rejected_by_reason": {"invalid_revenue": 1, "duplicate_record": 4},
    }


def _batches_seen(path: Path, size: int) -> tuple[Panel, list[int]]:
    """Read ``path`` in batches of ``size`` rows; also the heights of the batches read."""
    seen: list[int] = []
    real = pl.LazyFrame.collect_batches

    def spy(self: pl.LazyFrame, **kwargs: object) -> object:
        for batch in real(self, **kwargs):  # type: ignore[arg-type]
            seen.append(batch.height)
            yield batch

    with batch_rows(size), mock.patch.object(pl.LazyFrame, "collect_batches", spy):
        panel = read_panel(path, **FACTS)
    return panel, seen


def test_batches_really_split_the_file(tmp_path: Path) -> None:
    """One pass over a file without copies; a second one only to read the candidates of the
    duplicate rule again."""
    clean = tmp_path / "clean.csv"
    clean.write_text(
        "credit_code,industry_code,year,revenue\n"
        + "".join(f"{A},7261,{year},1\n" for year in range(2020, 2027)),
        encoding="utf-8",
    )
    panel, seen = _batches_seen(clean, 3)
    assert seen == [3, 3, 1]
    assert panel.counts.used == 7
    copied = tmp_path / "copied.csv"
    copied.write_text(
        "credit_code,industry_code,year,revenue\n" + f"{A},7261,2025,1\n" * 7, encoding="utf-8"
    )
    panel, seen = _batches_seen(copied, 3)
    assert seen == [3, 3, 1, 3, 3, 1]
    assert panel.counts.rejected_by_reason == {"duplicate_record": 7}


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.one_of(row, st.just(None)), min_size=1, max_size=30),
    st.integers(1, 30),
    st.integers(1, 5),
)
def test_any_batch_size_reads_the_same_panel(
    rows: list[dict[str, str] | None], split: int, size: int
) -> None:
    """Dirty rows (every reject reason, copies, blank lines) in two files: one batch per file
    and batches of ``size`` rows give equal frames, rejects and accounts, and so does a read
    keeping only the columns the figures need."""
    lines = [
        "" if r is None else ",".join(f'"{v}"' if "," in v else v for v in r.values()) for r in rows
    ]
    header = "credit_code,industry_code,year,revenue"
    parts = [lines[:split], lines[split:]]
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for i, part in enumerate(parts):
            if not any(line.strip(", ") for line in part):
                continue
            path = Path(tmp) / f"part{i}.csv"
            path.write_text("\n".join([header, *part]) + "\n", encoding="utf-8")
            paths.append(path)
        if not paths:
            return
        one = read_panel(paths, **FACTS)
        with batch_rows(size):
            many = read_panel(paths, **FACTS)
            lean = read_panel(paths, **FACTS, columns=())
    _same(one, many)
    # Without the credit code in the frame, the duplicate rule reads the candidates' keys again.
    assert_frame_equal(lean.frame, one.frame.select(lean.frame.columns))
    assert_frame_equal(lean.rejects, one.rejects)
    assert lean.counts == one.counts


def test_columns_left_out_change_no_rule_and_no_count(tmp_path: Path) -> None:
    """``columns=`` keeps fewer columns; rows, rejects and counts are those of a full read. A
    row whose only value is white space in the name (an ideographic space here) is blank either
    way; a row with only a name is a row (rejected: no credit code)."""
    path = tmp_path / "p.csv"
    path.write_text(
        "credit_code,name,industry_code,year,revenue,zone\n"
        f"{A},ＡＢＣ 公司,7261,2025,10,南京西路\n"
        "\u3000 ,\u3000 ,,,,\n"
        ",\u3000 ,,,,\n"
        ",某公司,,,,\n"
        f"{B}, 某某 ,0111,2025,5,\n",
        encoding="utf-8",
    )
    full = read_panel(path, **FACTS)
    lean = read_panel(path, **FACTS, columns=("zone",))
    assert lean.frame.columns == ["industry_code", "year", "revenue", "zone"]
    assert_frame_equal(lean.frame, full.frame.select(lean.frame.columns))
    assert_frame_equal(lean.rejects, full.rejects)
    assert lean.counts == full.counts
    assert full.counts.to_dict() == {
        "read": 3,
        "used": 1,
        "rejected": 1,
        "out_of_scope": 1,
        "rejected_by_reason": {"invalid_credit_code": 1},
    }
    assert full.rejects.select("source_line", "name").rows() == [(5, "某公司")]
    assert full.frame.get_column("name").to_list() == ["ABC 公司"]


def test_columns_must_be_panel_columns(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text(f"credit_code,industry_code,year,revenue\n{A},7261,2025,1\n", encoding="utf-8")
    with pytest.raises(ValueError, match="revnue not panel columns"):
        read_panel(path, **FACTS, columns=("revnue",))


def test_a_file_changed_between_the_two_passes_is_an_error(tmp_path: Path) -> None:
    """The duplicate rule reads its candidates again; if they are gone, say so (exit 2)."""
    path = tmp_path / "p.csv"
    path.write_text(
        "credit_code,industry_code,year,revenue\n" + f"{A},7261,2025,1\n" * 2, encoding="utf-8"
    )
    real = pl.LazyFrame.collect_batches
    calls = 0

    def second_pass_finds_nothing(self: pl.LazyFrame, **kwargs: object) -> object:
        nonlocal calls
        calls += 1
        for batch in real(self, **kwargs):  # type: ignore[arg-type]
            yield batch if calls == 1 else batch.head(0)

    gone = pytest.raises(PanelError, match="the file changed while it was being read")
    with mock.patch.object(pl.LazyFrame, "collect_batches", second_pass_finds_nothing), gone:
        read_panel(path, **FACTS)
