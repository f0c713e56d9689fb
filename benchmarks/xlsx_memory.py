"""Peak memory of ``jingan-kpi inspect`` on workbooks under 10 MB (issue 13 item 1: ≤ 1 GiB).

Builds, in a temporary directory, workbooks at the bounds of ``panel/readers/workbook.py`` (the
largest each bound lets through) and a few it refuses, runs ``jingan-kpi inspect`` on each in a
child process and prints the child's peak RSS (``ru_maxrss`` from ``wait4``), the size on disk,
the exit code and the time::

    python benchmarks/xlsx_memory.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent))

from tests.inputs.workbooks import Sheet, table, write_workbook

HEADER = ["credit_code", "name", "industry_code", "year", "revenue", "zone", "hq_type"]
WIDE = [*HEADER, "x1", "x2", "x3", "x4"]


def _dense(rows: int, columns: int) -> Iterator[bytes]:
    """``rows`` rows of ``columns`` numeric cells (≈ 2.4 bytes a cell compressed)."""
    letters = [chr(65 + c).encode() for c in range(columns)]
    for start in range(2, rows + 2, 10_000):
        yield b"".join(
            b'<row r="%d">' % r
            + b"".join(b'<c r="%s%d"><v>%d</v></c>' % (x, r, r % 97) for x in letters)
            + b"</row>"
            for r in range(start, min(start + 10_000, rows + 2))
        )


def _long_texts(cells: int, size: int) -> Iterator[bytes]:
    text = b"z" * size
    for r in range(2, cells + 2):
        yield b'<row r="%d"><c r="B%d" t="inlineStr"><is><t>%s</t></is></c></row>' % (r, r, text)


def _shared(n: int) -> Iterator[bytes]:
    for start in range(0, n, 10_000):
        yield b"".join(b"<si><t>%d</t></si>" % i for i in range(start, min(start + 10_000, n)))


def _shared_cells(n: int) -> Iterator[bytes]:
    for start in range(2, n + 2, 10_000):
        yield b"".join(
            b'<row r="%d"><c r="A%d" t="s"><v>%d</v></c></row>' % (r, r, r - 2)
            for r in range(start, min(start + 10_000, n + 2))
        )


CASES: dict[str, Callable[[Path], Path]] = {
    "380,000 rows x 11 numeric columns (4.2 M cells)": lambda p: write_workbook(
        p, [Sheet("S", [table([WIDE]), *_dense(380_000, 11)])]
    ),
    "long texts at the bound (6,500 cells of 30,000 bytes: 186 MiB)": lambda p: write_workbook(
        p, [Sheet("S", [table([HEADER]), *_long_texts(6_500, 30_000)])]
    ),
    "4,000,000 shared strings, 1,000,000 of them in cells": lambda p: write_workbook(
        p, [Sheet("S", [table([HEADER]), *_shared_cells(1_000_000)])], _shared(4_000_000)
    ),
    "a cell at XFD1048576 (refused)": lambda p: write_workbook(
        p, [Sheet("S", table([HEADER]) + b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')]
    ),
}


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for name, make in CASES.items():
            path = make(Path(tmp) / "w.xlsx")
            start = time.perf_counter()
            child = subprocess.Popen(
                [sys.executable, "-m", "jingan_kpi", "inspect", str(path)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
            _, status, usage = os.wait4(child.pid, 0)
            child.returncode = os.waitstatus_to_exitcode(status)
            seconds = time.perf_counter() - start
            print(
                f"{name}: {path.stat().st_size / 1e6:.1f} MB on disk, exit {child.returncode}, "
                f"{seconds:.1f} s, peak RSS {usage.ru_maxrss / 1024:.0f} MiB",
                flush=True,
            )


if __name__ == "__main__":
    main()
