"""Primary suppression: each rule on hand-made cells whose verdict was worked out by hand."""

from __future__ import annotations

import re

import pytest

from jingan_kpi.compute.disclosure import CellSpec, assess
from jingan_kpi.plan.model import DisclosureRules

DEFAULTS = DisclosureRules()  # n = 3; (2, 85); p = 10
LEGAL = CellSpec("revenue(legal)", ("723",))
ONLY_FREQUENCY = DisclosureRules(min_frequency=3, dominance_k=100, p_percent=0)
ONLY_DOMINANCE = DisclosureRules(min_frequency=1, dominance_n=2, dominance_k=85, p_percent=0)
ONLY_P = DisclosureRules(min_frequency=1, dominance_k=100, p_percent=10)


def legal_frame(make_frame, revenues, year=2025):
    return make_frame([("7231", year, r, "南京西路") for r in revenues])


def rules_of(frame, rules, cell=LEGAL, year=2025):
    return assess(frame, [cell], rules).record(cell.key, year).primary_rules


# -- minimum frequency ---------------------------------------------------------------------


def test_two_firms_break_minimum_frequency(make_frame):
    assert rules_of(legal_frame(make_frame, [30, 30]), ONLY_FREQUENCY) == ("min_frequency",)


def test_three_firms_meet_minimum_frequency(make_frame):
    assert rules_of(legal_frame(make_frame, [30, 30, 30]), ONLY_FREQUENCY) == ()


def test_two_firms_break_every_rule_under_the_defaults(make_frame):
    # Two firms: x1 + x2 is 100% of X (> 85%) and X − x1 − x2 = 0 < 10% of x1.
    result = assess(legal_frame(make_frame, [30, 20]), [LEGAL], DEFAULTS)
    record = result.record(LEGAL.key, 2025)
    assert record.primary_rules == ("min_frequency", "dominance", "p_percent")
    assert record.n_contributors == 2
    assert result.is_suppressed(LEGAL.key, 2025)


def test_a_cell_without_contributors_is_publishable(make_frame):
    # Total 0 from nobody reveals nothing about anybody; the year is in the panel through
    # another sector.
    frame = make_frame([("7241", 2025, 10, "苏河湾")] * 3)
    record = assess(frame, [LEGAL], DEFAULTS).record(LEGAL.key, 2025)
    assert record.n_contributors == 0
    assert record.primary_rules == ()
    assert not record.suppressed


def test_a_year_outside_the_panel_has_empty_publishable_cells(make_frame):
    frame = legal_frame(make_frame, [10, 10, 10])
    result = assess(frame, [LEGAL], DEFAULTS, years=[2024, 2025])
    assert not result.is_suppressed(LEGAL.key, 2024)
    assert result.record(LEGAL.key, 2024).n_contributors == 0


def test_zero_revenue_firms_count_as_contributors(make_frame):
    # Three firms of revenue 0: no rule breaks (k% and p% of 0 is 0; the comparisons are
    # strict). One firm of revenue 0 breaks minimum frequency.
    assert rules_of(legal_frame(make_frame, [0, 0, 0]), DEFAULTS) == ()
    assert rules_of(legal_frame(make_frame, [0]), DEFAULTS) == ("min_frequency",)


# -- (n,k) dominance -----------------------------------------------------------------------


def test_one_firm_at_90_percent_breaks_dominance(make_frame):
    # X = 100; x1 + x2 = 90 + 5 = 95 > 85.
    frame = legal_frame(make_frame, [90, 5, 3, 2])
    assert rules_of(frame, ONLY_DOMINANCE) == ("dominance",)


def test_dominance_is_about_the_top_two_not_the_top_one(make_frame):
    # x1 = 50% of X only, but x1 + x2 = 90% > 85%.
    frame = legal_frame(make_frame, [50, 40, 5, 5])
    assert rules_of(frame, ONLY_DOMINANCE) == ("dominance",)


def test_dominance_boundary_is_not_unsafe(make_frame):
    # x1 + x2 = 50 + 35 = 85 = exactly 85% of 100: the rule needs more than k%.
    frame = legal_frame(make_frame, [50, 35, 10, 5])
    assert rules_of(frame, ONLY_DOMINANCE) == ()
    assert rules_of(frame, DEFAULTS) == ()  # X − x1 − x2 = 15 ≥ 10% of 50


def test_two_firms_always_dominate_with_n_2(make_frame):
    frame = legal_frame(make_frame, [50, 50])
    assert rules_of(frame, ONLY_DOMINANCE) == ("dominance",)


def test_dominance_n_is_configurable(make_frame):
    # (3, 85): x1 + x2 + x3 = 30 + 30 + 30 = 90 > 85, while (2, 85) gives 60 ≤ 85.
    frame = legal_frame(make_frame, [30, 30, 30, 10])
    assert rules_of(frame, ONLY_DOMINANCE) == ()
    three = DisclosureRules(min_frequency=1, dominance_n=3, dominance_k=85, p_percent=0)
    assert rules_of(frame, three) == ("dominance",)


# -- p% rule --------------------------------------------------------------------------------


def test_p_percent_boundary_is_not_unsafe(make_frame):
    # X = 100, x1 = 50, x2 = 45: X − x1 − x2 = 5 and 10% of 50 = 5; not less → safe.
    frame = legal_frame(make_frame, [50, 45, 5])
    assert rules_of(frame, ONLY_P) == ()
    # The same cell breaks (2, 85) dominance (95 > 85): the rules are independent.
    assert rules_of(frame, DEFAULTS) == ("dominance",)


def test_p_percent_boundary_with_many_small_firms(make_frame):
    frame = legal_frame(make_frame, [50, 45, 2, 2, 1])
    assert rules_of(frame, ONLY_P) == ()


def test_p_percent_just_below_the_boundary_is_unsafe(make_frame):
    frame = legal_frame(make_frame, [50, 45, 4.5])
    assert rules_of(frame, ONLY_P) == ("p_percent",)


def test_p_percent_catches_what_dominance_misses(make_frame):
    # x1 = 40, x2 = 2, forty firms of 0.09 (3.6 in all): X = 45.6, x1 + x2 = 92% of X, so
    # (2, 95) dominance passes, while X − x1 − x2 = 3.6 < 10% of 40 = 4 breaks the p% rule.
    frame = legal_frame(make_frame, [40, 2] + [0.09] * 40)
    loose = DisclosureRules(min_frequency=3, dominance_k=95, p_percent=10)
    assert rules_of(frame, loose) == ("p_percent",)


def test_negative_contributions_are_judged_by_magnitude(make_frame):
    # A firm with −90 and two of 5: by magnitude x1 = 90 dominates.
    frame = legal_frame(make_frame, [-90, 5, 5])
    assert "dominance" in rules_of(frame, DEFAULTS)


# -- filters define the cell ----------------------------------------------------------------


def test_filters_zone_hq_and_min_revenue(make_frame):
    frame = make_frame(
        [
            ("7231", 2025, 10, "南京西路", "regional"),
            ("7232", 2025, 20, "南京西路", None),
            ("7233", 2025, 30, "苏河湾", "private"),
            ("7241", 2025, 40, "南京西路", "regional"),
            ("7231", 2025, 50, None, None),
        ]
    )
    cells = [
        CellSpec("legal_nj", ("723",), zones=frozenset({"南京西路"})),
        CellSpec("legal_hq", ("723",), hq=True),
        CellSpec("legal_not_hq", ("723",), hq=False),
        CellSpec("legal_big", ("723",), min_revenue=20),
        CellSpec("legal_consulting", ("723", "724")),
    ]
    result = assess(frame, cells, DisclosureRules(min_frequency=1, dominance_k=100, p_percent=0))
    counts = {c.key: result.record(c.key, 2025).n_contributors for c in cells}
    assert counts == {
        "legal_nj": 2,
        "legal_hq": 2,
        "legal_not_hq": 2,
        "legal_big": 3,
        "legal_consulting": 5,
    }


# -- HHI and CRn ---------------------------------------------------------------------------


def test_hhi_withheld_when_it_bounds_the_largest_firm(make_frame):
    # x1 = 50, then fifty firms of 1: the cell passes every rule (x1 + x2 = 51% of 101;
    # X − x1 − x2 = 50 ≥ 5), but with X and the HHI the second firm knows
    # x1² + Σ_{i≥3} xi² = 2500 + 49, so x1 ≤ 50.49: within 1%. Withhold the HHI.
    frame = legal_frame(make_frame, [50] + [1] * 50)
    result = assess(frame, [LEGAL], DEFAULTS)
    assert not result.is_suppressed(LEGAL.key, 2025)
    assert result.hhi_withheld(LEGAL.key, 2025)
    audit = result.unsafe_cells()
    assert [(u.kind, u.rules) for u in audit] == [("hhi", ("hhi_p_percent",))]


def test_hhi_published_for_an_even_cell(make_frame):
    frame = legal_frame(make_frame, [10] * 10)
    result = assess(frame, [LEGAL], DEFAULTS)
    assert not result.hhi_withheld(LEGAL.key, 2025)


def test_hhi_withheld_with_its_cell(make_frame):
    result = assess(legal_frame(make_frame, [10, 10]), [LEGAL], DEFAULTS)
    assert result.hhi_withheld(LEGAL.key, 2025)


def test_top_share_rules(make_frame):
    # Ten firms: 30, 20, 10, 10, 10, 5, 5, 4, 3, 3 (X = 100).
    frame = legal_frame(make_frame, [30, 20, 10, 10, 10, 5, 5, 4, 3, 3])
    result = assess(frame, [LEGAL], DEFAULTS, top_n={LEGAL.key: [1, 4, 9, 10, 20]})
    assert not result.is_suppressed(LEGAL.key, 2025)
    # CR1 reveals the largest firm: one contributor.
    assert result.top_share_withheld(LEGAL.key, 1, 2025)
    # CR4: the top four (30, 20, 10, 10) and the other six (10, 5, 5, 4, 3, 3) are both safe.
    assert not result.top_share_withheld(LEGAL.key, 4, 2025)
    # CR9 with X reveals the tenth firm alone.
    assert result.top_share_withheld(LEGAL.key, 9, 2025)
    # CR10 and CR20 are 1: the N largest are the whole (safe) cell, the rest is empty.
    assert not result.top_share_withheld(LEGAL.key, 10, 2025)
    assert not result.top_share_withheld(LEGAL.key, 20, 2025)


def test_top_share_withheld_with_its_cell(make_frame):
    frame = legal_frame(make_frame, [90, 3, 3, 2, 2])
    result = assess(frame, [LEGAL], DEFAULTS, top_n={LEGAL.key: [4]})
    assert result.is_suppressed(LEGAL.key, 2025)
    assert result.top_share_withheld(LEGAL.key, 4, 2025)


# -- the result object ----------------------------------------------------------------------


def test_rule_set_description_names_no_parameters(make_frame):
    result = assess(legal_frame(make_frame, [1, 2, 3]), [LEGAL], DEFAULTS)
    text = result.rule_set_description()
    assert "minimum frequency" in text
    assert "dominance" in text
    assert "p%" in text
    assert not re.search(r"\d", text)


def test_unsafe_cells_lists_rules_and_contributors(make_frame):
    frame = make_frame(
        [("7231", 2025, 10, "a"), ("7231", 2025, 10, "a")]
        + [("7241", 2025, 10, "a")] * 3
        + [("7231", 2024, 10, "a")] * 3
    )
    cells = [LEGAL, CellSpec("revenue(consulting)", ("724",))]
    audit = assess(frame, cells, DEFAULTS).unsafe_cells()
    assert [(u.kind, u.key, u.year, u.rules, u.n_contributors) for u in audit] == [
        ("cell", LEGAL.key, 2025, ("min_frequency", "dominance", "p_percent"), 2)
    ]
    assert audit[0].to_dict()["rules"] == ["min_frequency", "dominance", "p_percent"]


def test_unknown_cell_or_year_raises_key_error(make_frame):
    result = assess(legal_frame(make_frame, [1, 2, 3]), [LEGAL], DEFAULTS)
    with pytest.raises(KeyError, match="2030"):
        result.is_suppressed(LEGAL.key, 2030)
    with pytest.raises(KeyError, match="top_n"):
        result.top_share_withheld(LEGAL.key, 5, 2025)


def test_bad_cell_lists_are_rejected(make_frame):
    frame = legal_frame(make_frame, [1, 2, 3])
    with pytest.raises(ValueError, match="unique"):
        assess(frame, [LEGAL, LEGAL], DEFAULTS)
    with pytest.raises(ValueError, match="not in cells"):
        assess(frame, [LEGAL], DEFAULTS, top_n={"revenue(hr)": [5]})
