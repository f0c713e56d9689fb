"""Benchmark ``jingan-kpi check`` against a hand-written polars query and DuckDB SQL (issue 5).

For each panel size and format: generate the panel with ``jingan-kpi sample`` (unless it is
already in ``--data-dir``), then run, ``--repeat`` times, alternating the order each round:

* ``check``        ``jingan-kpi check FILE --format json`` (row validation on, as shipped)
* ``check-noval``  the same with row validation switched off
                   (``benchmarks/noval.py``: the library with the row rules taken out)
* ``polars``       the hand-written polars lazy query (``benchmarks/peers.py polars``)
* ``duckdb``       the hand-written DuckDB SQL (``benchmarks/peers.py duckdb``)
* ``cat``          ``cat FILE > /dev/null``: the floor (reading the bytes, hot cache)

Each run is its own process (whole process, start-up included). Wall time is taken around the
child; peak memory is the child's own ``ru_maxrss`` from ``os.wait4`` (the child and the
descendants it waited for; nothing of this process). The file is read once before timing so
every contender sees a hot cache. Reported: median (min–max) wall, median peak RSS, and the
ratios of ``check`` and ``check-noval`` to each peer.

Before timing, the four contenders are run on a 100k-row panel and must agree on every figure to
1e-9 relative (the script stops otherwise).

    python benchmarks/run.py --quick                     # 100k smoke run, 3 repeats
    python benchmarks/run.py                             # 1M and 10M rows, CSV and Parquet
    python benchmarks/run.py --rows 1e7 --formats csv --repeat 5 --skip-generate
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
PEERS = HERE / "peers.py"
NOVAL = HERE / "noval.py"
VERIFY_ROWS = 100_000
ROWS_PER_ENTERPRISE = 2.7912  # what `jingan-kpi sample --years 2024-2026` yields (entry/exit)
SEED = 1
REL_TOL = 1e-9
ALL_CONTENDERS = ("check", "check-noval", "polars", "duckdb", "cat")

sys.path.insert(0, str(HERE))
from peers import figure_ids  # noqa: E402


def _cli() -> list[str]:
    script = Path(sys.executable).parent / "jingan-kpi"
    return [str(script)] if script.exists() else [sys.executable, "-m", "jingan_kpi"]


def command(contender: str, path: Path, figures: str) -> list[str]:
    """The argv of one run of a contender on ``path``."""
    if contender == "check":
        return [*_cli(), "check", str(path), "--format", "json"]
    if contender == "check-noval":
        # The shipped code with the row rules taken out by benchmarks/noval.py.
        return [sys.executable, str(NOVAL), "check", str(path), "--format", "json"]
    if contender in ("polars", "polars-streaming", "duckdb"):
        engine = "duckdb" if contender == "duckdb" else "polars"
        extra = ["--streaming"] if contender == "polars-streaming" else []
        return [sys.executable, str(PEERS), engine, str(path), "--figures", figures, *extra]
    if contender == "cat":
        return ["cat", str(path)]
    msg = f"unknown contender {contender!r}"
    raise ValueError(msg)


@dataclass
class Run:
    wall_s: float
    peak_rss_bytes: int


TIME = Path("/usr/bin/time")
# Fallback wrapper where /usr/bin/time is missing: a bare interpreter (no site) that waits for the
# command and prints the command's peak RSS in KiB.
_WRAPPER = (
    "import os,sys\n"
    "pid=os.fork()\n"
    "if pid==0:\n os.execvp(sys.argv[2],sys.argv[2:])\n"
    "_,st,ru=os.wait4(pid,0)\n"
    "open(sys.argv[1],'w').write(str(ru.ru_maxrss))\n"
    "sys.exit(os.waitstatus_to_exitcode(st))\n"
)


def run_once(argv: Sequence[str], *, capture: bool = False) -> tuple[Run, bytes]:
    """Run ``argv`` as a child; wall time around it, peak RSS of the command alone.

    The peak RSS comes from a small wrapper process (``/usr/bin/time``, else a bare Python) that
    forks the command: on Linux a child's ``ru_maxrss`` includes the image of the process it was
    forked from, so forking straight from this (polars-importing) process would inflate it.
    """
    with (
        tempfile.TemporaryFile() as err,
        tempfile.TemporaryFile() as out,
        tempfile.NamedTemporaryFile("r") as rss,
    ):
        if TIME.exists():
            wrapped = [str(TIME), "-f", "%M", "-o", rss.name, *argv]
        else:
            wrapped = [sys.executable, "-S", "-I", "-c", _WRAPPER, rss.name, *argv]
        start = time.perf_counter()
        proc = subprocess.run(
            wrapped, stdout=out if capture else subprocess.DEVNULL, stderr=err, check=False
        )
        wall = time.perf_counter() - start
        if proc.returncode != 0:
            err.seek(0)
            msg = (
                f"{' '.join(argv)} exited {proc.returncode}:\n{err.read().decode(errors='replace')}"
            )
            raise RuntimeError(msg)
        rss.seek(0)
        peak_kib = int(rss.read().split()[-1])
        out.seek(0)
        return Run(wall, peak_kib * 1024), out.read()


# ----------------------------------------------------------------------------------- panels


def panel_path(data_dir: Path, rows: int, fmt: str) -> Path:
    return data_dir / f"panel_{rows}.{fmt}"


def ensure_panel(data_dir: Path, rows: int, fmt: str, *, skip: bool, force: bool) -> dict | None:
    """Generate the panel with ``jingan-kpi sample`` if needed; returns the generation figures."""
    path = panel_path(data_dir, rows, fmt)
    if path.exists() and not force:
        return None
    if skip:
        msg = f"{path} is missing; run without --skip-generate to generate it"
        raise SystemExit(msg)
    data_dir.mkdir(parents=True, exist_ok=True)
    enterprises = max(1, round(rows / ROWS_PER_ENTERPRISE))
    argv = [
        *_cli(),
        "sample",
        "--enterprises",
        str(enterprises),
        "--years",
        "2024-2026",
        "--seed",
        str(SEED),
        "--output",
        str(path),
        "--format",
        fmt,
    ]
    print(f"generating {path} ({enterprises:,} enterprises) ...", flush=True)
    run, _ = run_once(argv)
    info = {
        "file": path.name,
        "enterprises": enterprises,
        "wall_s": round(run.wall_s, 2),
        "peak_rss_mib": round(run.peak_rss_bytes / 2**20),
        "bytes": path.stat().st_size,
    }
    print(
        f"  generated in {run.wall_s:.1f} s, peak {run.peak_rss_bytes / 2**20:,.0f} MiB, "
        f"{path.stat().st_size / 1e6:,.0f} MB",
        flush=True,
    )
    return info


def count_rows(path: Path) -> int:
    import polars as pl

    if path.suffix == ".parquet":
        return pl.scan_parquet(path).select(pl.len()).collect().item()
    return pl.scan_csv(path, infer_schema=False).select(pl.len()).collect().item()


def warm(path: Path) -> None:
    with path.open("rb") as f:
        while f.read(1 << 24):
            pass


# ----------------------------------------------------------------------------------- verify


def check_figures(payload: bytes, figures: str) -> dict[str, dict[str, float]]:
    data = json.loads(payload)
    by_id = {ind["id"]: ind["values"] for ind in data["indicators"]}
    return {name: by_id[name] for name in figure_ids(figures)}


def compare(name: str, got: dict, want: dict) -> list[str]:
    problems = []
    for ind in want:
        a, b = got.get(ind, {}), want[ind]
        if set(a) != set(b):
            problems.append(f"{name} {ind}: years {sorted(a)} != {sorted(b)}")
            continue
        for year in b:
            x, y = float(a[year]), float(b[year])
            if not math.isclose(x, y, rel_tol=REL_TOL, abs_tol=0.0 if y else 1e-12):
                problems.append(f"{name} {ind} {year}: {x!r} != {y!r} (check)")
    return problems


def verify(data_dir: Path, formats: Sequence[str], figures: str, contenders: Sequence[str]) -> None:
    """All contenders agree with ``check`` on every figure of the 100k-row panel (1e-9 rel)."""
    for fmt in formats:
        path = panel_path(data_dir, VERIFY_ROWS, fmt)
        _, out = run_once(command("check", path, figures), capture=True)
        want = check_figures(out, figures)
        problems = []
        for contender in contenders:
            if contender in ("check", "cat"):
                continue
            _, out = run_once(command(contender, path, figures), capture=True)
            got = check_figures(out, figures) if contender == "check-noval" else json.loads(out)
            problems += compare(contender, got, want)
        if problems:
            print("\n".join(problems), file=sys.stderr)
            msg = f"verification failed on {path}: the contenders disagree with check"
            raise SystemExit(msg)
        n = sum(len(v) for v in want.values())
        print(
            f"verified {path.name}: {', '.join(c for c in contenders if c != 'cat')} agree on "
            f"{len(want)} indicators ({n} values) to {REL_TOL:g} relative",
            flush=True,
        )


# ----------------------------------------------------------------------------------- measure


@dataclass
class Result:
    file: str
    rows: int
    bytes: int
    runs: dict[str, list[Run]] = field(default_factory=dict)

    def median_wall(self, c: str) -> float:
        return statistics.median(r.wall_s for r in self.runs[c])

    def median_rss(self, c: str) -> float:
        return statistics.median(r.peak_rss_bytes for r in self.runs[c])


def measure(path: Path, contenders: Sequence[str], repeat: int, figures: str) -> Result:
    result = Result(path.name, count_rows(path), path.stat().st_size, {c: [] for c in contenders})
    warm(path)
    for r in range(repeat):
        shift = r % len(contenders)
        order = list(contenders[shift:]) + list(contenders[:shift])  # alternate the order
        for c in order:
            run, _ = run_once(command(c, path, figures))
            result.runs[c].append(run)
        line = "  ".join(f"{c} {result.runs[c][-1].wall_s:.2f}s" for c in contenders)
        print(f"  round {r + 1}/{repeat}: {line}", flush=True)
    return result


def report(result: Result, contenders: Sequence[str]) -> str:
    lines = [
        f"{result.file}: {result.rows:,} rows, {result.bytes / 1e6:,.0f} MB",
        "",
        "| contender | wall median (min–max) | peak RSS median | × polars wall | × duckdb wall | "
        "× polars RSS |",
        "|---|---|---|---|---|---|",
    ]
    for c in contenders:
        walls = [r.wall_s for r in result.runs[c]]
        wall, rss = result.median_wall(c), result.median_rss(c)
        ratios = []
        for peer in ("polars", "duckdb"):
            ratios.append(
                f"{wall / result.median_wall(peer):.2f}"
                if peer in result.runs and c != "cat"
                else ""
            )
        rss_ratio = (
            f"{rss / result.median_rss('polars'):.2f}"
            if "polars" in result.runs and c != "cat"
            else ""
        )
        lines.append(
            f"| {c} | {wall:.2f} s ({min(walls):.2f}–{max(walls):.2f}) | {rss / 2**20:,.0f} MiB "
            f"| {ratios[0]} | {ratios[1]} | {rss_ratio} |"
        )
    return "\n".join(lines)


def machine() -> dict[str, object]:
    import duckdb
    import polars as pl

    model = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "memory_gib": round(mem / 2**30, 1),
        "python": platform.python_version(),
        "polars": pl.__version__,
        "duckdb": duckdb.__version__,
        "kernel": platform.release(),
    }


def _rows(text: str) -> list[int]:
    return [int(float(item)) for item in text.split(",") if item.strip()]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Benchmark jingan-kpi check (issue 5).")
    parser.add_argument(
        "--rows",
        type=_rows,
        default=_rows("1e6,1e7"),
        help="panel sizes in rows, e.g. 1e6,1e7 (default)",
    )
    parser.add_argument("--formats", default="csv,parquet", help="csv,parquet (default)")
    parser.add_argument("--repeat", type=int, default=5, help="runs per contender (median)")
    parser.add_argument(
        "--data-dir", type=Path, default=HERE / "data", help="where panels are kept (gitignored)"
    )
    parser.add_argument(
        "--skip-generate", action="store_true", help="never generate; the panels must exist"
    )
    parser.add_argument("--regenerate", action="store_true", help="generate even if present")
    parser.add_argument("--quick", action="store_true", help="100k-row smoke run, 3 repeats")
    parser.add_argument(
        "--contenders",
        default=",".join(ALL_CONTENDERS),
        help=f"subset of {','.join(ALL_CONTENDERS)},polars-streaming",
    )
    parser.add_argument(
        "--figures",
        choices=["plan", "core"],
        default="plan",
        help="what the peers compute: every panel figure of the plan (default) "
        "or the core set of the issue",
    )
    parser.add_argument("--no-verify", action="store_true", help="skip the 100k agreement check")
    parser.add_argument(
        "--results",
        type=Path,
        default=HERE / "results",
        help="directory for the JSON record of the run (gitignored)",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.rows, args.repeat = [VERIFY_ROWS], min(args.repeat, 3)
    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    contenders = [c.strip() for c in args.contenders.split(",") if c.strip()]
    if "check" not in contenders:
        contenders.insert(0, "check")
    if shutil.which("cat") is None:
        contenders = [c for c in contenders if c != "cat"]

    info = machine()
    print(json.dumps(info, ensure_ascii=False), flush=True)
    generation = []
    sizes = sorted({VERIFY_ROWS, *args.rows}) if not args.no_verify else args.rows
    for rows in sizes:
        for fmt in formats:
            made = ensure_panel(
                args.data_dir,
                rows,
                fmt,
                skip=args.skip_generate and rows != VERIFY_ROWS,
                force=args.regenerate,
            )
            if made:
                generation.append(made)
    if not args.no_verify:
        verify(args.data_dir, formats, args.figures, contenders)

    results = []
    for rows in args.rows:
        for fmt in formats:
            path = panel_path(args.data_dir, rows, fmt)
            print(f"\n{path.name}", flush=True)
            result = measure(path, contenders, args.repeat, args.figures)
            results.append(result)
            print("\n" + report(result, contenders) + "\n", flush=True)

    print("\n## Summary\n")
    for result in results:
        print(report(result, contenders) + "\n")
    args.results.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
    record = {
        "machine": info,
        "figures": args.figures,
        "repeat": args.repeat,
        "generation": generation,
        "results": [asdict(r) for r in results],
    }
    target = args.results / f"run-{stamp}.json"
    target.write_text(json.dumps(record, indent=1, ensure_ascii=False))
    print(f"record written to {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
