"""Issue 15 part 5: production code holds no benchmark scaffolding and no dead code named in the
issue; the benchmark composes its no-validation run from the library."""

from __future__ import annotations

from pathlib import Path

import jingan_kpi.compute.result as result
import jingan_kpi.plan.checks as checks

SRC = Path(__file__).parent.parent.parent / "src" / "jingan_kpi"


def test_no_module_reads_a_benchmark_switch() -> None:
    for path in SRC.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "JINGAN_KPI_BENCH" not in text, path
        assert "parse_only_stage" not in text, path


def test_the_dead_code_is_gone() -> None:
    assert not hasattr(checks, "reference_kinds")
    # Evaluation.plan_path/reference_path were never read; the report and the workbook's
    # overview now read them (title, document number, source line). A field kept must be read.
    readers = [p.read_text(encoding="utf-8") for p in (SRC / "render").rglob("*.py")]
    for name in ("plan_path", "reference_path"):
        if name in result.Evaluation.__dataclass_fields__:
            assert any(f"ev.{name}" in text for text in readers), name
