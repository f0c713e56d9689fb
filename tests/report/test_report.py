"""``jingan-kpi report``: the HTML file, read as text and opened in a real headless browser.

The small panel is tests/cli's hand-made panel (tests/compute/test_evaluate.py works its figures
out by hand); the bundled sample gives every chart of the shipped plan.
"""

from __future__ import annotations

import csv
import itertools
import json
import math
import os
import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from typer.testing import CliRunner

from jingan_kpi import evaluate
from jingan_kpi.cli import app
from jingan_kpi.render.format import STATUS_LABELS
from jingan_kpi.render.report import render
from jingan_kpi.render.report.svg import nice_ticks

from .browser import INSTALL_HINT, find_browser, open_page

HERE = Path(__file__).parent
ROOT = HERE.parent.parent
SMALL_PANEL = str(HERE.parent / "cli" / "small_panel.csv")
SMALL_REF = str(HERE.parent / "cli" / "small_reference.csv")
SMALL_PLAN = str(HERE.parent / "compute" / "plan_small.yaml")
SAMPLE = str(ROOT / "data" / "samples" / "panel_2024_2026.csv")
SAMPLE_REF = str(ROOT / "data" / "samples" / "reference.csv")
EPOCH = {"SOURCE_DATE_EPOCH": "1764633600"}  # 2025-12-02 00:00 UTC

runner = CliRunner()


def run(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, list(args), env={"NO_COLOR": "1", **EPOCH, **(env or {})})


def make_report(tmp_path: Path, *args: str, name: str = "report.html") -> tuple[str, str]:
    out = tmp_path / name
    result = run("report", *args, "--output", str(out))
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines()[-1] == f"wrote {out}"
    return out.read_text(encoding="utf-8"), str(out)


def check_json(*args: str) -> dict:
    result = run("check", *args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def sample_report(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    tmp = tmp_path_factory.mktemp("sample")
    html, path = make_report(tmp, SAMPLE, "--reference", SAMPLE_REF)
    return html, Path(path)


@pytest.fixture(scope="module")
def sample_json() -> dict:
    return check_json(SAMPLE, "--reference", SAMPLE_REF)


# --- the file as text ----------------------------------------------------------------------


EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:|//)""", re.IGNORECASE)


def assert_self_contained(html: str) -> None:
    assert not EXTERNAL.search(html)
    assert "@import" not in html.lower()
    assert "<link" not in html.lower()
    assert "<img" not in html.lower()
    assert "url(" not in html.lower()


def test_sample_report_is_self_contained_and_small(sample_report):
    html, path = sample_report
    assert_self_contained(html)
    assert path.stat().st_size < 6 * 1024 * 1024
    assert html.startswith('<!DOCTYPE html>\n<html lang="zh-CN">')


def test_every_targeted_indicator_has_a_chart_with_its_name(sample_report, sample_json):
    html, _ = sample_report
    targeted = [i for i in sample_json["indicators"] if i["target"] is not None]
    from jingan_kpi.plan import load_plan

    assert len(targeted) == sum(i.target is not None for i in load_plan().model.indicators)
    assert len(targeted) >= 14
    for ind in targeted:
        m = re.search(
            rf'<figure class="chart-figure" id="fig-{ind["id"]}" data-indicator="{ind["id"]}">'
            r"(.*?)</figure>",
            html,
        )
        assert m, ind["id"]
        assert "<svg" in m.group(1)
        assert ind["name_zh"] in m.group(1)


def test_every_status_that_occurs_is_labelled_in_words(sample_report, sample_json):
    html, _ = sample_report
    statuses = {i["status"] for i in sample_json["indicators"] if i["status"]}
    assert {"met", "on_track", "insufficient", "moving_away", "missed"} <= statuses
    for s in statuses:
        zh, en = STATUS_LABELS[s]
        assert f'data-status="{s}">{zh} {en}</span>' in html


def test_header_names_plan_inputs_time_and_sources(sample_report):
    html, _ = sample_report
    assert '<h1 lang="zh-CN">静安区贯彻落实上海市租赁和商务服务业“三聚集”三年行动计划' in html
    assert "静府办发〔2026〕3号" in html
    assert "<dd>2025-12-02 00:00 UTC</dd>" in html
    assert f"<code>{SAMPLE}</code>" in html
    assert "illustrative figures, not official (synthetic sample for jingan-kpi)" in html


def test_data_quality_rows_match_check(sample_report, sample_json):
    html, _ = sample_report
    rows = sample_json["rows"]
    for key in ("read", "used", "rejected", "out_of_scope"):
        assert f'data-rows="{key}">{rows[key]:,}</td>' in html
    for reason, n in rows["rejected_by_reason"].items():
        assert f'data-rows="{reason}">{n:,}</td>' in html
    assert rows["read"] == rows["used"] + rows["rejected"] + rows["out_of_scope"]


def test_same_input_same_bytes(tmp_path):
    first, _ = make_report(tmp_path, SMALL_PANEL, "--plan", SMALL_PLAN, name="a.html")
    second, _ = make_report(tmp_path, SMALL_PANEL, "--plan", SMALL_PLAN, name="b.html")
    assert first == second


def alt_cells(html: str, series: str) -> dict[tuple[str, int], str]:
    """(indicator or '', year) → data-value of a chart's text alternative, for one series."""
    out: dict[tuple[str, int], str] = {}
    for m in re.finditer(r"<td ([^>]*)>", html):
        attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', m.group(1)))
        if attrs.get("data-series") == series and "data-value" in attrs:
            out[(attrs.get("data-indicator", ""), int(attrs["data-year"]))] = attrs["data-value"]
    return out


def test_hand_computed_target_chart(tmp_path):
    """lbs_revenue of the small panel: 100, 200, 250 亿元 in 2024–2026, target ≥ 300 in 2028.
    Required path from 200 at (300/200)^(1/3) − 1 a year; projection from 250 at +25% a year
    (250/200 − 1): 312.5 in 2027, 390.625 in 2028."""
    html, _ = make_report(tmp_path, SMALL_PANEL, "--plan", SMALL_PLAN, "--reference", SMALL_REF)
    fig = re.search(r'<figure[^>]*data-indicator="lbs_revenue">(.*?)</figure>', html)
    assert fig
    body = fig.group(1)
    actual = alt_cells(body, "实际 actual (亿元)")
    assert actual == {
        ("lbs_revenue", 2024): "100.0",
        ("lbs_revenue", 2025): "200.0",
        ("lbs_revenue", 2026): "250.0",
    }
    required = {y: float(v) for (_, y), v in alt_cells(body, "所需路径 required path").items()}
    r = 1.5 ** (1 / 3) - 1
    assert required.keys() == {2025, 2026, 2027, 2028}
    for y, v in required.items():
        assert v == pytest.approx(200 * (1 + r) ** (y - 2025), rel=1e-12)
    assert required[2028] == pytest.approx(300, rel=1e-12)
    projected = {y: float(v) for (_, y), v in alt_cells(body, "预计 projected").items()}
    assert projected == pytest.approx({2026: 250.0, 2027: 312.5, 2028: 390.625}, rel=1e-12)
    assert alt_cells(body, "目标 target") == {("", 2028): "300.0"}
    assert 'data-status="on_track">进度正常 on track</span>' in body
    assert "≥ 300.00 亿元" in body


def test_publish_marks_withheld_cells_and_names_no_enterprise(tmp_path):
    html, _ = make_report(
        tmp_path, SMALL_PANEL, "--plan", SMALL_PLAN, "--reference", SMALL_REF, "--publish"
    )
    assert_self_contained(html)
    # lbs_revenue 2024 is withheld (check --publish --format json: "suppressed": ["2024"]).
    assert (
        '<td class="num withheld" data-series="实际 actual (亿元)" data-year="2024" '
        'data-indicator="lbs_revenue" data-withheld="true">x 保密</td>'
    ) in html
    assert "100.0" not in alt_cells(html, "实际 actual (亿元)").values()
    with Path(SMALL_PANEL).open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        assert row["name"] not in html
        assert row["credit_code"] not in html
    assert "Published edition" in html


def test_report_names_no_enterprise_even_unpublished(sample_report):
    html, _ = sample_report
    with Path(SAMPLE).open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    names = {r["name"] for r in rows if r["name"]}
    codes = {r["credit_code"] for r in rows if r["credit_code"]}
    assert not [n for n in names if n in html]
    assert not [c for c in codes if len(c) == 18 and c in html]


def test_python_render_equals_the_cli(tmp_path):
    html, _ = make_report(tmp_path, SMALL_PANEL, "--plan", SMALL_PLAN)
    from datetime import UTC, datetime

    ev = evaluate(SMALL_PANEL, plan=SMALL_PLAN)
    py = render(ev, inputs=[SMALL_PANEL], generated=datetime.fromtimestamp(1764633600, tz=UTC))
    assert py == html


def test_output_is_required():
    result = run("report", SMALL_PANEL, "--plan", SMALL_PLAN)
    assert result.exit_code == 2
    assert "Missing option '--output'" in result.stderr


def test_bad_year_is_an_input_error(tmp_path):
    out = tmp_path / "r.html"
    result = run("report", SMALL_PANEL, "--plan", SMALL_PLAN, "--year", "2030", "-o", str(out))
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        "error: --year 2030 is not a year the panel covers (2024, 2025, 2026); "
        "give one of those years"
    )
    assert not out.exists()


@given(
    st.floats(-1e12, 1e12, allow_nan=False),
    st.floats(0, 1e12, allow_nan=False),
)
def test_ticks_cover_the_range(lo: float, span: float):
    hi = lo + span
    ticks = nice_ticks(lo, hi)
    assert ticks == sorted(ticks)
    assert 2 <= len(ticks) <= 12
    assert ticks[0] <= lo + 1e-9 * max(1, abs(lo))
    assert ticks[-1] >= hi - 1e-9 * max(1, abs(hi))


# --- the file in a real browser ------------------------------------------------------------

needs_browser = pytest.mark.skipif(
    find_browser() is None and not os.environ.get("JINGAN_KPI_REQUIRE_BROWSER"),
    reason=INSTALL_HINT,
)

PAGE_FACTS = """(() => {
  const figs = [...document.querySelectorAll('figure.chart-figure')].map(f => {
    const svg = f.querySelector('svg');
    const box = svg ? svg.getBoundingClientRect() : null;
    const text = svg ? [...svg.querySelectorAll('text')].length : 0;
    return {id: f.id, indicator: f.dataset.indicator || null,
            width: box ? box.width : 0, height: box ? box.height : 0, texts: text,
            shapes: svg ? svg.querySelectorAll('polyline,rect,circle,polygon').length : 0,
            breakInside: getComputedStyle(f).breakInside,
            caption: f.querySelector('figcaption').innerText};
  });
  const cells = [...document.querySelectorAll('td[data-indicator][data-value]')].map(td => ({
    indicator: td.dataset.indicator, series: td.dataset.series, year: td.dataset.year,
    value: td.dataset.value, text: td.innerText}));
  return {figs, cells, text: document.body.innerText, title: document.title};
})()"""


@pytest.fixture(scope="module")
def page(sample_report):
    if find_browser() is None:
        pytest.fail(INSTALL_HINT + " (JINGAN_KPI_REQUIRE_BROWSER is set)")
    _, path = sample_report
    return open_page(path, PAGE_FACTS)


@needs_browser
def test_browser_loads_nothing_else_and_logs_no_error(page, sample_report):
    _, path = sample_report
    assert page.requests == [path.resolve().as_uri()]
    assert page.failed == []
    assert page.errors == []


@needs_browser
def test_browser_draws_a_chart_per_targeted_indicator(page, sample_json):
    targeted = {i["id"]: i for i in sample_json["indicators"] if i["target"] is not None}
    drawn = {f["indicator"]: f for f in page.value["figs"] if f["indicator"]}
    assert drawn.keys() == targeted.keys()
    for ind_id, fig in drawn.items():
        assert fig["width"] > 300
        assert fig["height"] > 100
        assert fig["texts"] > 5
        assert fig["shapes"] > 0
        assert targeted[ind_id]["name_zh"] in fig["caption"]
        zh, en = STATUS_LABELS[targeted[ind_id]["status"]]
        assert f"{zh} {en}" in fig["caption"]
    # Structure charts are there too: sectors, zones, concentration.
    ids = {f["id"] for f in page.value["figs"]}
    assert {"fig-sectors", "fig-zones", "fig-concentration-share", "fig-concentration-hhi"} <= ids


@needs_browser
def test_browser_shows_every_status_label(page, sample_json):
    for status in {i["status"] for i in sample_json["indicators"] if i["status"]}:
        zh, en = STATUS_LABELS[status]
        assert f"{zh} {en}" in page.value["text"]


def shown_number(text: str) -> tuple[float, float]:
    """A figure as the page shows it, and half its last digit: 1,910.62 → (1910.62, 0.005);
    44.5% → (0.445, 0.0005); 313 → (313, 0.5); a place 第2名 2nd → (2, 0.5)."""
    place = re.fullmatch(r"第(\d+)名 \d+(?:st|nd|rd|th)", text.strip())
    if place:
        return float(place.group(1)), 0.5
    t = text.replace(",", "").replace("亿元", "").strip()
    percent = t.endswith("%")
    t = t.removesuffix("%")
    decimals = len(t.split(".")[1]) if "." in t else 0
    half = 0.5 * 10.0 ** -(decimals + (2 if percent else 0))
    return float(t) / (100 if percent else 1), half


@needs_browser
def test_browser_figures_equal_check_json(page, sample_json):
    by_id = {i["id"]: i for i in sample_json["indicators"]}
    cells = page.value["cells"]
    seen: set[str] = set()
    for cell in cells:
        ind = by_id[cell["indicator"]]
        expected = ind["values"][cell["year"]]
        value = float(cell["value"])
        # Equal to the last bits but for summation order: on main, polars sums in parallel in
        # an order that varies from run to run (the `runs` slice makes it deterministic).
        assert value == pytest.approx(expected, rel=1e-12, abs=1e-12), cell
        # The text shown is the same figure rounded for display.
        shown, half = shown_number(cell["text"])
        assert math.isclose(shown, expected, abs_tol=half * 1.0001), cell
        seen.add(cell["indicator"])
    with_values = {i["id"] for i in sample_json["indicators"] if i["values"]}
    assert seen == with_values


@needs_browser
def test_print_stylesheet_keeps_charts_whole(sample_report):
    _, path = sample_report
    printed = open_page(
        path,
        "[...document.querySelectorAll('figure')].map(f => getComputedStyle(f).breakInside)",
        print_media=True,
    )
    assert printed.value
    assert set(printed.value) == {"avoid"}


def test_count_indicators_get_a_chart_by_unit(tmp_path):
    """Enterprises of the small panel by year: A, D in 2024; A–D in 2025; A–E in 2026, of which
    E alone is an HQ."""
    plan = str(HERE / "plan_counts.yaml")
    html, _ = make_report(tmp_path, SMALL_PANEL, "--plan", plan)
    fig = re.search(r'<figure class="chart-figure" id="fig-other-count-1">(.*?)</figure>', html)
    assert fig, "no chart of the count indicators"
    body = fig.group(1)
    assert "<svg" in body
    assert alt_cells(body, "企业数") == {
        ("lbs_firms", 2024): "2",
        ("lbs_firms", 2025): "4",
        ("lbs_firms", 2026): "5",
    }
    assert alt_cells(body, "总部企业数") == {
        ("lbs_hq_firms", 2024): "0",
        ("lbs_hq_firms", 2025): "0",
        ("lbs_hq_firms", 2026): "1",
    }


def test_rank_axis_puts_first_on_top():
    from jingan_kpi.render.report.svg import Chart, Line, render_svg

    def circles(invert: bool) -> list[float]:
        chart = Chart(
            "c",
            "rank",
            "rank 3 then 1",
            (2024, 2025),
            str,
            lines=[Line("rank", ((2024, 3.0), (2025, 1.0)), "#000")],
            invert=invert,
        )
        return [float(y) for y in re.findall(r'<circle cx="[^"]*" cy="([^"]*)"', render_svg(chart))]

    first_3, then_1 = circles(invert=True)
    assert then_1 < first_3  # SVG y grows downwards: rank 1 is drawn higher
    first_3, then_1 = circles(invert=False)
    assert then_1 > first_3


@pytest.mark.parametrize("epoch", ["yesterday", "-5", "99999999999999999999"])
def test_invalid_source_date_epoch_is_an_input_error(tmp_path, epoch):
    out = tmp_path / "r.html"
    result = run(
        "report",
        SMALL_PANEL,
        "--plan",
        SMALL_PLAN,
        "-o",
        str(out),
        env={"SOURCE_DATE_EPOCH": epoch},
    )
    assert result.exit_code == 2
    assert result.stderr.splitlines()[-1] == (
        f"error: SOURCE_DATE_EPOCH={epoch!r} is not a Unix time (whole seconds since "
        "1970-01-01 UTC, e.g. 1764633600); set it to one or unset it to use the current time"
    )
    assert not out.exists()


@pytest.mark.parametrize(
    ("lo", "hi"), [(-1.0, 2_500_000_000.0), (1e12, 1e12 + 1e-4), (0.0, 1e-14), (-7.5, -7.25)]
)
def test_ticks_cover_awkward_ranges(lo: float, hi: float):
    """Cases the property found or that sit at the edge of float precision."""
    ticks = nice_ticks(lo, hi)
    assert ticks[0] <= lo
    assert ticks[-1] >= hi
    assert all(a < b for a, b in itertools.pairwise(ticks))
    assert len(ticks) <= 12
