"""The GB/T 4754-2017 class list (package data), used to check sector code prefixes.

The panel loader reuses :func:`class_codes` to check each row's industry code.
"""

from __future__ import annotations

import csv
import io
from functools import cache
from importlib.resources import files

CLASSES_RESOURCE = "data/gbt4754_2017_classes.csv"


@cache
def class_codes() -> frozenset[str]:
    """Every 4-digit class code of GB/T 4754-2017 (1381 codes).

    Returns
    -------
    frozenset[str]
        The codes as text, leading zeros kept (``"0111"``).

    Examples
    --------
    >>> "7261" in class_codes()
    True
    >>> len(class_codes())
    1381
    """
    text = files("jingan_kpi").joinpath(CLASSES_RESOURCE).read_text(encoding="utf-8")
    reader = csv.DictReader(io.StringIO(text))
    return frozenset(row["code"].strip() for row in reader if row.get("code"))


def is_code_prefix(prefix: str) -> bool:
    """Whether ``prefix`` (a division, group or class code) starts at least one class code.

    Examples
    --------
    >>> is_code_prefix("72"), is_code_prefix("726"), is_code_prefix("7240")
    (True, True, False)
    """
    if not prefix.isdigit() or not prefix.isascii():
        return False
    return any(code.startswith(prefix) for code in class_codes())
