"""Where ``jingan-kpi check`` spends time and memory, stage by stage (issue 5 profile).

Calls the library functions the CLI calls, in one process, and times each stage; peak RSS is
read after each stage (``ru_maxrss``, so it only grows) next to the current RSS.

    python benchmarks/profile_check.py stages FILE          # the shipped path, stage by stage
    python benchmarks/profile_check.py steps FILE           # each step of the rule stage alone
    python benchmarks/profile_check.py ablate FILE RULE     # the row-rule collect without RULE
    python benchmarks/profile_check.py lean FILE [--streaming]  # one lazy plan, rules to cells

``ablate`` removes one rule (``normalise``, ``credit``, ``industry``, ``year``, ``revenue``,
``duplicate``, ``blank``; ``none`` removes nothing, ``all`` removes every one) from the plan that
``read_panel`` collects and times that collect. ``lean`` measures the proposed shape: the same
row rules and the same one-pass aggregation as ``compute_cells``, collected as one lazy plan with
only the columns the cells need kept (the rejects and counts still computed, from the same scan
via ``collect_all``). Run each in its own process: peak RSS is per process.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import polars as pl


def rss() -> tuple[float, float]:
    """(current, peak) RSS in MiB."""
    with Path("/proc/self/statm").open() as f:
        current = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    return current, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Clock:
    def __init__(self) -> None:
        self.start = self.last = time.perf_counter()
        self.cpu = time.process_time()

    def lap(self, label: str) -> None:
        now, cpu = time.perf_counter(), time.process_time()
        current, peak = rss()
        print(f"{label:<52} {now - self.last:7.2f} s  cpu {cpu - self.cpu:7.2f} s   rss {current:7,.0f} MiB   peak {peak:7,.0f} MiB",
              flush=True)  # fmt: skip
        self.last, self.cpu = now, cpu

    def total(self) -> None:
        print(f"{'total':<52} {time.perf_counter() - self.start:7.2f} s", flush=True)


def stages(path: Path) -> None:
    clock = Clock()
    from jingan_kpi.compute.evaluate import compute_series, evaluate
    from jingan_kpi.panel import load
    from jingan_kpi.panel.classification import class_codes
    from jingan_kpi.panel.encoding import prepare_text_file
    from jingan_kpi.panel.readers import read_source
    from jingan_kpi.panel.rules import file_stage, panel_stage
    from jingan_kpi.panel.types import References
    from jingan_kpi.plan import load_plan

    clock.lap("import jingan_kpi (compute, panel, plan)")
    plan = load_plan(None)
    clock.lap("load_plan (shipped plan)")
    with tempfile.TemporaryDirectory() as workdir:
        prepare_text_file(path, None, Path(workdir))
        clock.lap("  prepare_text_file: encoding + quote scan (Python)")
        raw = read_source(path, encoding=None, sheet=None, workdir=Path(workdir))
        clock.lap("read_source (header, lazy scan; repeats the scan)")
    staged = file_stage(
        raw.frame.with_columns(source_file=pl.lit(raw.path, dtype=pl.String)),
        class_codes=class_codes(),
    )  # fmt: skip
    rows = panel_stage(staged, scope_prefixes=plan.scope_prefixes).collect(engine="in-memory")  # as read_panel
    clock.lap(
        f"rules collect: {rows.height:,} rows x {rows.width} cols, {rows.estimated_size('mb'):,.0f} MB"
    )
    del rows
    clock.lap("  (freed)")
    panel = load.read_panel(path, plan=plan)
    clock.lap(f"read_panel (whole; frame {panel.frame.estimated_size('mb'):,.0f} MB)")
    years = panel.years
    clock.lap(f"panel.years {years}")
    compute_series(plan, panel, References())
    clock.lap("compute_series (compute_cells + formulas)")
    evaluate(panel, plan=plan)
    clock.lap("evaluate (again: cells + formulas + assessment)")
    clock.total()


class _NoWindow:
    """Stands in for ``pl.len()`` in the duplicate rule: ``.over(...)`` is a constant 0."""

    def over(self, *_: object, **__: object) -> pl.Expr:
        return pl.lit(0, dtype=pl.UInt32)


def ablate(path: Path, rule: str) -> None:
    """Time the row-rule collect with one rule replaced by 'always passes'."""
    from jingan_kpi.panel import rules
    from jingan_kpi.panel.classification import class_codes
    from jingan_kpi.panel.readers import read_source
    from jingan_kpi.plan import load_plan

    remove = {"normalise", "credit", "industry", "year", "revenue", "duplicate", "blank"}
    remove = remove if rule == "all" else ({rule} if rule != "none" else set())
    if "normalise" in remove:
        rules.normalize_text = lambda expr: expr  # type: ignore[assignment]
    if "credit" in remove:
        rules.credit_code_valid_from_sums = lambda expr, sums: pl.lit(True)  # type: ignore[assignment]
    plan = load_plan(None)
    codes = class_codes() if "industry" not in remove else None
    with tempfile.TemporaryDirectory() as workdir:
        t0 = time.perf_counter()
        raw = read_source(path, encoding=None, sheet=None, workdir=Path(workdir))
        t_read = time.perf_counter() - t0
    frame = raw.frame.with_columns(source_file=pl.lit(raw.path, dtype=pl.String))
    if "blank" in remove:
        frame = frame.with_columns(pl.lit(False).alias(rules.EXTRA_NULL))
    staged = rules.file_stage(frame, class_codes=codes or [])
    if "industry" in remove:
        staged = staged.with_columns(
            reason4=pl.when(pl.col("reason4") == "invalid_industry_code").then(None)
            .otherwise(pl.col("reason4"))
        )  # fmt: skip
    if "year" in remove:
        staged = staged.with_columns(
            reason4=pl.when(pl.col("reason4") == "invalid_year")
            .then(None)
            .otherwise(pl.col("reason4"))
        )
    if "revenue" in remove:
        staged = staged.with_columns(
            reason4=pl.when(pl.col("reason4") == "invalid_revenue").then(None)
            .otherwise(pl.col("reason4"))
        )  # fmt: skip
    if "duplicate" in remove:
        # panel_stage's window over (credit code, year) is the duplicate rule: make it a no-op
        # (polars.len().over(...) > 1 → never true).
        original_len = pl.len
        pl.len = lambda: _NoWindow()  # type: ignore[assignment]
        try:
            out = rules.panel_stage(staged, scope_prefixes=plan.scope_prefixes)
        finally:
            pl.len = original_len  # type: ignore[assignment]
    else:
        out = rules.panel_stage(staged, scope_prefixes=plan.scope_prefixes)
    t0, c0 = time.perf_counter(), time.process_time()
    rows = out.collect(engine="in-memory")  # as read_panel
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    _, peak = rss()
    print(f"ablate {rule:<10} read_source {t_read:5.2f} s  rules collect {elapsed:6.2f} s "
          f"(cpu {cpu:6.2f} s)  "
          f"rows {rows.height:,}  peak {peak:,.0f} MiB", flush=True)  # fmt: skip


def steps(path: Path) -> None:
    """Each step of the row-rule stage timed alone: materialised between steps (in-memory engine),
    so the sum exceeds the fused collect, where polars overlaps the steps on the cores."""
    from jingan_kpi.panel.classification import class_codes
    from jingan_kpi.panel.credit_code import (
        credit_code_sums,
        credit_code_valid_from_sums,
        credit_code_words,
    )
    from jingan_kpi.panel.headers import CANONICAL_COLUMNS
    from jingan_kpi.panel.readers import EXTRA_NULL, read_source
    from jingan_kpi.panel.rules import file_stage, panel_stage, with_duplicate_flag
    from jingan_kpi.panel.text import normalize_text

    clock = Clock()
    with tempfile.TemporaryDirectory() as workdir:
        raw = read_source(path, encoding=None, sheet=None, workdir=Path(workdir), verify_utf8=False)
    source = raw.frame.with_columns(source_file=pl.lit(raw.path, dtype=pl.String))
    frame = source.collect(engine="in-memory")
    clock.lap("read: 7 columns as String")
    frame = frame.lazy().with_columns(
        normalize_text(pl.col(c)).alias(f"_{c}") for c in CANONICAL_COLUMNS
    ).collect(engine="in-memory")
    clock.lap("normalize_text, 7 columns")
    code = pl.col("_credit_code")
    words = frame.lazy().select(_words=credit_code_words(code), _credit_code=code)
    words = words.collect(engine="in-memory")
    clock.lap("credit: 9 words")
    words.lazy().with_columns(_sums=credit_code_sums(pl.col("_words"))).select(
        credit_code_valid_from_sums(code, pl.col("_sums"))
    ).collect(engine="in-memory")
    clock.lap("credit: 9 table lookups")
    del words
    staged = file_stage(
        frame.select(*CANONICAL_COLUMNS, "source_line", EXTRA_NULL, "source_file").lazy(),
        class_codes=class_codes(),
    ).collect(engine="in-memory")  # fmt: skip
    del frame
    clock.lap("file_stage whole (normalise + every field rule)")
    passes = pl.col("reason4").is_null()
    code, year = pl.col("_credit_upper"), pl.col("_year_value")
    with_duplicate_flag(staged.lazy(), passes=passes, code=code, year=year).select(
        "_duplicate"
    ).collect(engine="in-memory")
    clock.lap("duplicates: hashed keys, sorted, candidates (shipped)")
    staged.lazy().select(passes & (pl.len().over(pl.when(passes).then(code), year) > 1)).collect(
        engine="in-memory"
    )
    clock.lap("duplicates: exact len().over() window (before)")
    panel_stage(staged.lazy(), scope_prefixes=("71", "72")).collect(engine="in-memory")
    clock.lap("panel_stage (duplicates + output columns)")
    clock.total()


def lean(path: Path, streaming: bool) -> None:
    """The proposed shape: rules + cells in one lazy plan, narrow columns, streaming optional."""
    clock = Clock()
    from jingan_kpi.compute.cells import collect_calls
    from jingan_kpi.panel.classification import class_codes
    from jingan_kpi.panel.readers import read_source
    from jingan_kpi.panel.rules import file_stage, panel_stage
    from jingan_kpi.plan import load_plan

    plan = load_plan(None)
    calls = collect_calls(plan.formulas.values(), plan.model)
    clock.lap("imports + load_plan")
    with tempfile.TemporaryDirectory() as workdir:
        raw = read_source(path, encoding=None, sheet=None, workdir=Path(workdir))
    clock.lap("read_source (incl. encoding/quote scan)")
    staged = file_stage(
        raw.frame.with_columns(source_file=pl.lit(raw.path, dtype=pl.String)),
        class_codes=class_codes(),
    )  # fmt: skip
    rows = panel_stage(staged, scope_prefixes=plan.scope_prefixes)
    exprs, seen = [], set()
    for call in calls.values():
        cell = call.cell_key
        rev = pl.col("revenue").filter(call.mask())
        if cell not in seen:
            seen.add(cell)
            exprs.append(rev.sum().alias(f"sum|{cell}"))
            exprs.append(call.mask().sum().alias(f"count|{cell}"))
        if call.func == "top_share" and call.n is not None:
            exprs.append(rev.top_k(call.n).sum().alias(f"top|{call.key}"))
        elif call.func == "hhi":
            exprs.append(rev.pow(2).sum().alias(f"sq|{cell}"))
    cells = (
        rows.filter(pl.col("in_scope"))
        .select("industry_code", "year", "revenue", "zone", "hq_type")
        .group_by("year")
        .agg(exprs)
    )
    counts = rows.group_by("reason", "in_scope").agg(pl.len())
    rejects = rows.filter(pl.col("reason").is_not_null())
    engine = "streaming" if streaming else "auto"
    out_cells, out_counts, out_rejects = pl.collect_all([cells, counts, rejects], engine=engine)
    clock.lap(f"collect_all [cells, counts, rejects] engine={engine}")
    print(out_counts, out_rejects.height, out_cells.shape)
    clock.total()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["stages", "steps", "ablate", "lean"])
    parser.add_argument("file", type=Path)
    parser.add_argument("rule", nargs="?", default="none")
    parser.add_argument("--streaming", action="store_true")
    args = parser.parse_args()
    if args.mode == "stages":
        stages(args.file)
    elif args.mode == "steps":
        steps(args.file)
    elif args.mode == "ablate":
        ablate(args.file, args.rule)
    else:
        lean(args.file, args.streaming)
    return 0


if __name__ == "__main__":
    sys.exit(main())
