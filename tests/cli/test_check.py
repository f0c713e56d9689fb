"""``jingan-kpi check`` and ``explain`` end to end: each format, each exit code (contract §6).

The panel beside this file is tests/compute's hand-made panel written in 万元 (see
tests/compute/test_evaluate.py for the figures worked out by hand).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jingan_kpi import evaluate
from jingan_kpi.cli import app

HERE = Path(__file__).parent
PANEL = str(HERE / "small_panel.csv")
REF = str(HERE / "small_reference.csv")
PLAN = str(HERE.parent / "compute" / "plan_small.yaml")

runner = CliRunner()


def run(*args: str, env: dict[str, str] | None = None):
    return runner.invoke(app, list(args), env={"COLUMNS": "120", "NO_COLOR": "1", **(env or {})})


def check_json(*extra: str) -> dict:
    result = run("check", PANEL, "--plan", PLAN, "--reference", REF, "--format", "json", *extra)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def test_json_contract_keys_and_values():
    out = check_json()
    assert out["plan"] == {
        "id": "small-test-plan",
        "baseline_year": 2025,
        "target_year": 2028,
        "money_unit": "亿元",
        "title_zh": "测试方案",
        "title_en": "Test plan",
        "district": None,
    }
    assert out["as_of"] == 2026
    assert out["rows"] == {
        "read": 11,
        "used": 11,
        "rejected": 0,
        "out_of_scope": 0,
        "rejected_by_reason": out["rows"]["rejected_by_reason"],
    }
    lbs = next(i for i in out["indicators"] if i["id"] == "lbs_revenue")
    assert lbs["unit"] == "亿元"
    assert lbs["values"] == {"2024": 100.0, "2025": 200.0, "2026": 250.0}
    assert lbs["target"] == {"op": ">=", "value": 300.0, "year": 2028}
    assert lbs["status"] == "on_track"
    assert lbs["reason"] is None
    hhi = next(i for i in out["indicators"] if i["id"] == "lbs_hhi")
    assert (hhi["target"], hhi["status"], hhi["unit"]) == (None, None, "index")
    trend = next(i for i in out["indicators"] if i["id"] == "professional_revenue")
    assert trend["target"] == {"op": "increasing", "year": 2028}
    assert "suppressed" not in lbs


def test_cli_json_equals_library_result():
    lib = evaluate(PANEL, plan=PLAN, reference=REF).to_dict()
    assert check_json() == json.loads(json.dumps(lib, ensure_ascii=False))


def test_year_option_assesses_earlier_but_reports_every_year():
    out = check_json("--year", "2025")
    assert out["as_of"] == 2025
    lbs = next(i for i in out["indicators"] if i["id"] == "lbs_revenue")
    assert lbs["values"]["2026"] == 250.0
    assert lbs["status"] == "not_assessable"  # t = baseline


def test_year_not_covered_is_exit_2():
    result = run("check", PANEL, "--plan", PLAN, "--year", "2030")
    assert result.exit_code == 2
    assert "--year 2030 is not a year the panel covers (2024, 2025, 2026)" in result.stderr


def test_missing_reference_is_not_assessable_not_an_error():
    result = run("check", PANEL, "--plan", PLAN, "--format", "json")
    assert result.exit_code == 0
    out = json.loads(result.stdout)
    gap = next(i for i in out["indicators"] if i["id"] == "lbs_growth_vs_city")
    assert gap["status"] == "not_assessable"
    assert "reference series 'city_lbs_revenue' not supplied" in gap["reason"]
    assert gap["values"] == {}


def test_fail_on():
    ok = run("check", PANEL, "--plan", PLAN, "--reference", REF, "--fail-on", "missed")
    assert ok.exit_code == 0
    hit = run("check", PANEL, "--plan", PLAN, "--fail-on", "not_assessable,missed")
    assert hit.exit_code == 1
    assert "--fail-on: found status not_assessable" in hit.stderr
    bad = run("check", PANEL, "--plan", PLAN, "--fail-on", "late")
    assert bad.exit_code == 2
    assert "unknown status late" in bad.stderr


def test_csv_one_row_per_indicator_year():
    result = run("check", PANEL, "--plan", PLAN, "--reference", REF, "--format", "csv")
    assert result.exit_code == 0
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    lbs = [r for r in rows if r["id"] == "lbs_revenue"]
    assert [(r["year"], float(r["value"])) for r in lbs] == [
        ("2024", 100.0),
        ("2025", 200.0),
        ("2026", 250.0),
    ]
    assert {r["status"] for r in lbs} == {"on_track"}
    assert [r["value"] for r in rows if r["id"] == "hq_count"] == ["0", "0", "1"]


def test_markdown_and_table_show_the_overview():
    md = run("check", PANEL, "--plan", PLAN, "--reference", REF, "--format", "markdown")
    assert md.exit_code == 0
    assert (
        "| 租赁和商务服务业营收 `lbs_revenue` | 亿元 | 200.00 | 250.00 | ≥ 300.00 亿元 |"
        in md.stdout
    )
    table = run("check", PANEL, "--plan", PLAN, "--reference", REF)
    assert table.exit_code == 0
    assert "进度正常 on track" in table.stdout
    assert "\x1b[" not in table.stdout  # no colour codes when not on a terminal


def test_xlsx_needs_output_and_stores_numbers(tmp_path):
    assert run("check", PANEL, "--plan", PLAN, "--format", "xlsx").exit_code == 2
    out = tmp_path / "report.xlsx"
    result = run(
        "check", PANEL, "--plan", PLAN, "--reference", REF, "--format", "xlsx", "--output", str(out)
    )
    assert result.exit_code == 0, result.stderr
    import polars as pl

    sheet = pl.read_excel(out, sheet_name="分行业营业收入 Revenue by sector")
    row = sheet.filter(pl.col("id") == "lbs_revenue").row(0, named=True)
    assert (row["2024"], row["2025"], row["2026"]) == (100.0, 200.0, 250.0)


def test_output_file_is_written_whole(tmp_path):
    out = tmp_path / "r.json"
    result = run("check", PANEL, "--plan", PLAN, "--format", "json", "--output", str(out))
    assert result.exit_code == 0
    assert result.stdout == ""
    assert json.loads(out.read_text(encoding="utf-8"))["as_of"] == 2026
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_invalid_plan_given_to_check_is_exit_2(tmp_path):
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        Path(PLAN).read_text(encoding="utf-8").replace("revenue(hr)", "revenue(hrr)"),
        encoding="utf-8",
    )
    result = run("check", PANEL, "--plan", str(plan))
    assert result.exit_code == 2
    assert "[unknown_sector]" in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def test_internal_error_is_exit_3(monkeypatch):
    import jingan_kpi.compute.evaluate as ev_mod

    def boom(*a, **k):
        raise ZeroDivisionError("synthetic")

    monkeypatch.setattr(ev_mod, "compute_series", boom)
    result = run("check", PANEL, "--plan", PLAN)
    assert result.exit_code == 3
    last = result.stderr.strip().splitlines()[-1]
    assert last.startswith(
        "internal error (a bug in jingan-kpi, not in your data): ZeroDivisionError: synthetic."
    )
    assert "Traceback" not in result.stderr
    debug = run("--debug", "check", PANEL, "--plan", PLAN)
    assert isinstance(debug.exception, ZeroDivisionError)


def test_new_indicator_by_yaml_alone_appears_everywhere(tmp_path):
    """CR10-style indicator added to a copy of the plan: no code change, every format."""
    plan = tmp_path / "plan.yaml"
    text = Path(PLAN).read_text(encoding="utf-8")
    text += (
        "  - {id: hr_cr1, name_zh: 人力资源前1强占比, name_en: HR CR1, unit: share,\n"
        '     formula: "top_share(hr, 1)"}\n'
    )
    plan.write_text(text, encoding="utf-8")
    assert run("validate", str(plan)).exit_code == 0
    out = json.loads(run("check", PANEL, "--plan", str(plan), "--format", "json").stdout)
    cr1 = next(i for i in out["indicators"] if i["id"] == "hr_cr1")
    # 2024: A alone (1.0); 2025: A 60 of 90; 2026: A 80 of 110.
    assert cr1["values"] == pytest.approx({"2024": 1.0, "2025": 60 / 90, "2026": 80 / 110})
    for fmt in ("csv", "markdown", "table"):
        result = run("check", PANEL, "--plan", str(plan), "--format", fmt)
        assert "人力资源前1强占比" in result.stdout or "hr_cr1" in result.stdout, fmt


def test_explain_top_share_lists_enterprises():
    result = run("explain", "lbs_top2_share", PANEL, "--plan", PLAN, "--format", "json")
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    top = out["top"]["top_share(lbs, 2)"]["2026"]
    assert [(e["name"], e["revenue"]) for e in top] == [("企业D", 125.0), ("企业A", 80.0)]
    assert top[1]["cumulative_share"] == pytest.approx(0.82)


def test_explain_unknown_indicator_suggests():
    result = run("explain", "lbs_revenu", PANEL, "--plan", PLAN)
    assert result.exit_code == 2
    assert "did you mean 'lbs_revenue'?" in result.stderr


@pytest.mark.parametrize("command", ["check", "explain", "validate", "schema", "sample", "inspect"])
def test_every_command_has_help(command):
    result = run(command, "--help")
    assert result.exit_code == 0
    assert len(result.stdout.strip()) > 100


def test_publish_withholds_cells_and_everything_derived():
    out = check_json("--publish")
    assert out["disclosure"]["published"] is True
    rules = out["disclosure"]["rules"]
    assert "dominance" in rules and not any(ch.isdigit() for ch in rules)  # no parameters
    ind = {i["id"]: i for i in out["indicators"]}
    # 2024: section L is two enterprises (A 50, D 50): fewer than 3 contributors.
    assert ind["lbs_revenue"]["values"] == {"2024": None, "2025": 200.0, "2026": 250.0}
    assert ind["lbs_revenue"]["suppressed"] == ["2024"]
    # YoY 2025 derives from the withheld 2024 total; YoY 2026 does not.
    assert ind["lbs_yoy"]["values"] == {"2025": None, "2026": 0.25}
    # Legal: one firm in 2025, two in 2026; the status would narrow the values down.
    assert ind["legal_revenue"]["values"] == {"2024": 0.0, "2025": None, "2026": None}
    assert ind["legal_revenue"]["status"] == "not_assessable"
    assert "confidentiality" in ind["legal_revenue"]["reason"]
    # Counts reveal no magnitude and stay published.
    assert ind["hq_count"]["suppressed"] == []
    text = json.dumps(out, ensure_ascii=False)
    assert "企业" not in text and "91310106" not in text


def test_publish_marks_x_in_tables():
    result = run("check", PANEL, "--plan", PLAN, "--publish", "--format", "markdown")
    assert result.exit_code == 0
    assert "| 法律服务营收 | 亿元 | 0.00 | x | x |" in result.stdout
    assert "x: withheld for confidentiality" in result.stdout


def test_audit_disclosure_lists_rules():
    result = run("audit-disclosure", PANEL, "--plan", PLAN, "--format", "json")
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    legal_2025 = next(
        u for u in out["unsafe"] if u["key"] == "revenue(legal)" and u["year"] == 2025
    )
    assert "min_frequency" in legal_2025["rules"]


def test_reference_unit_of_the_wrong_kind_is_exit_2(tmp_path: Path) -> None:
    ref = tmp_path / "ref.csv"
    ref.write_text(
        "series,year,value,unit,source\ndistrict_economy,2025,5.1,亿元,s\n", encoding="utf-8"
    )
    result = run("check", PANEL, "--plan", PLAN, "--reference", str(ref))
    assert result.exit_code == 2
    assert (
        f"{ref}:2:4: district_economy is declared a growth rate in the plan (kind: rate), so its "
        'unit is "%", not "亿元"; give the published rate in %, or declare the series kind: level'
    ) in result.stderr
    assert "Traceback" not in result.stderr


def test_undeclared_reference_series_is_a_note(tmp_path: Path) -> None:
    ref = tmp_path / "ref.csv"
    ref.write_text(
        "series,year,value,unit,source\ndistrict_econmy,2025,5.1,%,s\n", encoding="utf-8"
    )
    result = run("check", PANEL, "--plan", PLAN, "--reference", str(ref), "--format", "json")
    assert result.exit_code == 0
    assert (
        f"note: {ref}:2: reference series district_econmy is not declared under the plan's "
        'references: (did you mean "district_economy"?); no formula uses it'
    ) in result.stderr
