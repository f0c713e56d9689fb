"""The example plan of another district, section and period (examples/), run on a panel made
with ``sample --plan``: no code knows which district or section it is."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
from typer.testing import CliRunner

from jingan_kpi import evaluate
from jingan_kpi.cli import app
from jingan_kpi.plan import load_plan, validate_plan

EXAMPLE = Path(__file__).parent.parent.parent / "examples" / "plan_software_2025_2027.yaml"
runner = CliRunner()


def test_the_example_plan_is_valid() -> None:
    assert validate_plan(EXAMPLE) == []


def test_sample_plan_writes_a_panel_of_the_plans_sectors_zones_and_hq_types(tmp_path) -> None:
    out = tmp_path / "software.csv"
    result = runner.invoke(
        app,
        [
            "sample",
            "--plan",
            str(EXAMPLE),
            "--years",
            "2023-2026",
            "--enterprises",
            "400",
            "-o",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    frame = pl.read_csv(out, schema_overrides={"industry_code": pl.String})
    codes = frame.get_column("industry_code")
    in_scope = codes.str.slice(0, 2).is_in(["63", "64", "65"])
    assert 0.8 < in_scope.mean() < 1.0  # some enterprises outside the plan's scope
    assert set(frame.get_column("zone").drop_nulls()) == {"软件园", "数据港"}
    assert set(frame.get_column("hq_type").drop_nulls()) <= {"跨国公司地区总部", "国有企业总部"}

    result = runner.invoke(app, ["check", str(out), "--plan", str(EXAMPLE), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["plan"]["id"] == "example-software-2025-2027"
    assert data["rows"]["used"] + data["rows"]["out_of_scope"] == data["rows"]["read"]

    # The same figures computed independently from the file.
    plan = load_plan(EXAMPLE)
    ev = evaluate(out, plan=plan)
    used = frame.filter(in_scope)
    for year in (2023, 2024, 2025, 2026):
        rows = used.filter(pl.col("year") == year)
        total = rows.get_column("revenue").sum() / 10_000  # 万元 → 亿元
        software = rows.filter(pl.col("industry_code").str.starts_with("65"))
        internet = rows.filter(pl.col("industry_code").str.starts_with("64"))
        share = software.get_column("revenue").sum() / rows.get_column("revenue").sum()
        ratio = software.get_column("revenue").sum() / internet.get_column("revenue").sum()
        assert abs(ev.indicator("info_revenue").values[year] - total) < 1e-9 * total
        assert abs(ev.indicator("software_share").values[year] - share) < 1e-12
        assert abs(ev.indicator("software_to_internet").values[year] - ratio) < 1e-12
    statuses = {i.id: i.status for i in ev.indicators}
    assert statuses["info_growth_vs_district"] == "not_assessable"  # no reference file
    assert ev.indicator("info_hhi").to_dict()["target"] == {
        "op": "<=",
        "value": 1000.0,
        "year": 2027,
    }
    assert ev.indicator("software_share").to_dict()["target"]["every_year"] is True


def test_inspect_takes_its_scope_from_the_plan_given(tmp_path) -> None:
    out = tmp_path / "software.csv"
    args = ["sample", "--plan", str(EXAMPLE), "--enterprises", "300", "-o", str(out)]
    assert runner.invoke(app, args).exit_code == 0
    frame = pl.read_csv(out, schema_overrides={"industry_code": pl.String})
    in_scope = int(
        frame.get_column("industry_code").str.slice(0, 2).is_in(["63", "64", "65"]).sum()
    )

    result = runner.invoke(app, ["inspect", str(out), "--plan", str(EXAMPLE), "--format", "json"])
    assert result.exit_code == 0, result.output
    rows = json.loads(result.stdout)["rows"]
    assert (rows["read"], rows["used"], rows["out_of_scope"]) == (
        frame.height,
        in_scope,
        frame.height - in_scope,
    )
    # The shipped plan's scope is section L: only the few rows of its classes are used.
    section_l = int(frame.get_column("industry_code").str.slice(0, 2).is_in(["71", "72"]).sum())
    result = runner.invoke(app, ["inspect", str(out), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["rows"]["used"] == section_l < in_scope
