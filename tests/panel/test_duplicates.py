"""The duplicate rule's fast path (hash, sort, candidates) against the exact window."""

from __future__ import annotations

from typing import Any

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from jingan_kpi.panel.rules import with_duplicate_flag

CODES = ["A", "B", "C", "D", "E"]


def _exact(frame: pl.DataFrame) -> list[bool]:
    passes = pl.col("passes")
    key = pl.when(passes).then(pl.col("code"))
    return frame.select(passes & (pl.len().over(key, pl.col("year")) > 1)).to_series().to_list()


def _fast(frame: pl.DataFrame, **kwargs: Any) -> list[bool]:
    flagged = with_duplicate_flag(
        frame.lazy(), passes=pl.col("passes"), code=pl.col("code"), year=pl.col("year"), **kwargs
    )
    out = flagged.collect(engine="in-memory")
    assert out.columns == [*frame.columns, "_duplicate"]  # the helper columns are dropped
    return out.get_column("_duplicate").to_list()


def test_by_hand() -> None:
    frame = pl.DataFrame(
        {
            "code": ["A", "A", "A", "B", "B", "C", "C"],
            "year": [2025, 2025, 2026, 2025, 2025, 2025, 2025],
            "passes": [True, True, True, True, False, True, True],
        },
        schema_overrides={"year": pl.Int32},
    )
    # A/2025 twice (both copies), A/2026 once, B/2025 once among passing rows, C/2025 twice
    want = [True, True, False, False, False, True, True]
    assert _exact(frame) == want
    assert _fast(frame) == want
    # a hash with two values: every key collides, so the exact window decides
    assert _fast(frame, key_hash=lambda key: key.hash() % 2) == want


def test_no_rows_pass() -> None:
    frame = pl.DataFrame(
        {"code": ["A", "A"], "year": [2025, 2025], "passes": [False, False]},
        schema_overrides={"year": pl.Int32},
    )
    assert _fast(frame) == [False, False]


@given(
    st.lists(
        st.tuples(st.sampled_from(CODES), st.integers(2024, 2026), st.booleans()),
        min_size=1,
        max_size=40,
    ),
    st.sampled_from([None, 1, 2, 3, 7]),
)
def test_fast_path_equals_the_window(rows: list[tuple[str, int, bool]], modulus: int | None) -> None:
    """On any rows, with the real hash or a weak one (collisions), the same copies are flagged."""
    frame = pl.DataFrame(
        {"code": [r[0] for r in rows], "year": [r[1] for r in rows], "passes": [r[2] for r in rows]},
        schema_overrides={"year": pl.Int32},
    )
    kwargs = {} if modulus is None else {"key_hash": lambda key: key.hash() % modulus}
    assert _fast(frame, **kwargs) == _exact(frame)
