from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jingan_kpi.panel import read_panel

from .conftest import FACTS, code

VALID = [code("91310106123456789"), code("9131010698765432X")]
cells = {
    "credit_code": st.sampled_from([*VALID, VALID[0].lower(), "x", "", " ", "９1310106"]),
    "industry_code": st.sampled_from(
        ["7261", "L7211", "0111", "l0111", "726", "", "7299X", "６５１３"]
    ),
    "year": st.sampled_from(["2025", "2024", "2025.0", "2025.5", "25", "", "二〇二五", "2207"]),
    "revenue": st.sampled_from(
        ["1", "1,234.5", "1.2E+07", "-1", "nan", "", "1e400", "12,34", "　５"]
    ),
}
row = st.fixed_dictionaries(cells)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(st.one_of(row, st.just(None)), min_size=1, max_size=25))
def test_read_equals_used_plus_rejected_plus_out_of_scope(
    rows: list[dict[str, str] | None],
) -> None:
    lines = ["credit_code,industry_code,year,revenue"]
    data_rows = 0
    for r in rows:
        if r is None:
            lines.append("")
            continue
        if not any(v.strip() for v in r.values()):
            continue
        data_rows += 1
        lines.append(",".join(f'"{v}"' if "," in v else v for v in r.values()))
    if data_rows == 0:
        return
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "dirty.csv"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        panel = read_panel(path, **FACTS)
    c = panel.counts
    assert c.read == data_rows
    assert c.read == c.used + c.rejected + c.out_of_scope
    assert sum(c.rejected_by_reason.values()) == c.rejected
    assert panel.rejects.height == c.rejected
