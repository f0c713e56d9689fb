"""Secondary suppression on hand-made hierarchies whose right pattern is known."""

from __future__ import annotations

import itertools

import polars as pl

from jingan_kpi.compute.disclosure import CellSpec, assess, in_span
from jingan_kpi.plan.model import DisclosureRules

DEFAULTS = DisclosureRules()


def pattern(result, year=2025):
    """Primary and secondary keys of a year."""
    primary = {c.key for c in result.cells.values() if c.year == year and c.primary_rules}
    secondary = {c.key for c in result.cells.values() if c.year == year and c.secondary}
    return primary, secondary


# -- total = A + B + C ------------------------------------------------------------------------

THREE_PART = [
    CellSpec("total", ("72",)),
    CellSpec("A", ("723",)),
    CellSpec("B", ("724",)),
    CellSpec("C", ("725",)),
]


def test_three_parts_the_smaller_complement_is_suppressed(make_frame):
    # A: two firms (40, 30) → unsafe. B = 20+20+15 = 55 < C = 50+40+30 = 120: B goes.
    frame = make_frame(
        [("7231", 2025, r, "z") for r in (40, 30)]
        + [("7241", 2025, r, "z") for r in (20, 20, 15)]
        + [("7251", 2025, r, "z") for r in (50, 40, 30)]
    )
    assert pattern(assess(frame, THREE_PART, DEFAULTS)) == ({"A"}, {"B"})


def test_three_parts_a_complement_too_small_to_protect_is_passed_over(make_frame):
    # A = (40, 30) needs 10% of 40 = 4 of hidden revenue beside it; B = 1+1+1 = 3 would let the
    # second firm of A bound the first within 3/40 = 7.5% (and total − C = A + B would break
    # the p% rule itself). C is withheld instead.
    frame = make_frame(
        [("7231", 2025, r, "z") for r in (40, 30)]
        + [("7241", 2025, r, "z") for r in (1, 1, 1)]
        + [("7251", 2025, r, "z") for r in (50, 40, 30)]
    )
    assert pattern(assess(frame, THREE_PART, DEFAULTS)) == ({"A"}, {"C"})


def test_nothing_unsafe_nothing_suppressed(make_frame):
    frame = make_frame(
        [("7231", 2025, r, "z") for r in (20, 20, 15)]
        + [("7241", 2025, r, "z") for r in (20, 20, 15)]
        + [("7251", 2025, r, "z") for r in (50, 40, 30)]
    )
    assert pattern(assess(frame, THREE_PART, DEFAULTS)) == (set(), set())


def test_two_unsafe_parts_protect_each_other(make_frame):
    # A and B both unsafe: withholding both leaves total − C = A + B, a safe sum of four firms;
    # nothing more is needed.
    frame = make_frame(
        [("7231", 2025, r, "z") for r in (40, 30)]
        + [("7241", 2025, r, "z") for r in (35, 25)]
        + [("7251", 2025, r, "z") for r in (50, 40, 30)]
    )
    assert pattern(assess(frame, THREE_PART, DEFAULTS)) == ({"A", "B"}, set())


def test_years_are_independent(make_frame):
    frame = make_frame(
        [("7231", 2025, r, "z") for r in (40, 30)]
        + [("7241", 2025, r, "z") for r in (20, 20, 15)]
        + [("7251", 2025, r, "z") for r in (50, 40, 30)]
        + [("7231", 2024, r, "z") for r in (20, 20, 15)]
        + [("7241", 2024, r, "z") for r in (20, 20, 15)]
        + [("7251", 2024, r, "z") for r in (50, 40, 30)]
    )
    result = assess(frame, THREE_PART, DEFAULTS)
    assert pattern(result, 2025) == ({"A"}, {"B"})
    assert pattern(result, 2024) == (set(), set())


# -- two levels: lbs = professional + rest; professional = five parts ---------------------------

TWO_LEVEL = [
    CellSpec("lbs", ("71", "72")),
    CellSpec("professional", ("721", "723", "724", "725", "726")),
    CellSpec("rest_of_lbs", ("711", "712", "713", "722", "727", "728", "729")),
    CellSpec("hr", ("726",)),
    CellSpec("org", ("721",)),
    CellSpec("consulting", ("724",)),
    CellSpec("legal", ("723",)),
    CellSpec("advertising", ("725",)),
]


def two_level_frame(make_frame):
    return make_frame(
        [("7231", 2025, r, "z") for r in (5, 4)]  # legal: two firms → unsafe
        + [("7261", 2025, r, "z") for r in (30, 30, 30)]  # hr 90
        + [("7211", 2025, r, "z") for r in (100, 90, 80)]  # org 270
        + [("7241", 2025, r, "z") for r in (60, 50, 40)]  # consulting 150
        + [("7251", 2025, r, "z") for r in (200, 150, 100)]  # advertising 450
        + [("7111", 2025, r, "z") for r in (300, 200, 100)]  # rest of lbs 600
    )


def test_two_levels_legal_takes_the_smallest_sibling_not_a_total(make_frame):
    result = assess(two_level_frame(make_frame), TWO_LEVEL, DEFAULTS)
    assert pattern(result) == ({"legal"}, {"hr"})
    for key in ("lbs", "professional", "rest_of_lbs"):
        assert not result.is_suppressed(key, 2025)


# -- zones crossing sectors ---------------------------------------------------------------------


def test_zone_partition_of_a_sector(make_frame):
    # lbs is split into three zones and into two sectors; zone 大宁 has two firms.
    rows = [
        ("7241", 2025, 50, "南京西路"),
        ("7241", 2025, 40, "南京西路"),
        ("7251", 2025, 30, "南京西路"),
        ("7241", 2025, 20, "苏河湾"),
        ("7251", 2025, 20, "苏河湾"),
        ("7251", 2025, 15, "苏河湾"),
        ("7241", 2025, 10, "大宁"),
        ("7251", 2025, 9, "大宁"),
    ]
    cells = [
        CellSpec("lbs", ("71", "72")),
        CellSpec("consulting", ("724",)),
        CellSpec("advertising", ("725",)),
        *(CellSpec(z, ("71", "72"), zones=frozenset({z})) for z in ("南京西路", "苏河湾", "大宁")),
    ]
    result = assess(make_frame(rows), cells, DEFAULTS)
    # 大宁 = lbs − 南京西路 − 苏河湾: the smaller zone (苏河湾, 55) is withheld too; sector cells
    # and lbs stay.
    assert pattern(result) == ({"大宁"}, {"苏河湾"})


def test_two_by_two_table_with_margins(make_frame):
    # Sectors S1 (724), S2 (725) × zones Z1, Z2, with both margins and the grand total.
    # The interior cell S1×Z1 has two firms. In a 2×2 table with published margins, every
    # interior cell is recoverable from any one other, so all four interior cells must go
    # and the margins can stay.
    rows = (
        [("7241", 2025, r, "Z1") for r in (30, 20)]
        + [("7241", 2025, r, "Z2") for r in (40, 30, 30)]
        + [("7251", 2025, r, "Z1") for r in (50, 40, 35)]
        + [("7251", 2025, r, "Z2") for r in (60, 50, 45)]
    )
    sect = {"S1": "724", "S2": "725"}
    cells = [CellSpec("total", ("72",))]
    cells += [CellSpec(s, (c,)) for s, c in sect.items()]
    cells += [CellSpec(z, ("72",), zones=frozenset({z})) for z in ("Z1", "Z2")]
    cells += [
        CellSpec(f"{s}x{z}", (c,), zones=frozenset({z}))
        for (s, c), z in itertools.product(sect.items(), ("Z1", "Z2"))
    ]
    result = assess(make_frame(rows), cells, DEFAULTS)
    assert pattern(result) == ({"S1xZ1"}, {"S1xZ2", "S2xZ1", "S2xZ2"})


def test_identical_cells_are_suppressed_together(make_frame):
    # In 2025 every professional firm is legal: the two cells are the same set of firms.
    frame = make_frame([("7231", 2025, r, "z") for r in (5, 4)] + [("7111", 2025, 50, "z")] * 3)
    cells = [
        CellSpec("lbs", ("71", "72")),
        CellSpec("professional", ("721", "723", "724", "725", "726")),
        CellSpec("legal", ("723",)),
        CellSpec("rest_of_lbs", ("711",)),
    ]
    result = assess(frame, cells, DEFAULTS)
    primary, secondary = pattern(result)
    assert primary == {"legal", "professional"}
    assert secondary == {"rest_of_lbs"}  # lbs − rest = legal; the total stays


def test_differencing_a_nested_cell_is_protected(make_frame):
    # revenue(lbs) and revenue(lbs, min_revenue=10) are both safe, but their difference is the
    # one firm under 10; one of them must go, and not the total.
    frame = make_frame([("7241", 2025, r, "z") for r in (50, 40, 30, 5)])
    cells = [CellSpec("lbs", ("72",)), CellSpec("lbs_big", ("72",), min_revenue=10)]
    result = assess(frame, cells, DEFAULTS)
    assert pattern(result) == (set(), {"lbs_big"})


def test_top_share_exposing_the_rest_is_withheld_not_the_total(make_frame):
    # CR3 of four firms reveals the fourth firm through X − CR3·X.
    frame = make_frame([("7241", 2025, r, "z") for r in (50, 40, 30, 5)])
    cells = [CellSpec("lbs", ("72",))]
    result = assess(frame, cells, DEFAULTS, top_n={"lbs": [3]})
    assert not result.is_suppressed("lbs", 2025)
    assert result.top_share_withheld("lbs", 3, 2025)


def test_same_input_same_pattern_whatever_the_row_order(make_frame):
    frame = two_level_frame(make_frame)
    first = assess(frame, TWO_LEVEL, DEFAULTS)
    shuffled = frame.sample(fraction=1.0, shuffle=True, seed=7)
    second = assess(shuffled, list(reversed(TWO_LEVEL)), DEFAULTS)
    assert first.cells == second.cells


def test_in_span():
    assert in_span([(1, 1, 0), (0, 1, 0)], (1, 0, 0))
    assert not in_span([(1, 1, 0), (0, 1, 1)], (1, 0, 0))
    assert in_span([], (0, 0))
    assert not in_span([], (0, 1))


def test_frame_schema_is_the_panel_schema(make_frame):
    frame = make_frame([("7241", 2025, 1, "z")])
    assert frame.schema["year"] == pl.Int32()
