"""Issue 19 through the CLI: a plan whose indicators are a 3×3 sector × zone table with margins.

The panel beside this file holds the 11 firms of the issue (in 万元; the plan publishes 亿元):
X×Z1 [1977], X×Z3 [119], Y×Z3 [67, 117, 59], W×Z1 [50, 27], W×Z2 [51, 92, 105], W×Z3 [74].
The oracle is the attacker's LP over the nine interior cells, fed with the published JSON.
"""

from __future__ import annotations

import itertools
import json
import sys
from fractions import Fraction
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jingan_kpi.cli import app
from jingan_kpi.compute.interval_audit import SOLVER_MISSING

linprog = pytest.importorskip("scipy.optimize").linprog

HERE = Path(__file__).parent
PANEL = str(HERE / "panel_sector_zone.csv")
PLAN = str(HERE / "plan_sector_zone.yaml")
SECTORS = ("w", "x", "y")
ZONES = ("z1", "z2", "z3")
FIRMS = {  # 万元
    ("x", "z1"): [1977],
    ("x", "z3"): [119],
    ("y", "z3"): [67, 117, 59],
    ("w", "z1"): [50, 27],
    ("w", "z2"): [51, 92, 105],
    ("w", "z3"): [74],
}
LEAVES = list(itertools.product(SECTORS, ZONES))

runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, list(args), env={"COLUMNS": "200", "NO_COLOR": "1"})


def members(indicator_id: str) -> set[tuple[str, str]]:
    name = indicator_id.removesuffix("_revenue")
    if name == "total":
        return set(LEAVES)
    if name in SECTORS:
        return {(name, z) for z in ZONES}
    if name in ZONES:
        return {(s, name) for s in SECTORS}
    s, z = name.split("_")
    return {(s, z)}


def protection(values: list[int]) -> Fraction:
    """τ-ARGUS's level with the default rules (p = 10, (2, 85)), in 万元."""
    xs = [*sorted(values, reverse=True), 0, 0]
    total = sum(values)
    p_level = Fraction(xs[0], 10) - (total - xs[0] - xs[1])
    nk_level = Fraction(100, 85) * (xs[0] + xs[1]) - total
    return max(p_level, nk_level, Fraction(0))


def unsafe(values: list[int]) -> bool:
    return bool(values) and protection(values) > 0


def bounds(published: dict[str, float], target: set[tuple[str, str]]) -> tuple[float, float]:
    a_eq = [[1.0 if leaf in members(i) else 0.0 for leaf in LEAVES] for i in published]
    b_eq = list(published.values())
    cost = [1.0 if leaf in target else 0.0 for leaf in LEAVES]
    low = linprog(cost, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    high = linprog([-c for c in cost], A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    assert low.status == 0
    assert high.status == 0  # the grand total is published: everything is bounded
    return low.fun, -high.fun


def test_check_publish_json_leaves_no_cell_short_of_its_protection():
    result = run("check", PANEL, "--plan", PLAN, "--publish", "--format", "json")
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    values = {i["id"]: i["values"]["2025"] for i in out["indicators"]}
    withheld = {i["id"] for i in out["indicators"] if i["suppressed"]}
    published = {k: v for k, v in values.items() if k not in withheld}
    assert all(values[k] is None for k in withheld)
    # The six unsafe cells of the issue are withheld...
    assert {"x_revenue", "z1_revenue", "x_z1_revenue", "x_z3_revenue", "w_z1_revenue"} | {
        "w_z3_revenue"
    } <= withheld
    # ...with no more cells than τ-ARGUS's modular method withholds here (10).
    assert len(withheld) <= 10
    for ind in sorted(withheld):
        target = members(ind)
        firms = [v for leaf in target for v in FIRMS.get(leaf, [])]
        value = sum(firms) / 10_000  # 亿元
        low, high = bounds(published, target)
        assert high - low > 1e-9, ind
        if unsafe(firms):
            need = float(protection(firms)) / 10_000
            assert high >= value + need - 1e-9, (ind, value, need, high)
            assert low <= max(value - need, 0) + 1e-9, (ind, value, need, low)
    # X, the example: bounded by 2247 before the audit, now by at least 2096 + 369.88.
    assert bounds(published, members("x_revenue"))[1] * 10_000 >= 2096 + 369.88


def test_audit_disclosure_json_reports_each_withheld_cell_with_its_interval():
    result = run("audit-disclosure", PANEL, "--plan", PLAN, "--format", "json")
    assert result.exit_code == 0, result.stderr
    out = json.loads(result.stdout)
    assert out["unit"] == "亿元"
    cells = {w["key"]: w for w in out["intervals"] if w["kind"] == "cell"}
    x = cells["revenue(x)"]
    assert x["rules"] == ["min_frequency", "dominance", "p_percent"]
    assert x["value"] == pytest.approx(0.2096)
    assert x["protection_required"] == pytest.approx((2096 * 100 / 85 - 2096) / 10_000)
    assert x["upper"] >= x["value"] + x["protection_required"] - 1e-12
    assert x["lower"] == 0
    assert all(w["protected"] for w in out["intervals"])
    unsafe_keys = {u["key"] for u in out["unsafe"]}
    secondary_keys = {s["key"] for s in out["secondary"]}
    assert set(cells) == unsafe_keys | secondary_keys
    for key in secondary_keys:
        assert cells[key]["rules"] == ["secondary"]
        assert cells[key]["protection_required"] == 0


def test_audit_disclosure_table_shows_protection_and_interval():
    result = run("audit-disclosure", PANEL, "--plan", PLAN)
    assert result.exit_code == 0, result.stderr
    assert "Interval audit (亿元)" in result.stdout
    line = next(ln for ln in result.stdout.splitlines() if "│ revenue(x) " in ln and "0.2096" in ln)
    assert "0.0369882" in line  # (2096·100/85 − 2096) 万元 in 亿元, six digits
    assert "protected" in line
    assert "SHORT" not in result.stdout


@pytest.mark.parametrize("command", ["check", "audit-disclosure"])
def test_without_the_solver_publishing_is_refused(monkeypatch, command):
    monkeypatch.setitem(sys.modules, "scipy.optimize", None)  # import raises ImportError
    args = [command, PANEL, "--plan", PLAN]
    if command == "check":
        args.append("--publish")
    result = run(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert f"error: {SOLVER_MISSING}" in result.stderr
    assert "pip install 'jingan-kpi[publish]'" in result.stderr


def test_without_the_solver_check_still_runs_unpublished(monkeypatch):
    monkeypatch.setitem(sys.modules, "scipy.optimize", None)
    result = run("check", PANEL, "--plan", PLAN, "--format", "json")
    assert result.exit_code == 0, result.stderr
