"""Workbooks written as raw XML parts, so that a test can build what no spreadsheet program
would write (a cell at XFD1048576, a 40 MB string, a sheet past row 1,048,576) in a few KB."""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


@dataclass
class Sheet:
    name: str
    rows: Iterable[bytes] | bytes = b""
    """The ``<sheetData>`` content (bytes, or chunks of it written as they come)."""
    state: str = "visible"
    merged: list[str] = field(default_factory=list)


def cell(ref: str, value: object) -> str:
    """One cell: a number for int/float, an inline string otherwise."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


def letters(n: int) -> str:
    out = ""
    while n:
        n, rest = divmod(n - 1, 26)
        out = chr(65 + rest) + out
    return out


def table(rows: list[list[object]], first_row: int = 1, first_column: int = 1) -> bytes:
    """``<row>`` elements for a table whose top-left cell is at (first_row, first_column)."""
    out = []
    for i, values in enumerate(rows):
        r = first_row + i
        cells = "".join(cell(f"{letters(first_column + j)}{r}", v) for j, v in enumerate(values))
        out.append(f'<row r="{r}">{cells}</row>')
    return "".join(out).encode()


def write_workbook(
    path: Path,
    sheets: list[Sheet],
    shared_strings: Iterable[bytes] | None = None,
    compression: int = zipfile.ZIP_DEFLATED,
) -> Path:
    """A minimal .xlsx that Excel and calamine open."""
    with zipfile.ZipFile(path, "w", compression) as z:
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(1, len(sheets) + 1)
        )
        z.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org'
            '/package/2006/content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType'
            '="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f"{overrides}</Types>",
        )
        z.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http:'
            '//schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>',
        )
        entries = "".join(
            f'<sheet name="{escape(s.name)}" sheetId="{i}" state="{s.state}" r:id="rId{i}"/>'
            for i, s in enumerate(sheets, start=1)
        )
        z.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{REL}">'
            f"<sheets>{entries}</sheets></workbook>",
        )
        rels = "".join(
            f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, len(sheets) + 1)
        )
        if shared_strings is not None:
            rels += (
                f'<Relationship Id="rIdS" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
            )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            f'openxmlformats.org/package/2006/relationships">{rels}</Relationships>',
        )
        for i, s in enumerate(sheets, start=1):
            with z.open(f"xl/worksheets/sheet{i}.xml", "w", force_zip64=True) as out:
                out.write(
                    f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">'.encode()
                )
                out.write(b"<sheetData>")
                for chunk in _chunks(s.rows):
                    out.write(chunk)
                out.write(b"</sheetData>")
                if s.merged:
                    refs = "".join(f'<mergeCell ref="{m}"/>' for m in s.merged)
                    out.write(f'<mergeCells count="{len(s.merged)}">{refs}</mergeCells>'.encode())
                out.write(b"</worksheet>")
        if shared_strings is not None:
            with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as out:
                out.write(f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">'.encode())
                for chunk in shared_strings:
                    out.write(chunk)
                out.write(b"</sst>")
    return path


def _chunks(rows: Iterable[bytes] | bytes) -> Iterator[bytes]:
    if isinstance(rows, bytes):
        yield rows
    else:
        yield from rows
