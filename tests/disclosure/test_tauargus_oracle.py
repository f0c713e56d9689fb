"""τ-ARGUS as an oracle for the primary verdicts (issue 19).

``pytauargus`` (the ``test`` extra on Linux x86-64) is τ-ARGUS's engine with its open HiGHS
solvers; it runs the safety rules and the modular method in-process, without the τ-ARGUS
executables. Forty cells of a one-way table, random and on the rules' boundaries, go through
both; the cells τ-ARGUS marks primary unsafe (status ``U``) must be those the tool finds unsafe,
and its protection levels (``lower``/``upper``, which τ-ARGUS rounds to whole units, at least 1) those of
:func:`~jingan_kpi.compute.interval_audit.protection_level`.
"""

from __future__ import annotations

import math
import random
from fractions import Fraction

import pytest

from jingan_kpi.compute.disclosure import CellSpec, assess
from jingan_kpi.plan.model import DisclosureRules

pytauargus = pytest.importorskip(
    "pytauargus",
    reason="pytauargus (τ-ARGUS with open solvers) is not installed: its wheels exist for "
    "Linux x86-64 only (pip install 'jingan-kpi[test]' installs it there)",
)

BOUNDARY = [
    [50, 45, 5],  # X − x1 − x2 = 5 = 10% of x1: p% safe, (2, 85) unsafe (95 > 85)
    [50, 30, 20],  # 80 ≤ 85 and 20 ≥ 5: safe
    [85, 10, 5],  # exactly 95%: unsafe
    [60, 25, 15, 0],  # 85 of 100 exactly: (2, 85) safe (not more than k%)
    [1000],  # one firm
    [30, 30],  # two firms
    [10, 10, 10],  # three equal firms: safe
    [100, 1, 1, 1, 1, 1, 1, 1, 1, 1],  # 9 below 10: p% unsafe
]


def cells_and_values() -> list[list[int]]:
    rng = random.Random(19)
    out = [list(b) for b in BOUNDARY]
    while len(out) < 40:
        n = rng.randint(1, 7)
        out.append([max(1, round(math.exp(rng.uniform(0, 7)))) for _ in range(n)])
    return out


def test_primary_verdicts_and_protection_levels_agree_with_tauargus(
    make_frame, tmp_path, monkeypatch
):
    from pytauargus import protect

    monkeypatch.chdir(tmp_path)  # τ-ARGUS's engine writes its logs to the working directory

    tables = cells_and_values()
    codes = [f"C{i:02d}" for i in range(len(tables))]
    rows = [(code, 2025, v, "z") for code, vs in zip(codes, tables, strict=True) for v in vs]
    result = assess(make_frame(rows), [CellSpec(c, (c,)) for c in codes], DisclosureRules())
    ours = {c: bool(result.record(c, 2025).primary_rules) for c in codes}

    micro = [
        {"cell": code, "rev": float(v)} for code, vs in zip(codes, tables, strict=True) for v in vs
    ]
    res = protect(
        micro,
        tables=[["cell"]],
        response="rev",
        safety_rules="P(10,1)|NK(2,85)|FREQ(3,0)",
        suppress="MOD(1)",
        workdir=str(tmp_path),
    )
    theirs = {r["cell"]: r for r in res.tables[0].rows if r["cell"] != "Total"}
    assert set(theirs) == set(codes)
    assert {c: theirs[c]["status"] == "U" for c in codes} == ours
    for code, values in zip(codes, tables, strict=True):
        if not ours[code]:
            continue
        xs = [*sorted(values, reverse=True), 0, 0]
        total = sum(values)
        level = max(
            Fraction(xs[0], 10) - (total - xs[0] - xs[1]),
            Fraction(100, 85) * (xs[0] + xs[1]) - total,
            Fraction(0),
        )
        # τ-ARGUS rounds protection levels to the response's whole units, at least 1.
        expected = max(1, math.floor(level + Fraction(1, 2)))
        assert theirs[code]["upper"] == expected, (code, values, level)
        assert theirs[code]["lower"] == theirs[code]["upper"]  # symmetric, as the tool's
