"""Text normalisation of panel values and headers.

Contract §1 asks for NFKC-normalised values stripped of surrounding spaces. What NFKC changes in
the data this tool reads is the full-width ASCII block: full-width digits, letters, comma, period,
parentheses (U+FF01–U+FF5E → U+0021–U+007E) and the ideographic space (U+3000 → U+0020).
:func:`normalize_text` maps exactly those with one vectorised ``str.replace_many`` and strips
surrounding white space. Other compatibility characters (circled digits, ligatures, half-width
katakana) are left as they are: none of them can make an invalid code or number valid, so nothing
is guessed away. (Polars' own ``str.normalize("NFKC")`` is several times slower than the table;
headers are few, so they get a real NFKC in :func:`normalize_header`.)

Speed: both steps are skipped for a whole column when no value needs them (a column-wide
``any()`` in a ``when`` short-circuits), so an all-ASCII, already-trimmed column costs two byte
scans, not a rewrite of every string; a Chinese column without special characters costs one
more search.
"""

from __future__ import annotations

import re
import unicodedata

import polars as pl

# Full-width ASCII block U+FF01..U+FF5E → U+0021..U+007E, and the ideographic space → space.
FULLWIDTH_TO_ASCII: dict[str, str] = {
    chr(code): chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)
}
FULLWIDTH_TO_ASCII["\u3000"] = " "

_FULLWIDTH_PATTERNS = list(FULLWIDTH_TO_ASCII)
# What ``str.strip_chars()`` strips (Unicode White_Space) beyond ASCII: all multi-byte in UTF-8.
_MULTIBYTE_SPACES = [
    "\u0085",
    "\u00a0",
    "\u1680",
    *(chr(c) for c in range(0x2000, 0x200B)),
    "\u2028",
    "\u2029",
    "\u202f",
    "\u205f",
    "\u3000",
]
_ASCII_REPLACEMENTS = list(FULLWIDTH_TO_ASCII.values())
_SPECIAL = _FULLWIDTH_PATTERNS + _MULTIBYTE_SPACES


def normalize_text(expr: pl.Expr) -> pl.Expr:
    """Full-width ASCII → ASCII, then strip surrounding white space; empty → null."""
    # Gates, each a cheap column-wide test, nested so a column pays only for what it may need.
    # A column without any multi-byte character (byte length = character length everywhere)
    # holds no full-width character and no Unicode white space: at most an ASCII strip. A
    # column with multi-byte characters (Chinese names, zones) pays one search for all the
    # special characters at once; only if one occurs is each looked for and rewritten.
    multibyte = (expr.str.len_bytes() != expr.str.len_chars()).any()
    special = expr.str.contains_any(_SPECIAL).any()
    raw = expr.cast(pl.Binary)
    first = raw.bin.get(0, null_on_oob=True)
    last = raw.bin.get(-1, null_on_oob=True)
    # A value needs an ASCII strip only if its first or last byte is a space or control byte:
    # a column of clean values is not rewritten (no copy of every value).
    edge = ((first <= 0x20) | (last <= 0x20)).any()
    simple = pl.when(edge).then(expr.str.strip_chars()).otherwise(expr)
    has_fullwidth = expr.str.contains_any(_FULLWIDTH_PATTERNS).any()
    widened = (
        pl.when(has_fullwidth)
        .then(expr.str.replace_many(_FULLWIDTH_PATTERNS, _ASCII_REPLACEMENTS))
        .otherwise(expr)
    )
    # Keep each scalar ``when`` flat: polars skips a branch only for a plain scalar condition.
    normalized = (
        pl.when(multibyte)
        .then(pl.when(special).then(widened.str.strip_chars()).otherwise(simple))
        .otherwise(simple)
    )
    return normalized.replace("", None)


_TO_ASCII = str.maketrans(FULLWIDTH_TO_ASCII)


def normalize_value(value: str) -> str:
    """:func:`normalize_text` for one value, in Python (for messages about a few rows)."""
    return value.translate(_TO_ASCII).strip()


def normalize_header(header: str | None) -> str:
    """NFKC, case-folded, with surrounding and repeated inner white space collapsed."""
    text = unicodedata.normalize("NFKC", header or "").casefold()
    return re.sub(r"\s+", " ", text).strip()
