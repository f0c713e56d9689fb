"""The Unified Social Credit Code check (GB 32100-2015), vectorised.

18 characters from a 31-character set; positions 1–17 weighted by 3^i mod 31; the check
character is ``CHARSET[(31 - Σ value·weight mod 31) mod 31]``. Positions 1–2 (authority,
category) are not checked against their code lists: the reference README says to validate the
charset and the check character only.
"""

from __future__ import annotations

import polars as pl

CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS: tuple[int, ...] = tuple(pow(3, i, 31) for i in range(17))
_INVALID = 64

# Byte → character value, compared in upper case (a lower-case letter has its upper-case value);
# every other byte maps to 64, a bit no valid value (0–30) has.
_BYTE_VALUE = [_INVALID] * 256
for _value, _char in enumerate(CHARSET):
    _BYTE_VALUE[ord(_char)] = _value
    _BYTE_VALUE[ord(_char.lower())] = _value
BYTE_VALUE = pl.Series("byte_value", _BYTE_VALUE, dtype=pl.UInt8)


def check_character(first17: str) -> str:
    """The check character of a code's first 17 characters (upper case).

    >>> check_character("91440300192203821")
    '6'
    """
    total = sum(CHARSET.index(char) * weight for char, weight in zip(first17, WEIGHTS, strict=True))
    return CHARSET[(31 - total % 31) % 31]


def credit_code_valid(expr: pl.Expr) -> pl.Expr:
    """True where ``expr`` is a valid credit code (either case); False for null or anything else.

    Works on the bytes: each of the 18 bytes is looked up in a 256-entry table of character
    values (``gather``), so the check is a few integer column operations per position, with no
    Python per row and no string slicing.

    Examples
    --------
    >>> import polars as pl
    >>> codes = pl.Series(["914403001922038216", "914403001922038217", None])
    >>> pl.select(credit_code_valid(pl.lit(codes))).to_series().to_list()
    [True, False, False]
    """
    raw = expr.cast(pl.Binary)
    table = pl.lit(BYTE_VALUE)
    values = [
        table.gather(raw.bin.get(i, null_on_oob=True).cast(pl.UInt32)).cast(pl.UInt32)
        for i in range(18)
    ]
    total = pl.sum_horizontal(
        value * weight for value, weight in zip(values, WEIGHTS, strict=False)
    )
    any_invalid = pl.sum_horizontal(v // _INVALID for v in values) > 0
    expected = (31 - total % 31) % 31
    return ((raw.bin.size() == 18) & ~any_invalid & (expected == values[17])).fill_null(False)


def credit_code_values(expr: pl.Expr) -> pl.Expr:
    """The 18 character values of each code as one ``Array(UInt8, 18)`` (64 for a byte outside
    the charset), for :func:`credit_code_valid_from_values`. A value that is not 18 bytes long
    gets a placeholder (its check then fails on the length).

    One ``gather`` over all bytes instead of 18 per-position passes; materialise it as a column
    and use that column, since written inline it would be computed once per use.
    """
    fixed = pl.when(expr.str.len_bytes() == 18).then(expr).otherwise(pl.lit("0" * 18))
    flat = fixed.cast(pl.Binary).bin.reinterpret(dtype=pl.Array(pl.UInt8, 18)).explode()
    return pl.lit(BYTE_VALUE).gather(flat.cast(pl.UInt32)).reshape((-1, 18))


_WEIGHTS_ARRAY = pl.Series([[*WEIGHTS, 0]], dtype=pl.Array(pl.UInt16, 18))


def credit_code_valid_from_values(expr: pl.Expr, values: pl.Expr) -> pl.Expr:
    """:func:`credit_code_valid`, given ``values`` = :func:`credit_code_values` of ``expr``
    (a column). Σ value·weight ≤ 17·64·30 fits UInt16."""
    total = (values.cast(pl.Array(pl.UInt16, 18)) * pl.lit(_WEIGHTS_ARRAY)).arr.sum()
    expected = (31 - total % 31) % 31
    return (
        (expr.str.len_bytes() == 18) & (values.arr.max() < 31) & (expected == values.arr.get(17))
    ).fill_null(False)
