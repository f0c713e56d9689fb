"""``.xlsx`` workbooks: bounded first (:mod:`.workbook`), then read by fastexcel (calamine).

Which sheets: ``--sheet`` names one (hidden or not); otherwise every visible worksheet whose
first row is the panel's header is read, one source each, as one panel (per-year sheets are
common); hidden sheets, chart sheets and sheets without the header are left, and stderr says
which sheets were read and which were left, and why (a sheet whose header sits below a title
stops the run instead: its rows would be missing). In a workbook of several sheets a place
is ``file.xlsx[sheet]:ROW``.

Cells are text (never a float on the way). ``source_line`` is Excel's row number, wherever the
table starts (``B3``, below empty rows). A merged range in the data takes its value in every
cell it covers, as Excel shows it (a zone written once over three rows), with a note; a formula
in a panel column without a saved value stops the run with the fix (open and save in Excel).
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from jingan_kpi.errors import PanelError, Place, Problem
from jingan_kpi.panel.headers import HeaderMap
from jingan_kpi.panel.readers.base import (
    HEADER_SEARCH_ROWS,
    HeaderBelow,
    RawSource,
    as_text,
    fail,
    first_line,
    match_or_hint,
    present,
    refuse_bom_in_header,
    select_columns,
)
from jingan_kpi.panel.readers.workbook import (
    SheetInfo,
    SheetScan,
    Workbook,
    column_letters,
    first_values,
)

_STATE_TEXT = {"hidden": "hidden", "veryHidden": "very hidden"}


def _sheet_list(book: Workbook) -> str:
    return ", ".join(
        f'"{s.name}"' + (f" ({_STATE_TEXT.get(s.state, s.state)})" if not s.visible else "")
        for s in book.sheets
    )


def read_xlsx_sources(path: Path, *, sheet: str | None) -> list[RawSource]:
    """The panel's sheets of one workbook, one :class:`RawSource` each; notes say which sheets
    were read and which were left."""
    book = Workbook(path)
    book.check_parts()
    several = len(book.sheets) > 1
    left: list[str] = []
    if sheet is not None:
        chosen = [s for s in book.sheets if s.name == sheet]
        if not chosen:
            raise fail(
                path,
                f'has no sheet "{sheet}"; its sheets are {_sheet_list(book)}',
                "sheet_not_found",
            )
        if chosen[0].part is None:
            raise fail(path, f'sheet "{sheet}" is a chart, not a table of data', "sheet_not_found")
        candidates = chosen
    else:
        candidates = [s for s in book.sheets if s.visible and s.part is not None]
        for s in book.sheets:
            if not s.visible:
                left.append(
                    f'"{s.name}" ({_STATE_TEXT.get(s.state, s.state)}: --sheet "{s.name}" reads it)'
                )
            elif s.part is None:
                left.append(f'"{s.name}" (a chart sheet)')
        if not candidates:
            raise fail(
                path,
                f"has no visible worksheet (its sheets: {_sheet_list(book)}); name the sheet to "
                "read with --sheet",
                "sheet_not_found",
            )
    scans = [(s, book.scan_sheet(s)) for s in candidates]
    try:
        import fastexcel
    except ImportError:  # pragma: no cover - a declared dependency
        msg = "reading .xlsx needs the fastexcel package: pip install fastexcel"
        raise PanelError(msg) from None
    try:
        reader = fastexcel.read_excel(path)
    except Exception as exc:  # fastexcel raises its own hierarchy
        raise fail(
            path, f"is not a readable .xlsx workbook ({first_line(exc)})", "unreadable_file"
        ) from None
    sources: list[RawSource] = []
    first_error: PanelError | None = None
    for info, scan in scans:
        label = f"{path}[{info.name}]" if several else str(path)
        try:
            source = _read_sheet(book, reader, info, scan, label)
        except _NotAPanel as exc:
            if sheet is not None or len(candidates) == 1:
                raise exc.error from None
            first_error = first_error or exc.error
            left.append(f'"{info.name}" ({exc.why})')
            continue
        sources.append(source)
    if not sources:
        assert first_error is not None
        names = ", ".join(f'"{s.name}"' for s in candidates)
        msg = f"{first_error} (no visible sheet holds the panel's header: {names})"
        raise PanelError(msg, first_error.problems) from None
    if several:
        read = ", ".join(f'"{s.path.rsplit("[", 1)[1][:-1]}"' for s in sources)
        note = f"{path}: read sheet{'s' if len(sources) > 1 else ''} {read}"
        if left:
            note += f"; left {', '.join(left)}"
        first, *rest = sources
        sources[0] = _with_notes(first, (note, *first.notes))
        del rest
    return sources


def _with_notes(source: RawSource, notes: tuple[str, ...]) -> RawSource:
    return RawSource(
        source.path,
        source.format,
        source.encoding,
        source.header_unit,
        source.present,
        source.frame,
        source.utf8_unverified,
        notes,
    )


class _NotAPanel(Exception):
    def __init__(self, why: str, error: PanelError) -> None:
        super().__init__(why)
        self.why = why
        self.error = error


def _read_sheet(
    book: Workbook, reader: object, info: SheetInfo, scan: SheetScan, label: str
) -> RawSource:
    try:
        data = reader.load_sheet(  # type: ignore[attr-defined]
            info.name, header_row=None, dtypes="string"
        ).to_polars()
    except Exception as exc:
        raise fail(
            label, f"is not a readable .xlsx sheet ({first_line(exc)})", "unreadable_file"
        ) from None
    if data.height == 0 or scan.cells == 0:
        error = fail(label, "the sheet is empty; expected a header row and data rows", "empty_file")
        raise _NotAPanel("empty", error)
    anchor = first_values(book, info)
    first_row, first_column = _origin(data, anchor)
    refuse_bom_in_header(label, as_text(data.row(0)), first_row)
    headers = as_text(data.row(0))
    try:
        header_map = match_or_hint(
            headers,
            label,
            lambda: [as_text(r) for r in data.slice(1, HEADER_SEARCH_ROWS).rows()],
            first_row,
        )
    except HeaderBelow as exc:
        # a sheet of data under a title: never left unread in silence
        raise _on_row(exc, label, first_row) from None
    except PanelError as exc:
        raise _NotAPanel(
            "no panel header in its first row", _on_row(exc, label, first_row)
        ) from None
    _refuse_formulas(label, scan, header_map, first_row, first_column)
    notes: list[str] = []
    if scan.merged:
        data, filled = _fill_merged(data, scan, first_row, first_column)
        if filled:
            shown = ", ".join(filled[:5]) + (", …" if len(filled) > 5 else "")
            notes.append(
                f"{label}: {len(filled):,} merged range{'s' if len(filled) > 1 else ''} in the "
                f"data ({shown}): each one's value is applied to every cell it covers, as "
                "Excel shows it"
            )
    names = data.columns
    frame = (
        data.slice(1)
        .lazy()
        .with_row_index("__record")
        .with_columns(source_line=pl.col("__record").cast(pl.Int64) + first_row + 1)
    )
    return RawSource(
        label,
        "xlsx",
        None,
        header_map.unit,
        present(header_map),
        select_columns(frame, names, header_map),
        notes=tuple(notes),
    )


def _on_row(error: PanelError, label: str, row: int) -> PanelError:
    """A header problem placed on the sheet's first row (the header reader says line 1)."""
    if row == 1:
        return error
    problems = [
        Problem(
            p.slug,
            p.message.replace(f"{label}:1:", f"{label}:{row}:", 1),
            Place(p.place.file, row if p.place.line == 1 else p.place.line, p.place.column),
        )
        for p in error.problems
    ]
    message = str(error).replace(f"{label}:1:", f"{label}:{row}:", 1)
    return type(error)(message, problems)


def _origin(data: pl.DataFrame, anchor: tuple[int, list[int]] | None) -> tuple[int, int]:
    """Excel's row and column of the frame's first cell: the reader's frame starts at the first
    row holding a value (``anchor``) and at the first column holding one anywhere."""
    if anchor is None:
        return 1, 1
    row, columns = anchor
    first = next((i for i, v in enumerate(data.row(0)) if v is not None), 0)
    return max(row, 1), max(min(columns) - first, 1)


def _refuse_formulas(
    label: str, scan: SheetScan, header_map: HeaderMap, first_row: int, first_column: int
) -> None:
    """A formula without a saved value reads as an empty cell: refuse where it is a panel
    value (below the header, in a column the tool reads)."""
    if not scan.formulas_without_value:
        return
    used = {first_column + i for i in header_map.positions.values()}
    found = []
    for ref, formula in scan.formulas_without_value:
        letters = ref.rstrip("0123456789")
        row = int(ref[len(letters) :])
        column = 0
        for ch in letters:
            column = column * 26 + ord(ch) - 64
        if row > first_row and column in used:
            found.append((row, ref, formula))
    if not found:
        return
    row, ref, formula = min(found)
    count = len(found)
    msg = (
        f"{label}:{row}: cell {ref} holds a formula (={formula}) without a saved value"
        f"{f' ({count:,} such cells in the columns read)' if count > 1 else ''}; the tool reads "
        "the values a spreadsheet program saved, and this workbook was written without them "
        "(by a script?). Open it in Excel (or WPS, LibreOffice) and save it, then run again"
    )
    raise PanelError(msg, [Problem("formula_without_value", msg, Place(label, row))])


def _fill_merged(
    data: pl.DataFrame, scan: SheetScan, first_row: int, first_column: int
) -> tuple[pl.DataFrame, list[str]]:
    """Each merged range below the header: its top-left value in every cell it covers."""
    header_row = first_row
    columns: dict[int, list[tuple[int, int, int]]] = {}
    filled: list[str] = []
    for r1, c1, r2, c2 in sorted(scan.merged):
        if r1 <= header_row:
            continue  # a title or a header merged over rows: not data
        top = r1 - first_row
        if top >= data.height:
            continue
        shown = False
        for c in range(c1, c2 + 1):
            index = c - first_column
            if 0 <= index < data.width:
                columns.setdefault(index, []).append(
                    (top, min(r2 - first_row, data.height - 1), c1 - first_column)
                )
                shown = True
        if shown and (r1, c1) != (r2, c2):
            filled.append(f"{column_letters(c1)}{r1}:{column_letters(c2)}{r2}")
    if not columns:
        return data, filled
    replaced = {}
    for index, spans in columns.items():
        name = data.columns[index]
        values = data.get_column(name).to_list()
        for top, bottom, source_index in spans:
            if not 0 <= source_index < data.width:
                continue
            value = data.get_column(data.columns[source_index])[top]
            for r in range(top, bottom + 1):
                if values[r] is None:
                    values[r] = value
        replaced[name] = pl.Series(name, values, dtype=data.schema[name])
    return data.with_columns(**replaced), filled
