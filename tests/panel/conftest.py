from __future__ import annotations

from pathlib import Path

import pytest

from jingan_kpi.panel import check_character

HERE = Path(__file__).parent
SAMPLES = HERE.parent.parent / "data" / "samples"

FACTS = {"scope_prefixes": ("71", "72"), "money_unit": "亿元", "input_unit": "万元"}


def code(body: str) -> str:
    """A valid credit code from 17 characters."""
    return body + check_character(body)


@pytest.fixture
def facts() -> dict[str, object]:
    return dict(FACTS)
