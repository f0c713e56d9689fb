"""Hostile inputs made at test time: the large ones (not committed) and the binary formats."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.hostile.corpus import CODES, FILES

HEADER = "credit_code,name,industry_code,year,revenue,zone,hq_type\n"
TEN_MB = 10 * 1024 * 1024


def _row(i: int, name: str | None = None) -> str:
    return f"{CODES[i]},{name or f'企业{i}'},7261,2025,{100 + i},南京西路,\n"


def _xlsx_merged_title(path: Path) -> None:
    """A group title merged over two header cells above the real headers (a common layout)."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["企业信息", None, "行业", "年份", "营业收入（万元）"])
    ws.merge_cells("A1:B1")
    ws.append(["统一社会信用代码", "企业名称", "行业代码", "年份", "营业收入（万元）"])
    ws.append([CODES[0], "企业0", "7261", 2025, 5])
    wb.save(path)


def _xlsx_merged_cells(path: Path) -> None:
    """Headers merged down over an empty second row: the blank row is not a row."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["统一社会信用代码", "企业名称", "行业代码", "年份", "营业收入"])
    ws.append([None] * 5)
    for column in "ABCDE":
        ws.merge_cells(f"{column}1:{column}2")
    ws.append([CODES[0], "企业0", "7261", 2025, 5])
    ws.append([CODES[1], "企业1", 7261, 2025.0, 1.5e7])  # numbers where text is expected
    wb.save(path)


def _parquet_wrong_types(path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table(
        {
            "credit_code": pa.array([1, 2], pa.int64()),
            "industry_code": pa.array([7261.0, 7262.0]),
            "year": pa.array([2025.5, 2025.0]),
            "revenue": pa.array([True, False]),
        }
    )
    pq.write_table(table, path)


def _parquet_nested(path: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.table(
        {
            "credit_code": [CODES[0]],
            "industry_code": [[7261, 7262]],
            "year": [{"y": 2025}],
            "revenue": pa.array([b"\x01"], pa.binary()),
        }
    )
    pq.write_table(table, path)


@pytest.fixture(scope="session")
def corpus_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The committed files and the generated ones, side by side in one directory."""
    directory = tmp_path_factory.mktemp("hostile")
    for path in FILES.iterdir():
        if path.name != "README.md":
            shutil.copy(path, directory / path.name)
    wide_names = [f"x{i}" for i in range(10_000)]
    (directory / "wide_10000_columns.csv").write_text(
        ",".join(["credit_code", "industry_code", "year", "revenue", *wide_names])
        + "\n"
        + ",".join([CODES[0], "7261", "2025", "5", *(["1"] * 10_000)])
        + "\n",
        encoding="utf-8",
    )
    (directory / "wide_10000_columns_no_required.csv").write_text(
        ",".join(["name", "zone", "hq_type", *wide_names]) + "\n" + ",".join(["a"] * 10_003) + "\n",
        encoding="utf-8",
    )
    (directory / "line_10mb_name.csv").write_text(
        HEADER + _row(0, "名" * (TEN_MB // 3)) + _row(1), encoding="utf-8"
    )
    (directory / "line_10mb_code.csv").write_text(
        HEADER + _row(0) + "X" * TEN_MB + ",企业,7261,2025,5,南京西路,\n", encoding="utf-8"
    )
    (directory / "header_10mb.csv").write_text("credit_code," + "h" * TEN_MB, encoding="utf-8")
    _xlsx_merged_title(directory / "merged_header.xlsx")
    _xlsx_merged_cells(directory / "merged_header_cells.xlsx")
    _parquet_wrong_types(directory / "parquet_wrong_types.parquet")
    _parquet_nested(directory / "parquet_nested.parquet")
    (directory / "a_directory").mkdir()
    (directory / "a_directory" / "p.csv").write_text(HEADER + _row(0), encoding="utf-8")
    return directory
