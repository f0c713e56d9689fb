"""Where ``jingan-kpi check`` spends time and memory, stage by stage (issue 5 profile).

Calls the library functions the CLI calls, in one process, and times each stage; peak RSS is
read after each stage (``ru_maxrss``, so it only grows) next to the current RSS.

    python benchmarks/profile_check.py stages FILE          # the shipped path, stage by stage
    python benchmarks/profile_check.py steps FILE           # each step of the rule stage alone
    python benchmarks/profile_check.py ablate FILE RULE     # read_panel without RULE

``stages`` splits the batch loop of ``read_panel`` into the time spent waiting for the streaming
reader and the time in the field rules and the sorting of each batch. ``steps`` reads the file
into batches first, then times each step of the rules over all the batches. ``ablate`` removes
one rule (``normalise``, ``credit``, ``industry``, ``year``, ``revenue``, ``duplicate``,
``blank``; ``none`` removes nothing, ``all`` every one) and times ``read_panel``. Run each in
its own process: peak RSS is per process.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
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
        print(
            f"{label:<52} {now - self.last:7.2f} s  cpu {cpu - self.cpu:7.2f} s   rss {current:7,.0f} MiB   peak {peak:7,.0f} MiB",
            flush=True,
        )
        self.last, self.cpu = now, cpu

    def total(self) -> None:
        print(f"{'total':<52} {time.perf_counter() - self.start:7.2f} s", flush=True)


def stages(path: Path) -> None:
    clock = Clock()
    from jingan_kpi.compute.evaluate import compute_series, evaluate, figure_columns
    from jingan_kpi.panel import batches, load
    from jingan_kpi.panel.classification import class_codes
    from jingan_kpi.panel.encoding import prepare_text_file
    from jingan_kpi.panel.readers import read_source
    from jingan_kpi.panel.rules import hash_candidates
    from jingan_kpi.panel.types import References
    from jingan_kpi.plan import load_plan

    clock.lap("import jingan_kpi (compute, panel, plan)")
    plan = load_plan(None)
    clock.lap("load_plan (shipped plan)")
    with tempfile.TemporaryDirectory() as workdir:
        prepare_text_file(path, None, Path(workdir))
        clock.lap("  prepare_text_file: encoding + quote scan (Python)")
        (raw,) = read_source(path, encoding=None, sheet=None, workdir=Path(workdir))
        clock.lap("read_source (header, lazy scan; repeats the scan)")
        rows = batches.Rows()
        waited = 0.0
        real = pl.LazyFrame.collect_batches

        def timed(self: pl.LazyFrame, **kwargs: object) -> object:
            nonlocal waited
            it = iter(real(self, **kwargs))  # type: ignore[arg-type]
            while True:
                t0 = time.perf_counter()
                try:
                    batch = next(it)
                except StopIteration:
                    waited += time.perf_counter() - t0
                    return
                waited += time.perf_counter() - t0
                yield batch

        pl.LazyFrame.collect_batches = timed  # type: ignore[method-assign,assignment]
        try:
            how = batches.Reading(  # as check reads
                class_codes(),
                tuple(plan.scope_prefixes),
                keep=figure_columns(publish=False),
                several=False,
            )
            batches.read_in_batches(rows, raw, 0, how)
        finally:
            pl.LazyFrame.collect_batches = real  # type: ignore[method-assign]
        clock.lap(f"batches: {len(rows.used)} used parts, waiting for the reader {waited:.2f} s")
        hash_candidates(rows.used + rows.other)
        clock.lap("hash_candidates (key hashes of every batch)")
        del rows
        clock.lap("  (freed)")
    panel = load.read_panel(path, plan=plan, columns=figure_columns(publish=False))
    clock.lap(f"read_panel (whole, as check; frame {panel.frame.estimated_size('mb'):,.0f} MB)")
    compute_series(plan, panel, References())
    clock.lap("compute_series (compute_cells + formulas)")
    evaluate(panel, plan=plan)
    clock.lap("evaluate (again: cells + formulas + assessment)")
    clock.total()


def _without(reason: str) -> Callable[[pl.LazyFrame], pl.LazyFrame]:
    def drop(staged: pl.LazyFrame) -> pl.LazyFrame:
        return staged.with_columns(
            reason4=pl.when(pl.col("reason4") == reason).then(None).otherwise(pl.col("reason4"))
        )

    return drop


def ablate(path: Path, rule: str) -> None:
    """Time ``read_panel`` with one rule replaced by 'always passes'."""
    from jingan_kpi.panel import batches, load, rules

    remove = {"normalise", "credit", "industry", "year", "revenue", "duplicate", "blank"}
    remove = remove if rule == "all" else ({rule} if rule != "none" else set())
    if "normalise" in remove:
        rules.normalize_text = lambda expr: expr  # type: ignore[assignment]
    if "credit" in remove:
        rules.credit_code_valid_from_sums = lambda expr, sums: pl.lit(True)  # type: ignore[assignment]
    if "duplicate" in remove:
        load.hash_candidates = lambda parts: pl.DataFrame(  # type: ignore[assignment]
            schema={"_file": pl.UInt32, "source_line": pl.Int64}
        )
    after = [
        _without(f"invalid_{r}_code" if r == "industry" else f"invalid_{r}")
        for r in ("industry", "year", "revenue")
        if r in remove
    ]
    stage = rules.file_stage

    def ablated(
        batch: pl.DataFrame, *, class_codes: Iterable[str], keep_name: bool = True
    ) -> pl.LazyFrame:
        if "blank" in remove:
            batch = batch.with_columns(pl.lit(False).alias(rules.EXTRA_NULL))
        staged = stage(batch, class_codes=class_codes, keep_name=keep_name)
        for drop in after:
            staged = drop(staged)
        return staged

    batches.file_stage = ablated  # type: ignore[assignment]
    from jingan_kpi.compute.evaluate import figure_columns

    t0, c0 = time.perf_counter(), time.process_time()
    panel = load.read_panel(path, columns=figure_columns(publish=False))  # as check
    elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
    _, peak = rss()
    print(
        f"ablate {rule:<10} read_panel {elapsed:6.2f} s (cpu {cpu:6.2f} s)  "
        f"rows {panel.counts.read:,}  peak {peak:,.0f} MiB",
        flush=True,
    )


def steps(path: Path) -> None:
    """Each step of the row rules timed alone over all the batches (materialised between
    steps, so the sum exceeds the fused collect, where polars overlaps the steps)."""
    from jingan_kpi.panel.batches import BATCH_ROWS
    from jingan_kpi.panel.classification import class_codes
    from jingan_kpi.panel.credit_code import (
        credit_code_sums,
        credit_code_valid_from_sums,
        credit_code_words,
    )
    from jingan_kpi.panel.headers import CANONICAL_COLUMNS, DICTIONARY_COLUMNS
    from jingan_kpi.panel.readers import read_source
    from jingan_kpi.panel.rules import _dictionary, _gather, file_stage, key_hash
    from jingan_kpi.panel.text import normalize_text

    clock = Clock()
    with tempfile.TemporaryDirectory() as workdir:
        (raw,) = read_source(path, encoding=None, sheet=None, workdir=Path(workdir))
        chunks = list(raw.frame.collect_batches(chunk_size=BATCH_ROWS, engine="streaming"))
    clock.lap(f"read: {len(chunks)} batches of 7 columns as String")

    def each(label: str, step: Callable[[pl.DataFrame], object]) -> None:
        for chunk in chunks:
            step(chunk)
        clock.lap(label)

    # The dictionary columns arrive as Categorical; row by row, the rules read them as text.
    text = [
        chunk.with_columns(pl.col(c).cast(pl.String) for c in CANONICAL_COLUMNS) for chunk in chunks
    ]
    clock.lap("dictionary columns cast to text (for the row-by-row timings)")
    codes = frozenset(class_codes())

    def by_value(chunk: pl.DataFrame) -> None:
        gathers = []
        for column in DICTIONARY_COLUMNS:
            table = _dictionary(chunk, column, chunk.schema[column], codes)
            assert table is not None, f"{column}: too many values to be judged by value"
            gathers += _gather(table, pl.col(column).to_physical())
        chunk.select(gathers)

    each("dictionary columns by value: tables + gathers", by_value)
    normalised = [
        chunk.with_columns(normalize_text(pl.col(c)).alias(f"_{c}") for c in CANONICAL_COLUMNS)
        for chunk in text
    ]
    clock.lap("normalize_text, 7 columns row by row")
    for column in CANONICAL_COLUMNS:
        for chunk in text:
            chunk.select(normalize_text(pl.col(column)))
        clock.lap(f"  normalize_text {column}")
    code = pl.col("_credit_code")
    words = [n.select(_words=credit_code_words(code), _credit_code=code) for n in normalised]
    clock.lap("credit: 9 words")
    for w in words:
        w.select(credit_code_valid_from_sums(code, credit_code_sums(pl.col("_words"))))
    clock.lap("credit: 9 table lookups")
    del words, normalised
    staged = [file_stage(c, class_codes=codes).collect(engine="in-memory") for c in chunks]
    clock.lap("file_stage whole (normalise + every field rule)")
    for s in staged:
        s.select(key_hash(pl.col("_credit_upper"), pl.col("_year_value")))
    clock.lap("duplicate key hashes")
    clock.total()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["stages", "steps", "ablate"])
    parser.add_argument("file", type=Path)
    parser.add_argument("rule", nargs="?", default="none")
    args = parser.parse_args()
    if args.mode == "stages":
        stages(args.file)
    elif args.mode == "steps":
        steps(args.file)
    else:
        ablate(args.file, args.rule)
    return 0


if __name__ == "__main__":
    sys.exit(main())
