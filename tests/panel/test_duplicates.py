"""The duplicate rule across batches (hash, sort, candidates, exact count on the candidates'
keys) against the exact count over all rows."""

from __future__ import annotations

import itertools

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from jingan_kpi.panel.rules import copies, hash_candidates, key_hash

CODES = ["A", "B", "C", "D", "E"]


def _frame(rows: list[tuple[str, int]]) -> pl.DataFrame:
    """Rows of (code, year), each identified by its position as ``source_line``."""
    return pl.DataFrame(
        {
            "credit_code": [code for code, _ in rows],
            "year": [year for _, year in rows],
            "_file": [0] * len(rows),
            "source_line": list(range(len(rows))),
        },
        schema={
            "credit_code": pl.String,
            "year": pl.Int32,
            "_file": pl.UInt32,
            "source_line": pl.Int64,
        },
    )


def _exact(frame: pl.DataFrame) -> list[int]:
    flagged = frame.filter(pl.len().over("credit_code", "year") > 1)
    return sorted(flagged.get_column("source_line").to_list())


def _fast(frame: pl.DataFrame, cuts: list[int], modulus: int | None = None) -> list[int]:
    """``duplicate_rows`` on ``frame`` cut into parts at ``cuts`` (as batches arrive)."""
    hashed = key_hash(pl.col("credit_code"), pl.col("year"))
    if modulus is not None:  # a weak hash: different keys collide
        hashed = hashed % modulus
    frame = frame.with_columns(_dup_hash=hashed.cast(pl.UInt64))
    bounds = [0, *sorted(c for c in cuts if 0 < c < frame.height), frame.height]
    parts = [frame.slice(a, b - a) for a, b in itertools.pairwise(bounds) if b > a]
    candidates = hash_candidates(parts)
    assert candidates.columns == ["_file", "source_line"]
    # their keys, as read_panel reads them again from the file
    keys = candidates.join(frame, on=["_file", "source_line"], how="left")
    return sorted(copies(keys).get_column("source_line").to_list())


def test_by_hand() -> None:
    rows = [
        ("A", 2025),
        ("A", 2025),
        ("A", 2026),
        ("B", 2025),
        ("C", 2025),
        ("B", 2026),
        ("C", 2025),
    ]
    # A/2025 twice (both copies), A/2026 once, B once a year, C/2025 twice (in different parts)
    want = [0, 1, 4, 6]
    frame = _frame(rows)
    assert _exact(frame) == want
    assert _fast(frame, cuts=[]) == want
    assert _fast(frame, cuts=[1, 5]) == want
    # a hash with two values: keys collide, and the exact count on the candidates decides
    assert _fast(frame, cuts=[3], modulus=2) == want


def test_no_rows() -> None:
    assert hash_candidates([]).height == 0
    assert _fast(_frame([("A", 2025), ("A", 2026)]), cuts=[1]) == []


@given(
    st.lists(st.tuples(st.sampled_from(CODES), st.integers(2024, 2026)), min_size=1, max_size=40),
    st.lists(st.integers(0, 40), max_size=4),
    st.sampled_from([None, 1, 2, 3, 7]),
)
def test_fast_path_equals_the_count(
    rows: list[tuple[str, int]], cuts: list[int], modulus: int | None
) -> None:
    """On any rows, cut into any batches, with the real hash or a weak one, the same copies."""
    frame = _frame(rows)
    assert _fast(frame, cuts, modulus) == _exact(frame)
