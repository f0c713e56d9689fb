"""Peak memory of ``jingan-kpi inspect`` on workbooks under 10 MB (issue 13 item 1: ≤ 1 GiB).

Builds, in a temporary directory, the largest workbooks the bounds let through and a few that
they refuse, runs ``jingan-kpi inspect`` on each in a child process and prints its peak RSS
(``ru_maxrss`` of the child), size on disk and exit code::

    python benchmarks/xlsx_memory.py
"""

from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent.parent))

from tests.inputs.workbooks import Sheet, table, write_workbook  # noqa: E402

CODES = ("913101061234567806", "913101061234567819", "91310106123456782C")
HEADER = ["credit_code", "name", "industry_code", "year", "revenue", "zone", "hq_type"]


def _dense(rows: int, columns: int) -> Iterator[bytes]:
    """``rows`` rows of ``columns`` numeric cells (compresses to ≈ 1 byte a cell)."""
    letters = [chr(65 + c) for c in range(columns)]
    for start in range(2, rows + 2, 10_000):
        yield b"".join(
            ('<row r="%d">' % r).encode()
            + b"".join(b'<c r="%s%d"><v>%d</v></c>' % (x.encode(), r, r % 97) for x in letters)
            + b"</row>"
            for r in range(start, min(start + 10_000, rows + 2))
        )


def _shared(n: int) -> Iterator[bytes]:
    for start in range(0, n, 10_000):
        yield b"".join(b"<si><t>%d</t></si>" % i for i in range(start, min(start + 10_000, n)))


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        cases = {
            "1,048,575 rows × 11 columns (11.5 M cells, the bound: 12 M)": lambda p: write_workbook(
                p, [Sheet("S", [table([HEADER + ["x1", "x2", "x3", "x4"]]), *_dense(1_048_575, 11)])]
            ),
            "4,000,000 shared strings (the bound: 4,194,304)": lambda p: write_workbook(
                p, [Sheet("S", table([HEADER]))], shared_strings=_shared(4_000_000)
            ),
            "a cell at XFD1048576 (refused)": lambda p: write_workbook(
                p,
                [Sheet("S", table([HEADER]) + b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>')],
            ),
        }
        for name, make in cases.items():
            path = Path(tmp) / "w.xlsx"
            make(path)
            before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            start = time.perf_counter()
            done = subprocess.run(
                [sys.executable, "-m", "jingan_kpi", "inspect", str(path)],
                capture_output=True,
                check=False,
            )
            seconds = time.perf_counter() - start
            peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            print(
                f"{name}: {path.stat().st_size / 1e6:.1f} MB on disk, exit {done.returncode}, "
                f"{seconds:.1f} s, peak RSS {max(peak, before) / 1024:.0f} MiB"
                + ("" if peak > before else " (≤ the previous case)")
            )


if __name__ == "__main__":
    main()
