"""The hostile panel corpus: every file and what ``jingan-kpi inspect`` must make of it.

Small files are committed in ``files/`` (see ``files/README.md``); the large ones (a 10 MB line,
10,000 columns), the binary formats (.xlsx with merged header cells, Parquet with wrong types),
a directory, a missing file and a FIFO are made at test time by ``conftest.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

FILES = Path(__file__).parent / "files"

# Valid codes used in the committed files (GB 32100-2015 check characters).
CODES = ("913101061234567806", "913101061234567819", "91310106123456782C")


@dataclass(frozen=True)
class Case:
    """What ``inspect FILE`` must do: its exit code, a fragment of its message, the line the
    message names (``FILE:LINE:``) where there is one, and for a file whose bad rows are
    counted, the rows used and rejected by reason."""

    name: str
    exit_code: int
    says: str
    line: int | None = None
    used: int | None = None
    rejected: dict[str, int] = field(default_factory=dict)

    @property
    def counted(self) -> bool:
        return self.exit_code == 0


COMMITTED: tuple[Case, ...] = (
    Case("empty.csv", 2, "is empty"),
    Case("header_only.csv", 2, "has a header but no data rows"),
    Case("blank_rows_only.csv", 2, "has a header but no data rows"),
    Case("binary_garbage.bin", 2, "is a binary file"),
    Case("high_bytes.csv", 2, "bytes 80 81 82 83 are not UTF-8", 3),
    Case("truncated_utf8.csv", 2, "ends in the middle of a UTF-8 character", 4),
    Case("truncated_gb18030.csv", 2, "ends in the middle of a GB18030 character", 4),
    Case("damaged_utf8.csv", 2, "bytes ff e4 bc 81 are not UTF-8", 5),
    Case("utf16.csv", 2, "is UTF-16 text"),
    Case("old_excel.xls", 2, "is an old Excel .xls workbook"),
    Case("semicolon.csv", 2, 'The header seems to be separated by ";"', 1),
    Case("tab_separated.csv", 2, "The header seems to be separated by a tab", 1),
    Case("unclosed_quote.csv", 2, "a double quote opened on this line is never closed", 4),
    Case("unclosed_quote_header.csv", 2, "a double quote in it is never closed", 1),
    Case("stray_quote.csv", 2, "a double quote inside a value that is not itself quoted", 3),
    Case("too_many_fields.csv", 2, "this row has 8 fields but the header has 7", 3),
    Case("duplicated_headers.csv", 2, "are both credit_code; rename or delete one of them", 1),
    Case("gbt4754_2011.csv", 2, "exists only in GB/T 4754-2011", 3),
    Case(
        "bom_in_middle.csv",
        0,
        'credit_code "\\uFEFF913101061234567819"',
        3,
        used=1,
        rejected={"invalid_credit_code": 1},
    ),
    # NaN, inf, -, —, 1e400 rejected; １２３ (full-width digits) accepted.
    Case(
        "bad_revenue.csv",
        0,
        'revenue "NaN" is not a revenue figure',
        2,
        used=1,
        rejected={"invalid_revenue": 5},
    ),
    # 2025.5, 二〇二五, 25, 2207 rejected; 2025.0 accepted.
    Case(
        "bad_years.csv", 0, 'year "2025.5" is not a year', 2, used=1, rejected={"invalid_year": 4}
    ),
    Case(
        "empty_industry_code.csv",
        0,
        "industry_code empty is not a GB/T 4754-2017 class code",
        2,
        used=1,
        rejected={"invalid_industry_code": 1},
    ),
)

GENERATED: tuple[Case, ...] = (
    Case("wide_10000_columns.csv", 0, "", used=1),
    Case("wide_10000_columns_no_required.csv", 2, "and 9,983 more", 1),
    Case("line_10mb_name.csv", 0, "", used=2),
    Case(
        "line_10mb_code.csv",
        0,
        '…" is not a valid unified social credit code',
        3,
        used=1,
        rejected={"invalid_credit_code": 1},
    ),
    Case("header_10mb.csv", 2, "required columns industry_code, year, revenue not found", 1),
    Case(
        "merged_header.xlsx",
        2,
        "Row 2 has them: the header is on row 2. Remove the 1 row above it",
        1,
    ),
    Case("merged_header_cells.xlsx", 0, "", used=2),
    Case(
        "parquet_wrong_types.parquet",
        0,
        'credit_code "1" is not a valid',
        1,
        used=0,
        rejected={"invalid_credit_code": 2},
    ),
    Case("parquet_nested.parquet", 2, "cannot be read (cannot cast List type"),
    Case("a_directory", 2, "is a directory, not a data file"),
    Case("missing.csv", 2, "no such file"),
)

ALL: tuple[Case, ...] = COMMITTED + GENERATED
