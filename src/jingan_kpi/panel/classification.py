"""GB/T 4754-2017 class codes and sections, and the classes that exist only in GB/T 4754-2011.

All of it is package data (``data/``): the 1381 class codes of 2017, the 20 sections (门类 A–T)
with the divisions each holds, the 1094 class codes of 2011 and the official 2011→2017
correspondence. Nothing here knows a sector,
a section letter or a district: the plan's scope decides which of these facts matter.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from functools import cache
from importlib import resources


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("jingan_kpi").joinpath(f"data/{name}").read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


@cache
def class_codes() -> frozenset[str]:
    """The 1381 four-digit class codes of GB/T 4754-2017."""
    return frozenset(row["code"].strip() for row in _rows("gbt4754_2017_classes.csv"))


@cache
def division_sections() -> dict[str, str]:
    """Each two-digit division of GB/T 4754-2017 → the letter of its section (``"72"`` → L):
    a class's section is the one whose division range holds its first two digits.

    Examples
    --------
    >>> division_sections()["01"], division_sections()["65"], division_sections()["97"]
    ('A', 'I', 'T')
    """
    found: dict[str, str] = {}
    for row in _rows("gbt4754_2017_sections.csv"):
        for division in range(int(row["first_division"]), int(row["last_division"]) + 1):
            found[f"{division:02d}"] = row["section"].strip().upper()
    return found


@cache
def codes_2011_only() -> frozenset[str]:
    """Class codes of GB/T 4754-2011 that are not GB/T 4754-2017 classes (158 codes): a file
    holding one is coded in the 2011 edition (reference README, "The trap")."""
    codes_2011 = frozenset(row["code"].strip() for row in _rows("gbt4754_2011_classes.csv"))
    return codes_2011 - class_codes()


def codes_2011_only_in(scope: Iterable[str]) -> frozenset[str]:
    """The 2011-only classes within a plan's scope (its sectors' code prefixes)."""
    prefixes = tuple(scope)
    return frozenset(code for code in codes_2011_only() if code.startswith(prefixes))


@cache
def meaning_changed() -> dict[str, tuple[str, ...]]:
    """Class codes of both editions whose 2011 class is not the 2017 class of the same code
    (230 codes, e.g. 7231 → 7241): code → the 2017 codes of its 2011 class."""
    targets: dict[str, set[str]] = {}
    for row in _rows("gbt4754_2011_2017_correspondence.csv"):
        targets.setdefault(row["code_2011"].strip(), set()).add(row["code_2017"].strip())
    codes_2017 = class_codes()
    return {
        code: tuple(sorted(to))
        for code, to in sorted(targets.items())
        if code in codes_2017 and to != {code}
    }
