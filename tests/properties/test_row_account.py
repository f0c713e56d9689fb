"""Never a silent loss: every row read is used, rejected under one reason, or out of scope.

Clean generated rows are mixed with rows broken in one known way each, copies (duplicates) and
blank lines; the tool's account must equal the account worked out from what was generated.
"""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from jingan_kpi.panel import read_panel
from jingan_kpi.panel.credit_code import CHARSET

from .strategies import GenPanel, csv_text, panels

# One field broken, the others valid: the reason is that field's rule (contract §1).
BROKEN = {
    "invalid_credit_code": ("credit_code", ["", "x", "91310106MA1FL0000", "９1310106"]),
    "invalid_industry_code": ("industry_code", ["726", "L0111", "9999", "7299X", "", "六五"]),
    "invalid_year": ("year", ["2025.5", "二〇二五", "25", "2207", "", "1948", "2025.", "2025.01"]),
    "invalid_revenue": (
        "revenue",
        ["NaN", "inf", "-1", "-", "—", "1e400", "", "12,34", "+5", "0,123"],
    ),
}


def _wrong_check_character(code: str) -> str:
    """The same code with another check character: always invalid (the check is unique)."""
    return code[:17] + next(c for c in CHARSET if c != code[17])


@st.composite
def dirty_panels(draw: st.DrawFn) -> tuple[GenPanel, list[tuple[str, dict[str, str | None]]]]:
    """A clean panel and extra rows, each tagged with the reason it must be rejected for
    (``""`` for none: a copy's fate is worked out from all rows)."""
    panel = draw(panels(max_enterprises=8))
    extra: list[tuple[str, dict[str, str | None]]] = []
    for _ in range(draw(st.integers(0, 8))):
        base = draw(st.sampled_from(panel.rows))
        kind = draw(st.sampled_from([*BROKEN, "wrong_check", "copy"]))
        line = base.text()
        if kind == "copy":
            line["revenue"] = str(draw(st.integers(0, 100)))
            extra.append(("copy", line))
        elif kind == "wrong_check":
            line["credit_code"] = _wrong_check_character(base.credit_code)
            extra.append(("invalid_credit_code", line))
        else:
            column, values = BROKEN[kind]
            line[column] = draw(st.sampled_from(values))
            extra.append((kind, line))
    return panel, extra


def _expected(panel: GenPanel, extra: list[tuple[str, dict[str, str | None]]]) -> dict[str, object]:
    reasons: Counter[str] = Counter(kind for kind, _ in extra if kind != "copy")
    # Rows passing the four field rules: the clean ones and the copies; duplicates among them.
    passing: list[tuple[str, str, str]] = [
        (r.credit_code, str(r.year), r.industry_code) for r in panel.rows
    ] + [
        (str(x["credit_code"]), str(x["year"]), str(x["industry_code"]))
        for kind, x in extra
        if kind == "copy"
    ]
    pairs = Counter((code, year) for code, year, _ in passing)
    used = out = 0
    for code, year, industry in passing:
        if pairs[(code, year)] > 1:
            reasons["duplicate_record"] += 1
        elif industry.startswith(("71", "72")):
            used += 1
        else:
            out += 1
    return {
        "read": len(passing) + sum(reasons.values()) - reasons["duplicate_record"],
        "used": used,
        "out_of_scope": out,
        "by_reason": +reasons,
    }


@given(dirty_panels(), st.randoms(use_true_random=False))
def test_every_row_is_used_rejected_or_out_of_scope(
    case: tuple[GenPanel, list[tuple[str, dict[str, str | None]]]], rnd: object
) -> None:
    import random

    assert isinstance(rnd, random.Random)
    panel, extra = case
    lines = [r.text() for r in panel.rows] + [x for _, x in extra]
    rnd.shuffle(lines)
    text = csv_text(lines)
    # Blank lines anywhere are not rows.
    body = text.splitlines()
    for _ in range(rnd.randint(0, 3)):
        body.insert(rnd.randint(1, len(body)), rnd.choice(["", "  ", ",,,,,,"]))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "dirty.csv"
        path.write_text("\n".join(body) + "\n", encoding="utf-8")
        read = read_panel(path)
    c = read.counts
    expected = _expected(panel, extra)
    assert c.read == c.used + c.rejected + c.out_of_scope
    assert c.read == expected["read"]
    assert (c.used, c.out_of_scope) == (expected["used"], expected["out_of_scope"])
    assert c.rejected_by_reason == dict(expected["by_reason"])  # type: ignore[call-overload]
    assert read.rejects.height == c.rejected == sum(c.rejected_by_reason.values())
    assert read.frame.height == c.used
    # Each reject names a real line of the file holding that row.
    for line_no in read.rejects.get_column("source_line").to_list():
        assert body[line_no - 1].strip(", ") != ""
