"""Issue 14 item 9: the Python API's errors name its own parameters and are InputErrors."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

import jingan_kpi
from jingan_kpi.errors import InputError

TESTS = Path(__file__).parent.parent
PANEL = TESTS / "cli" / "small_panel.csv"
PLAN = TESTS / "compute" / "plan_small.yaml"


def test_as_of_outside_the_panel_names_as_of() -> None:
    with pytest.raises(InputError) as caught:
        jingan_kpi.evaluate(PANEL, plan=PLAN, as_of=2030)
    assert str(caught.value) == (
        "as_of=2030 is not a year the panel covers (2024, 2025, 2026); give one of those years"
    )


def test_a_bad_unit_names_unit() -> None:
    with pytest.raises(InputError) as caught:
        jingan_kpi.evaluate(PANEL, plan=PLAN, unit="yuan")
    assert str(caught.value) == 'unit "yuan" is not a money unit; use one of 元, 千元, 万元, 亿元'


def test_an_unknown_indicator_is_an_input_error() -> None:
    with pytest.raises(InputError, match=r"no indicator 'lbs_revenu'.*did you mean 'lbs_revenue'"):
        jingan_kpi.explain("lbs_revenu", PANEL, plan=PLAN)


def test_a_frame_with_a_list_column_is_an_input_error() -> None:
    frame = pl.DataFrame(
        {
            "credit_code": [["91310106MA1FL0000J"]],
            "industry_code": ["7263"],
            "year": ["2025"],
            "revenue": ["1"],
        }
    )
    with pytest.raises(InputError) as caught:
        jingan_kpi.evaluate(frame, plan=PLAN)
    assert str(caught.value) == (
        "<dataframe>: column 'credit_code' holds List(String) values; a panel frame holds one "
        "text (or number) value per cell: explode or join the values first"
    )


def test_an_unknown_indicator_of_an_evaluation_is_an_input_error() -> None:
    ev = jingan_kpi.evaluate(PANEL, plan=PLAN)
    with pytest.raises(InputError) as caught:
        ev.indicator("lbs_revenu")
    assert str(caught.value) == (
        "no indicator 'lbs_revenu' in plan small-test-plan (did you mean 'lbs_revenue'?)"
    )
    assert isinstance(caught.value, KeyError)  # as before: a failed lookup


def test_an_unknown_column_to_keep_is_an_input_error() -> None:
    with pytest.raises(InputError) as caught:
        jingan_kpi.read_panel(PANEL, columns=["revnue"])
    assert str(caught.value).startswith("columns: revnue not panel columns (")
    assert isinstance(caught.value, ValueError)
