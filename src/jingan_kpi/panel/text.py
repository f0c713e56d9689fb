"""Text normalisation of panel values and headers.

Contract §1: values are NFKC-normalised (full Unicode NFKC, not a subset: full-width digits and
letters, the ideographic space, circled digits ``①`` → ``1``, ligatures, half-width katakana)
and stripped of surrounding white space. :func:`normalize_text` does it as polars expressions,
:func:`normalize_value` in Python for one value; the two agree (a property test checks it).

Speed: an all-ASCII value is its own NFKC form, so a column without any multi-byte character
(byte length = character length everywhere, one column-wide test) skips NFKC altogether and
pays at most an ASCII strip, and a column of clean values is not rewritten at all. Columns with
Chinese text pay a real NFKC: the name (only where it is kept: ``check`` does not keep it) and
the dictionary columns, whose rules run once per distinct value.
"""

from __future__ import annotations

import re
import unicodedata

import polars as pl


def normalize_text(expr: pl.Expr) -> pl.Expr:
    """NFKC, then strip surrounding white space; empty → null."""
    # Gates, each a cheap column-wide test: a column without any multi-byte character holds
    # nothing NFKC changes and no Unicode white space: at most an ASCII strip.
    multibyte = (expr.str.len_bytes() != expr.str.len_chars()).any()
    raw = expr.cast(pl.Binary)
    first = raw.bin.get(0, null_on_oob=True)
    last = raw.bin.get(-1, null_on_oob=True)
    # A value needs an ASCII strip only if its first or last byte is a space or control byte:
    # a column of clean values is not rewritten (no copy of every value).
    edge = ((first <= 0x20) | (last <= 0x20)).any()
    simple = pl.when(edge).then(expr.str.strip_chars()).otherwise(expr)
    # Keep each scalar ``when`` flat: polars skips a branch only for a plain scalar condition.
    normalized = (
        pl.when(multibyte).then(expr.str.normalize("NFKC").str.strip_chars()).otherwise(simple)
    )
    return normalized.replace("", None)


def normalize_value(value: str) -> str:
    """:func:`normalize_text` for one value, in Python (for messages about a few rows)."""
    return unicodedata.normalize("NFKC", value).strip()


def normalize_header(header: str | None) -> str:
    """NFKC, case-folded, with surrounding and repeated inner white space collapsed, and none
    beside a bracket (``行业代码 (GB/T 4754-2017)`` is ``行业代码(GB/T 4754-2017)``).

    Examples
    --------
    >>> normalize_header(" 本年营业收入 （千元） ")
    '本年营业收入(千元)'
    >>> normalize_header("Industry_Code")
    'industry_code'
    """
    text = unicodedata.normalize("NFKC", header or "").casefold()
    text = re.sub(r"\s+", " ", text).strip()
    return re.sub(r" ?([()]) ?", r"\1", text)
