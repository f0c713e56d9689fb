"""The compact enterprise key (contract §8): ``read_panel(columns=[..., "credit_key"])`` keeps
the 64-bit hash of the upper-case credit code instead of the code."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from jingan_kpi.panel import read_panel
from jingan_kpi.panel.rules import credit_key

from .conftest import FACTS, code

C1 = code("91310106123456789")
C2 = code("9131010698765432X")


def test_key_is_the_hash_of_the_upper_case_code(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    rows = [
        f"{C1.lower()},7211,2024,10",
        f"{C1},7211,2025,12",
        f"{C2},7263,2025,5",
        f"{C2},7263,bad,5",
    ]
    path.write_text("credit_code,industry_code,year,revenue\n" + "\n".join(rows) + "\n")
    keyed = read_panel(path, columns=["year", "credit_key"], **FACTS)  # type: ignore[arg-type]
    assert keyed.frame.columns == ["industry_code", "year", "revenue", "credit_key"]
    assert keyed.frame.schema["credit_key"] == pl.UInt64
    full = read_panel(path, **FACTS)  # type: ignore[arg-type]
    assert "credit_key" not in full.frame.columns
    expected = full.frame.select(credit_key(pl.col("credit_code"))).to_series()
    assert keyed.frame.get_column("credit_key").to_list() == expected.to_list()
    # the lower-case and the upper-case spelling are one enterprise
    assert keyed.frame.get_column("credit_key").n_unique() == 2
    assert keyed.counts == full.counts


def test_unknown_column_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.csv"
    path.write_text(f"credit_code,industry_code,year,revenue\n{C1},7211,2024,10\n")
    with pytest.raises(ValueError, match="credit_kee not panel columns"):
        read_panel(path, columns=["credit_kee"], **FACTS)  # type: ignore[arg-type]
