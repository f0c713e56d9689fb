"""Issue 14 item 2: same input, same bytes. The bundled sample, and the same rows shuffled and
split into three files, checked in separate processes, give byte-identical outputs: every sum
of revenue is exact (compute/exact.py), so no float sum depends on the order of its terms."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import zipfile
from pathlib import Path

import polars as pl
import pytest

from jingan_kpi.compute.exact import from_units, revenue_digits

REPO = Path(__file__).parent.parent.parent
SAMPLE = REPO / "data" / "samples" / "panel_2024_2026.csv"
REFERENCE = REPO / "data" / "samples" / "reference.csv"


def _shuffled_split(directory: Path, seed: int) -> str:
    header, *rows = SAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)
    random.Random(seed).shuffle(rows)
    third = len(rows) // 3
    for i, part in enumerate((rows[:third], rows[third : 2 * third], rows[2 * third :])):
        (directory / f"part{i}.csv").write_text(header + "".join(part), encoding="utf-8")
    return str(directory / "part*.csv")


def _check(panel: str, fmt: str, output: Path, **env: str) -> None:
    subprocess.run(
        [
            *(sys.executable, "-m", "jingan_kpi", "check", panel),
            *("--reference", str(REFERENCE), "-f", fmt, "-o", str(output)),
        ],
        check=True,
        capture_output=True,
        env={**os.environ, "NO_COLOR": "1", **env},
    )


@pytest.mark.parametrize("fmt", ["json", "csv", "markdown", "table", "xlsx"])
def test_shuffled_and_split_rows_give_the_same_bytes(tmp_path: Path, fmt: str) -> None:
    split = tmp_path / "split"
    split.mkdir()
    pattern = _shuffled_split(split, seed=20261201)
    whole, parts = tmp_path / f"whole.{fmt}", tmp_path / f"parts.{fmt}"
    _check(str(SAMPLE), fmt, whole)
    _check(pattern, fmt, parts)
    assert whole.read_bytes() == parts.read_bytes()


def test_totals_are_the_exact_decimal_sums(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    _check(str(SAMPLE), "json", out)
    text = out.read_text(encoding="utf-8")
    # 万元 with two decimals summed exactly, then divided once (on 0c0e0b4's sample, a float
    # sum printed 1848.7609499999999 for 1848.76095).
    assert '"2024": 1850.00002,' in text


def test_the_workbook_dates_come_from_source_date_epoch(tmp_path: Path) -> None:
    fixed, dated = tmp_path / "fixed.xlsx", tmp_path / "dated.xlsx"
    _check(str(SAMPLE), "xlsx", fixed)
    _check(str(SAMPLE), "xlsx", dated, SOURCE_DATE_EPOCH="1767225600")
    core = zipfile.ZipFile(fixed).read("docProps/core.xml").decode()
    assert '<dcterms:created xsi:type="dcterms:W3CDTF">1980-01-01T00:00:00Z' in core
    core = zipfile.ZipFile(dated).read("docProps/core.xml").decode()
    assert '<dcterms:created xsi:type="dcterms:W3CDTF">2026-01-01T00:00:00Z' in core


@pytest.mark.parametrize(
    ("values", "digits"),
    [
        ([1.5, 0.123456, 20.0], 6),
        ([3.0, 12.0], 0),
        ([1234.56 / 10_000, 0.01 / 10_000], 6),  # 万元 with two decimals, in 亿元
        ([0.1, 0.2], 1),
        ([1e4, 1.23456789012345], 11),  # the largest value leaves 11 exact decimals
    ],
)
def test_revenue_digits(values: list[float], digits: int) -> None:
    assert revenue_digits(pl.Series(values)) == digits


def test_an_exact_sum_is_the_decimal_sum_correctly_rounded() -> None:
    values = [0.1] * 10 + [0.2] * 5
    assert sum(values) != 2.0  # the float sum drifts
    units = (pl.Series(values) * 10).round().cast(pl.Int128).sum()
    assert from_units(units, 1) == 2.0


def test_explain_shares_do_not_depend_on_the_row_order(tmp_path: Path) -> None:
    """Everything but the rows' places (file and line) is the same."""
    import json

    split = tmp_path / "split"
    split.mkdir()
    pattern = _shuffled_split(split, seed=7)
    outs = []
    for panel in (str(SAMPLE), pattern):
        done = subprocess.run(
            [sys.executable, "-m", "jingan_kpi", "explain", "lbs_top20_share", panel, "-f", "json"],
            check=True,
            capture_output=True,
            text=True,
        )
        data = json.loads(done.stdout)
        for per_year in data["top"].values():
            for rows in per_year.values():
                for row in rows:
                    row.pop("source")
        outs.append(json.dumps(data, ensure_ascii=False))
    assert outs[0] == outs[1]
