"""Issue 13 items 1-3: workbooks bounded before the reader allocates, which sheets are read,
merged cells, Excel's row numbers, formulas without a saved value, date-typed years."""

from __future__ import annotations

import datetime
from pathlib import Path

import openpyxl
import pytest

from jingan_kpi import read_panel
from jingan_kpi.errors import PanelError
from jingan_kpi.panel.readers.workbook import Limits, Workbook
from tests.inputs.conftest import CODES, HEADER, run_limited
from tests.inputs.workbooks import Sheet, table, write_workbook


def _rows(year: int = 2025, n: int = 3) -> list[list[object]]:
    return [HEADER] + [
        [CODES[i], f"企业{i}", "7261", str(year), 100 * (i + 1), "大宁"] for i in range(n)
    ]


# -- 1. bounded before allocation (in a child under ulimit -v 3 GiB: never a signal) ---------


def _far_cell(path: Path) -> Path:
    far = b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    return write_workbook(path, [Sheet("数据", table(_rows()) + far)])


def _far_cell_other_attribute_order(path: Path) -> Path:
    far = b'<row spans="1:1" r="1048576"><c s="0" r="XFD1048576"><v>1</v></c></row>'
    return write_workbook(path, [Sheet("S", table(_rows()) + far)])


def _long_shared_string(path: Path) -> Path:
    cell = b'<row r="5"><c r="B5" t="s"><v>0</v></c></row>'
    strings = [b"<si><t>", b"x" * (8 * 1024 * 1024), b"</t></si>"]
    return write_workbook(path, [Sheet("S", table(_rows()) + cell)], shared_strings=strings)


def _long_inline_string(path: Path) -> Path:
    cell = b'<row r="5"><c r="B5" t="inlineStr"><is><t>' + b"y" * 2_000_000 + b"</t></is></c></row>"
    return write_workbook(path, [Sheet("S", table(_rows()) + cell)])


def _repeated_shared_string(path: Path) -> Path:
    # one 30 KB string in 100,000 cells: 3 GB once each cell holds its copy
    cells = (b'<row r="%d"><c r="B%d" t="s"><v>0</v></c></row>' % (r, r) for r in range(5, 100_005))
    strings = [b"<si><t>", "长".encode() * 10_000, b"</t></si>"]
    return write_workbook(
        path, [Sheet("S", [table(_rows()), b"".join(cells)])], shared_strings=strings
    )


def _many_long_inline_strings(path: Path) -> Path:
    text = b"z" * 300_000
    cells = b"".join(
        b'<row r="%d"><c r="B%d" t="inlineStr"><is><t>%s</t></is></c></row>' % (r, r, text)
        for r in range(5, 1_005)
    )
    return write_workbook(path, [Sheet("S", table(_rows()) + cells)])


def _past_last_row(path: Path) -> Path:
    row = b'<row r="1048577"><c r="A1048577"><v>1</v></c></row>'
    return write_workbook(path, [Sheet("S", table(_rows()) + row)])


def _wide_range(path: Path) -> Path:
    # real cells only at A1…F4 and Z600000: 600,000 rows × 26 columns = 15.6 M slots
    far = b'<row r="600000"><c r="Z600000"><v>1</v></c></row>'
    return write_workbook(path, [Sheet("S", table(_rows()) + far)])


def _entities(path: Path) -> Path:
    bomb = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;">]>'
    write_workbook(path, [Sheet("S", table(_rows()))])
    import zipfile

    with zipfile.ZipFile(path) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"]
    at = sheet.index(b"?>") + 2
    parts["xl/worksheets/sheet1.xml"] = sheet[:at] + bomb + sheet[at:]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


@pytest.mark.parametrize(
    ("make", "says"),
    [
        (
            _far_cell,
            "[数据]: [workbook_too_large] the sheet's used range A1:XFD1048576 spans 1,048,576 rows × 16,384 "
            "columns = 17,179,869,184 cells, more than the 12,000,000 the tool reads",
        ),
        (
            _far_cell_other_attribute_order,
            "[S]: [workbook_too_large] the sheet's used range A1:XFD1048576 spans",
        ),
        (
            _long_shared_string,
            ": [workbook_too_large] xl/sharedStrings.xml holds a text of more than 400,000 bytes; Excel holds "
            "at most 32,767 characters in a cell",
        ),
        (
            _long_inline_string,
            "[S]: [workbook_too_large] xl/worksheets/sheet1.xml holds a text of more than 400,000 bytes",
        ),
        (
            _repeated_shared_string,
            "[S]: [workbook_too_large] the sheet's long texts (256+ bytes each) add up to more "
            "than 201,326,592 bytes",
        ),
        (
            _many_long_inline_strings,
            "[S]: [workbook_too_large] the sheet's long texts (256+ bytes each) add up to more "
            "than 201,326,592 bytes",
        ),
        (
            _past_last_row,
            "[S]: [workbook_too_large] the sheet goes past row 1,048,576, Excel's last row",
        ),
        (
            _wide_range,
            "[S]: [workbook_too_large] the sheet's used range A1:Z600000 spans 600,000 rows × 26 columns = "
            "15,600,000 cells",
        ),
        (
            _entities,
            "[S]: [unreadable_file] xl/worksheets/sheet1.xml declares a DTD or entities, which no Excel workbook holds",
        ),
    ],
)
def test_workbook_bombs_are_refused_under_3_gib(tmp_path: Path, make, says: str) -> None:
    path = make(tmp_path / "bomb.xlsx")
    assert path.stat().st_size < 1_000_000  # tiny workbooks, huge in memory
    for command in ("inspect", "check"):
        done = run_limited(command, path)
        assert done.returncode == 2, done.stderr
        assert says in done.stderr
        assert "Traceback" not in done.stderr
        assert done.stdout == ""


def test_a_sheet_that_unpacks_past_the_limit_is_refused(tmp_path: Path) -> None:
    rows = b"".join(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (r, r) for r in range(2, 5000))
    path = write_workbook(tmp_path / "zip.xlsx", [Sheet("S", table(_rows()) + rows)])
    book = Workbook(path, Limits(max_sheet_bytes=50_000))
    with pytest.raises(
        PanelError,
        match=r"zip.xlsx\[S\]: xl/worksheets/sheet1.xml unpacks to more than 50,000 bytes",
    ):
        book.scan_sheet(book.sheets[0])


def test_too_many_shared_strings_are_refused(tmp_path: Path) -> None:
    strings = [b"<si><t>%d</t></si>" % i for i in range(100)]
    path = write_workbook(tmp_path / "s.xlsx", [Sheet("S", table(_rows()))], shared_strings=strings)
    with pytest.raises(PanelError, match="more than 50 distinct texts"):
        Workbook(path, Limits(max_shared_strings=50)).check_parts()


def test_a_damaged_zip_is_exit_2(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "cut.xlsx", [Sheet("S", table(_rows()))])
    path.write_bytes(path.read_bytes()[:-200])
    done = run_limited("inspect", path)
    assert done.returncode == 2
    assert "cut.xlsx: [unreadable_file]" in done.stderr
    assert "open it in Excel and save it again" in done.stderr


# -- 2. which sheet -----------------------------------------------------------------------------


def test_a_hidden_first_sheet_is_left_unless_named(tmp_path: Path) -> None:
    hidden = [HEADER, [CODES[3], "隐藏", "7261", "2025", 999, "大宁"]]
    path = write_workbook(
        tmp_path / "h.xlsx",
        [Sheet("旧", table(hidden), state="hidden"), Sheet("新", table(_rows()))],
    )
    panel = read_panel(path)
    assert panel.frame.get_column("credit_code").to_list() == list(CODES[:3])
    assert panel.frame.get_column("source_file").unique().to_list() == [f"{path}[新]"]
    assert f'{path}: read sheet "新"; left "旧" (hidden: --sheet "旧" reads it)' in panel.notes
    named = read_panel(path, sheet="旧")
    assert named.frame.get_column("credit_code").to_list() == [CODES[3]]
    assert named.frame.get_column("revenue").to_list() == [pytest.approx(0.0999)]


def test_very_hidden_sheets_are_left_too(tmp_path: Path) -> None:
    path = write_workbook(
        tmp_path / "v.xlsx",
        [Sheet("x", table(_rows()), state="veryHidden"), Sheet("y", table(_rows(2024)))],
    )
    panel = read_panel(path)
    assert panel.frame.get_column("year").unique().to_list() == [2024]
    assert any('left "x" (very hidden: --sheet "x" reads it)' in n for n in panel.notes)


def test_every_visible_sheet_with_the_header_is_read_as_one_panel(tmp_path: Path) -> None:
    path = write_workbook(
        tmp_path / "years.xlsx",
        [
            Sheet("说明", table([["本表为示例"], ["单位：万元"]])),
            Sheet("2024", table(_rows(2024, 2))),
            Sheet("2025", table(_rows(2025, 3))),
        ],
    )
    panel = read_panel(path)
    assert panel.counts.read == 5
    assert panel.counts.used == 5
    assert sorted(panel.frame.get_column("revenue").to_list()) == pytest.approx(
        [0.01, 0.01, 0.02, 0.02, 0.03]
    )
    assert (
        f'{path}: read sheets "2024", "2025"; left "说明" (no panel header in its first row)'
        in panel.notes
    )
    lines = panel.frame.select("source_file", "source_line").rows()
    assert (f"{path}[2025]", 4) in lines
    assert (f"{path}[2024]", 3) in lines


def test_the_same_enterprise_twice_across_sheets_is_a_duplicate(tmp_path: Path) -> None:
    path = write_workbook(
        tmp_path / "d.xlsx", [Sheet("a", table(_rows(2025, 2))), Sheet("b", table(_rows(2025, 1)))]
    )
    panel = read_panel(path)
    assert panel.counts.rejected_by_reason == {"duplicate_record": 2}
    assert sorted(panel.rejects.get_column("source_file").to_list()) == [f"{path}[a]", f"{path}[b]"]


def test_no_visible_sheet_with_the_header_names_the_sheets(tmp_path: Path) -> None:
    path = write_workbook(
        tmp_path / "n.xlsx", [Sheet("a", table([["x", "y"], [1, 2]])), Sheet("b", table([["z"]]))]
    )
    done = run_limited("inspect", path)
    assert done.returncode == 2
    assert 'no visible sheet holds the panel\'s header: "a", "b"' in done.stderr


def test_an_unknown_sheet_lists_the_sheets(tmp_path: Path) -> None:
    path = write_workbook(
        tmp_path / "u.xlsx",
        [Sheet("a", table(_rows())), Sheet("b", table(_rows()), state="hidden")],
    )
    done = run_limited("inspect", path, "--sheet", "c")
    assert done.returncode == 2
    assert f'{path}: [sheet_not_found] has no sheet "c"; its sheets are "a", "b" (hidden)' in (
        done.stderr
    )


def test_only_hidden_sheets_say_to_name_one(tmp_path: Path) -> None:
    path = write_workbook(tmp_path / "o.xlsx", [Sheet("a", table(_rows()), state="hidden")])
    with pytest.raises(
        PanelError, match=r'has no visible worksheet \(its sheets: "a" \(hidden\)\)'
    ):
        read_panel(path)


# -- 3. merged cells, row numbers, formulas, dates ---------------------------------------------


def test_a_merged_zone_applies_to_every_row_it_covers(tmp_path: Path) -> None:
    rows = _rows(n=3)
    for row in rows[2:]:
        row[5] = None
    rows[1][5] = "南京西路"
    # the table starts at B3, below two empty rows; the zone (column G) is merged over G4:G6
    path = write_workbook(tmp_path / "m.xlsx", [Sheet("S", table(rows, 3, 2), merged=["G4:G6"])])
    panel = read_panel(path)
    assert panel.frame.get_column("zone").to_list() == ["南京西路"] * 3
    assert panel.frame.get_column("source_line").to_list() == [4, 5, 6]
    assert (
        f"{path}: 1 merged range in the data (G4:G6): each one's value is applied to every cell "
        "it covers, as Excel shows it" in panel.notes
    )


def test_merged_cells_written_by_openpyxl(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append([])  # an empty first row
    ws.append(HEADER)
    for i in range(3):
        ws.append([CODES[i], f"企业{i}", "7261", "2025", 10, "苏河湾" if i == 0 else None])
    ws.merge_cells("F3:F5")
    path = tmp_path / "o.xlsx"
    wb.save(path)
    panel = read_panel(path)
    assert panel.frame.get_column("zone").to_list() == ["苏河湾"] * 3
    assert panel.frame.get_column("source_line").to_list() == [3, 4, 5]


def test_rejected_rows_carry_excel_row_numbers(tmp_path: Path) -> None:
    rows = _rows(n=2)
    rows[2][3] = "20x5"
    path = write_workbook(tmp_path / "r.xlsx", [Sheet("S", table(rows, 7, 3))])
    panel = read_panel(path)
    assert panel.rejects.select("source_line", "reason").rows() == [(9, "invalid_year")]


def test_a_formula_without_a_saved_value_says_how_to_fix(tmp_path: Path) -> None:
    rows = _rows(n=2)
    data = (
        table(rows[:2])
        + (
            f'<row r="3"><c r="A3" t="inlineStr"><is><t>{CODES[1]}</t></is></c>'
            '<c r="C3" t="inlineStr"><is><t>7261</t></is></c><c r="D3"><v>2025</v></c>'
            '<c r="E3"><f>E2*2</f></c></row>'
        ).encode()
    )
    path = write_workbook(tmp_path / "f.xlsx", [Sheet("S", data)])
    done = run_limited("inspect", path)
    assert done.returncode == 2
    assert (
        f"{path}:3: [formula_without_value] cell E3 holds a formula (=E2*2) without a saved "
        "value; the tool reads the values a spreadsheet program saved" in done.stderr
    )
    assert "Open it in Excel (or WPS, LibreOffice) and save it, then run again" in done.stderr


def test_a_formula_outside_the_panel_columns_is_no_problem(tmp_path: Path) -> None:
    data = table(_rows(n=1)) + b'<row r="3"><c r="H3"><f>SUM(E2:E2)</f></c></row>'
    path = write_workbook(tmp_path / "g.xlsx", [Sheet("S", data)])
    panel = read_panel(path)
    assert panel.counts.used == 1


def test_a_date_typed_year_gets_a_hint(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(HEADER)
    ws.append([CODES[0], "甲", "7261", 2025, 10, "大宁"])
    ws["D2"].number_format = "yyyy-mm-dd"  # 2025 typed into a date column: 1905-07-17
    ws.append([CODES[1], "乙", "7261", datetime.datetime(2025, 1, 1), 10, "大宁"])
    path = tmp_path / "date.xlsx"
    wb.save(path)
    done = run_limited("inspect", path)
    assert done.returncode == 0, done.stderr
    assert (
        f'{path}:2: [invalid_year] year "1905-07-17 00:00:00" is not a year (four digits '
        "1949-2100, optionally followed by a decimal point and zeros, e.g. 2025.0): the cell is "
        "a date (the cell holds 2025 shown as a "
        "date). Format the year column as Number or Text" in done.stderr
    )
    assert f'{path}:3: [invalid_year] year "2025-01-01 00:00:00"' in done.stderr
    assert "the cell is a date. Format the year column" in done.stderr


def test_a_data_sheet_under_a_title_is_never_left_in_silence(tmp_path: Path) -> None:
    titled = [["2025年租赁和商务服务业企业"], *_rows(2025)]
    path = write_workbook(
        tmp_path / "t.xlsx",
        [Sheet("2024", table(_rows(2024))), Sheet("2025", table(titled, first_row=3))],
    )
    with pytest.raises(PanelError) as info:
        read_panel(path)
    message = str(info.value)
    assert message.startswith(f"{path}[2025]:3: required column")
    assert "Row 4 has them: the header is on row 4. Remove the 1 row above it" in message


def test_a_bom_in_a_sheet_header_is_shown(tmp_path: Path) -> None:
    rows = _rows()
    rows[0][0] = "\ufeffcredit_code"
    path = write_workbook(tmp_path / "b.xlsx", [Sheet("S", table(rows, 2, 1))])
    with pytest.raises(PanelError) as info:
        read_panel(path)
    assert str(info.value).startswith(
        f'{path}:2: header 1 is "\\uFEFFcredit_code": it holds a byte-order mark (BOM, \\uFEFF)'
    )
