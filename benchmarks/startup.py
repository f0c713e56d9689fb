"""Start-up cost of the CLI (issue 5, item 4): wall time and what gets imported.

For each command (``jingan-kpi --help``, ``jingan-kpi validate``, ...): the median of
``--repeat`` wall times of the whole process, then ``python -X importtime`` of the same command
with the top offenders by cumulative time among top-level packages, and whether the heavy
libraries (polars, pydantic, yaml, rich, ...) were imported at all.

    python benchmarks/startup.py                 # --help and validate, median of 5
    python benchmarks/startup.py --repeat 9 --top 15
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

TARGET_HELP_S = 0.3  # issue 5: jingan-kpi --help ≤ 0.3 s wall, median of 5
HEAVY = (
    "polars",
    "pyarrow",
    "numpy",
    "pandas",
    "pydantic",
    "yaml",
    "ruamel",
    "rich",
    "typer",
    "click",
    "jsonschema",
    "fastexcel",
    "xlsxwriter",
    "openpyxl",
    "duckdb",
)
COMMANDS: dict[str, list[str]] = {
    "--help": ["--help"],
    "validate": ["validate"],
    "--version": ["--version"],
}
# What plain (click) help formatting would give: typer renders help with rich unless told not
# to (``typer.Typer(rich_markup_mode=None)``, or this variable), importing rich and markdown-it.
PLAIN_HELP_ENV = {"TYPER_USE_RICH": "0"}


def _cli() -> list[str]:
    script = Path(sys.executable).parent / "jingan-kpi"
    return [str(script)] if script.exists() else [sys.executable, "-m", "jingan_kpi"]


def wall_times(argv: list[str], repeat: int, env: dict[str, str] | None = None) -> list[float]:
    times = []
    full_env = {**os.environ, **(env or {})}
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(
            argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False, env=full_env
        )
        times.append(time.perf_counter() - start)
    return times


def import_times(args: list[str]) -> list[tuple[int, int, str]]:
    """(self µs, cumulative µs, module) for every import of ``python -m jingan_kpi ARGS``."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "jingan_kpi", *args],
        capture_output=True,
        text=True,
        check=False,
        env=env,
    )
    rows = []
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        _, rest = line.split(":", 1)
        self_us, cumulative, name = rest.split("|", 2)
        # importtime indents a nested import by two spaces per level after one space.
        rows.append((int(self_us), int(cumulative), name.rstrip()[1:]))
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--top", type=int, default=12, help="offenders listed per command")
    args = parser.parse_args(argv)
    cli = _cli()
    wall_times([*cli, "--help"], 2)  # warm the page cache and the bytecode cache
    print("| command | wall median (min–max) | modules imported | heavy libraries imported |")
    print("|---|---|---|---|")
    details = {}
    for label, extra in COMMANDS.items():
        times = wall_times([*cli, *extra], args.repeat)
        rows = import_times(extra)
        top_level = {name.strip().split(".")[0] for _, _, name in rows}
        heavy = [h for h in HEAVY if h in top_level]
        details[label] = rows
        mark = ""
        if label == "--help":
            mark = (
                " ✓"
                if statistics.median(times) <= TARGET_HELP_S
                else f" ✗ (target {TARGET_HELP_S} s)"
            )
        print(
            f"| `jingan-kpi {' '.join(extra)}` | {statistics.median(times):.3f} s "
            f"({min(times):.3f}–{max(times):.3f}){mark} | {len(rows)} | {', '.join(heavy) or '-'} |"
        )
    plain = wall_times([*cli, "--help"], args.repeat, PLAIN_HELP_ENV)
    print(
        f"| `TYPER_USE_RICH=0 jingan-kpi --help` (plain help, what rich_markup_mode=None gives) "
        f"| {statistics.median(plain):.3f} s ({min(plain):.3f}–{max(plain):.3f}) | | |"
    )
    for label, rows in details.items():
        # Top-level packages (an import nested under nothing: no leading spaces in importtime).
        top = sorted((r for r in rows if not r[2].startswith(" ")), key=lambda r: -r[1])
        top = [(a, b, c.strip()) for a, b, c in top]
        total = sum(r[1] for r in top)
        print(
            f"\n`jingan-kpi {label}`: top-level imports by cumulative time (total {total / 1e3:.0f} ms)\n"
        )
        print("| module | cumulative ms | self ms |")
        print("|---|---|---|")
        for self_us, cumulative, name in top[: args.top]:
            print(f"| {name} | {cumulative / 1e3:.1f} | {self_us / 1e3:.1f} |")
        inner = sorted(rows, key=lambda r: -r[1])
        jk = [r for r in inner if r[2].strip().startswith("jingan_kpi")][: args.top]
        heavy_rows = [r for r in inner if r[2].strip() in HEAVY]
        print(
            f"\n`jingan-kpi {label}`: jingan_kpi modules and heavy libraries by cumulative time\n"
        )
        print("| module | cumulative ms |")
        print("|---|---|")
        for _, cumulative, name in jk + heavy_rows:
            print(f"| {name.strip()} | {cumulative / 1e3:.1f} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
