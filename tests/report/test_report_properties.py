"""Invariants of the HTML report on generated panels (tests/properties' strategies): whatever
the data, the file is self-contained, names every targeted indicator in a chart, shows in its
text alternatives exactly the evaluation's figures, and under ``--publish`` shows no withheld
figure and no enterprise."""

from __future__ import annotations

import re
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from jingan_kpi import evaluate
from jingan_kpi.plan import load_plan
from jingan_kpi.render.report import render

from ..properties.strategies import GenPanel, panels
from .test_report import assert_self_contained

PLAN = load_plan()
WHEN = datetime(2026, 1, 1, tzinfo=UTC)
CELL = re.compile(r"<td ([^>]*)>")
ATTR = re.compile(r'([\w-]+)="([^"]*)"')


@settings(max_examples=20)
@given(panels(out_of_scope=False), st.booleans())
def test_report_shows_exactly_the_evaluation(panel: GenPanel, publish: bool):
    ev = evaluate(panel.frame(), plan=PLAN, publish=publish)
    html = render(ev, plan=PLAN, inputs=["generated"], generated=WHEN)
    assert html == render(ev, plan=PLAN, inputs=["generated"], generated=WHEN)
    assert_self_contained(html)
    for ind in ev.indicators:
        if ind.target is not None:
            fig = re.search(rf'<figure [^>]*data-indicator="{ind.id}">(.*?)</figure>', html)
            assert fig, ind.id
            assert ind.name_zh in fig.group(1)
            assert "<svg" in fig.group(1)
    by_id = {i.id: i for i in ev.indicators}
    for m in CELL.finditer(html):
        attrs = dict(ATTR.findall(m.group(1)))
        if "data-indicator" not in attrs:
            continue
        ind = by_id[attrs["data-indicator"]]
        year = int(attrs["data-year"])
        withheld = bool(ind.suppressed and year in ind.suppressed)
        assert ("data-withheld" in attrs) == withheld
        if "data-value" in attrs:
            assert not withheld
            value = ind.values[year]
            assert attrs["data-value"] == (
                str(int(value)) if ind.kind == "count" else repr(float(value))
            )
    if publish:
        for row in panel.rows:
            assert row.credit_code not in html
            assert f"企业{row.credit_code[-4:]}" not in html
