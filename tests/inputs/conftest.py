"""Inputs of issue 13 (workbooks, sheets, merged cells, encodings) made at test time."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

CODES = (
    "913101061234567806",
    "913101061234567819",
    "91310106123456782C",
    "91310106123456783F",
)
HEADER = ["credit_code", "name", "industry_code", "year", "revenue", "zone"]
ADDRESS_SPACE = 3 * 1024**3
"""``ulimit -v 3145728``: every command must refuse a bomb within it, never abort."""


def _limit() -> None:  # pragma: no cover - runs in the child
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def run_limited(*args: str | Path) -> subprocess.CompletedProcess[str]:
    """``jingan-kpi ARGS`` in a child process under a 3 GiB address-space limit."""
    return subprocess.run(
        [sys.executable, "-m", "jingan_kpi", *map(str, args)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200"},
        preexec_fn=_limit,
    )
