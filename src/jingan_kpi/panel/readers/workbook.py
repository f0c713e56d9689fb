"""An ``.xlsx`` workbook inspected with the standard library before any cell is allocated.

The Excel reader (fastexcel/calamine) allocates a sheet's whole bounding box, one slot per cell,
and holds every shared string: a 2 KB workbook whose only cell sits at ``XFD1048576`` asks for
512 GB and aborts the process, and a 1 MB workbook holding one 1 GB string peaks at 8 GB. So the
zip entries the reader will read are streamed here first (the raw deflate data, counting the
bytes that really come out, whatever the zip's directory claims), their XML scanned as bytes
(no tree is built) and compared with what no real export holds (:data:`LIMITS`). What passes is
bounded: peak memory under 1 GiB for a workbook under 10 MB (``benchmarks/xlsx_memory.py``).

The scan also gives what the reader does not: which sheets are hidden, the merged ranges, the
cells holding a formula without a saved value.
"""

from __future__ import annotations

import functools
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

from jingan_kpi.errors import PanelError, Place, Problem

EXCEL_ROWS = 1_048_576
EXCEL_COLUMNS = 16_384
EXCEL_CELL_CHARS = 32_767


@dataclass(frozen=True, slots=True)
class Limits:
    """What no real export holds (Excel's own limits) and what the reader can hold."""

    max_cells: int = 12_000_000
    """Cells in a sheet's bounding box (first to last used row × first to last used column):
    the reader allocates each. 1,048,576 rows × 11 columns; a panel has 4 to 8 columns."""
    max_text_bytes: int = 400_000
    """Bytes of one text node: Excel holds 32,767 characters in a cell, ≤ 10 bytes each when
    written as a character reference (``&#x2F800;``)."""
    max_string_bytes: int = 1_000_000
    """Bytes of one shared string (``<si>``), rich-text runs and their formatting included."""
    max_shared_strings: int = 4_194_304
    max_shared_strings_bytes: int = 256 * 1024 * 1024
    max_sheet_bytes: int = 1024 * 1024 * 1024
    """Uncompressed bytes of one sheet's XML (a 1,048,576-row, 8-column export: ≈ 200 MB)."""
    max_part_bytes: int = 16 * 1024 * 1024
    """Uncompressed bytes of the workbook's other parts the reader reads (workbook, styles…)."""
    long_text_bytes: int = 256
    """A text of at least this many bytes is a long one (a company name is under 100)."""
    max_long_text_total: int = 192 * 1024 * 1024
    """Bytes of the long texts a sheet holds, inline or by reference to a shared string (each
    reference is a copy in the reader): a 30 KB string repeated in a million cells of a 2 MB
    workbook would be 30 GB."""
    max_entries: int = 10_000
    max_merged: int = 1_000_000


LIMITS = Limits()

CHUNK = 4 * 1024 * 1024
MAX_FORMULAS_LISTED = 10_000

_CELL_REF = re.compile(rb"<(?:\w+:)?c\b[^>]*?\br=\"([A-Z]{1,4})([0-9]{1,9})\"")
_FAST_CELL_REF = re.compile(rb'<c r="([A-Z]{1,4})([0-9]{1,9})"')
_FAST_ROW_REF = re.compile(rb'<row r="([0-9]{1,9})"')
_ROW = re.compile(rb"<(?:\w+:)?row[\s>/]")
_ROW_REF = re.compile(rb"<(?:\w+:)?row\b[^>]*?\br=\"([0-9]{1,9})\"")
_MERGE = re.compile(
    rb"<(?:\w+:)?mergeCell\b[^>]*?\bref=\"([A-Z]{1,4}[0-9]{1,9}(?::[A-Z]{1,4}[0-9]{1,9})?)\""
)
_FORMULA_NO_VALUE = re.compile(
    rb"<(?:\w+:)?c\b[^>]*?\br=\"([A-Z]{1,4}[0-9]{1,9})\"[^>]*>\s*"
    rb"<(?:\w+:)?f\b[^>]*?(?:/>|>([^<]*)</(?:\w+:)?f>)\s*"
    rb"(?:<(?:\w+:)?v\s*/>|<(?:\w+:)?v>\s*</(?:\w+:)?v>)?\s*</(?:\w+:)?c>"
)
_SI = re.compile(rb"<(/?)(?:\w+:)?si\b")
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)")


def column_number(letters: str) -> int:
    """``A`` → 1, ``XFD`` → 16384.

    >>> column_number("A"), column_number("AA"), column_number("XFD")
    (1, 27, 16384)
    """
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def column_letters(number: int) -> str:
    """1 → ``A``, 28 → ``AB``.

    >>> column_letters(1), column_letters(28), column_letters(16384)
    ('A', 'AB', 'XFD')
    """
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


_REF = re.compile(r"([A-Z]{1,4})([0-9]{1,9})")


def parse_ref(ref: str) -> tuple[int, int]:
    """``B12`` → (row 12, column 2)."""
    match = _REF.fullmatch(ref)
    if match is None:
        msg = f"not a cell reference: {ref!r}"
        raise ValueError(msg)
    return int(match.group(2)), column_number(match.group(1))


@dataclass(frozen=True, slots=True)
class SheetInfo:
    """A sheet as the workbook lists it."""

    name: str
    state: str
    """``visible``, ``hidden`` or ``veryHidden``."""
    part: str | None
    """The zip entry of its XML (None: a chart sheet or a missing part)."""

    @property
    def visible(self) -> bool:
        return self.state == "visible"


@dataclass(slots=True)
class SheetScan:
    """What the scan of one sheet's XML found."""

    rows: int = 0
    max_row: int = 0
    min_row: int = 0
    max_column: int = 0
    min_column: int = 0
    cells: int = 0
    merged: list[tuple[int, int, int, int]] = field(default_factory=list)
    """Merged ranges as (first row, first column, last row, last column)."""
    formulas_without_value: list[tuple[str, str]] = field(default_factory=list)
    """(cell reference, formula text) of the first formulas with no saved value."""
    formulas_without_value_count: int = 0

    @property
    def height(self) -> int:
        return max(self.max_row, self.rows) - (self.min_row or 1) + 1 if self.cells else 0

    @property
    def width(self) -> int:
        return self.max_column - (self.min_column or 1) + 1 if self.cells else 0


def _fail(path: Path, what: str, message: str, slug: str = "workbook_too_large") -> PanelError:
    full = f"{path}{what}: {message}"
    return PanelError(full, [Problem(slug, full, Place(f"{path}{what}"))])


class Workbook:
    """An open ``.xlsx`` zip: its sheets and a bounded reader of its entries."""

    def __init__(self, path: Path, limits: Limits = LIMITS) -> None:
        self.path = path
        self.limits = limits
        try:
            with zipfile.ZipFile(path) as archive:
                infos = archive.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise _fail(
                path,
                "",
                f"is not a readable .xlsx workbook (the zip is damaged: {exc}); "
                "open it in Excel and save it again",
                "unreadable_file",
            ) from None
        if len(infos) > limits.max_entries:
            raise _fail(
                path,
                "",
                f"the zip holds {len(infos):,} entries; an Excel workbook holds a few dozen. "
                "This is not a workbook a spreadsheet program wrote: export the data as CSV",
            )
        self.entries = {info.filename: info for info in infos}
        self.sheets = self._sheets()
        self.long_strings: dict[int, int] = {}
        """Index → bytes of each long shared string (:attr:`Limits.long_text_bytes`)."""

    def _sheets(self) -> list[SheetInfo]:
        workbook = self._xml("xl/workbook.xml")
        rels_name = "xl/_rels/workbook.xml.rels"
        rels = self._xml(rels_name) if rels_name in self.entries else None
        targets: dict[str, str] = {}
        if rels is not None:
            for rel in rels.iter():
                if rel.tag.endswith("Relationship") and rel.get("Id") and rel.get("Target"):
                    target = rel.get("Target", "")
                    part = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
                    targets[rel.get("Id", "")] = part
        sheets = []
        for element in workbook.iter():
            if not element.tag.endswith("}sheet") and element.tag != "sheet":
                continue
            rid = next((v for k, v in element.attrib.items() if k.endswith("}id")), None)
            found = targets.get(rid or "")
            sheet_part: str | None = found
            if found is not None and ("chartsheets/" in found or found not in self.entries):
                sheet_part = None
            state = element.get("state", "visible")
            sheets.append(SheetInfo(element.get("name", ""), state, sheet_part))
        return sheets

    def _xml(self, name: str) -> ElementTree.Element:
        if name not in self.entries:
            raise _fail(
                self.path,
                "",
                f"is not a readable .xlsx workbook (it has no {name}); "
                "open it in Excel and save it again",
                "unreadable_file",
            )
        data = b"".join(self.stream(name, self.limits.max_part_bytes, ""))
        try:
            return ElementTree.fromstring(data)
        except ElementTree.ParseError as exc:
            raise _fail(
                self.path,
                "",
                f"is not a readable .xlsx workbook ({name}: {exc}); open it in Excel and save "
                "it again",
                "unreadable_file",
            ) from None

    def stream(self, name: str, limit: int, what: str) -> Iterator[bytes]:
        """The uncompressed bytes of entry ``name``, chunk by chunk: from the raw data, so that
        a directory that understates the size does not hide a bomb; more than ``limit`` bytes,
        or a DTD (entity declarations, which no workbook holds), stop with a PanelError."""
        info = self.entries[name]
        if info.flag_bits & 0x1:
            raise _fail(
                self.path,
                "",
                "is password-protected (encrypted); save a copy without a password",
                "unreadable_file",
            )
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _fail(
                self.path,
                "",
                f"{name} uses zip compression method {info.compress_type}, which Excel never "
                "writes; open the workbook in Excel and save it again",
                "unreadable_file",
            )
        if info.file_size > limit:
            raise self._too_big(name, info.file_size, limit, what)
        out = 0
        tail = b""
        for chunk in self._raw_chunks(info):
            out += len(chunk)
            if out > limit:
                raise self._too_big(name, out, limit, what)
            if _DTD.search(tail + chunk[:16]) or _DTD.search(chunk):
                raise _fail(
                    self.path,
                    what,
                    f"{name} declares a DTD or entities, which no Excel workbook holds "
                    "(an XML bomb?); export the data again from Excel",
                    "unreadable_file",
                )
            tail = chunk[-16:]
            yield chunk

    def _too_big(self, name: str, size: int, limit: int, what: str) -> PanelError:
        return _fail(
            self.path,
            what,
            f"{name} unpacks to more than {limit:,} bytes ({size:,} read); a compressed "
            "workbook this large is not a real export (a zip bomb?). Export the data as CSV",
        )

    def _raw_chunks(self, info: zipfile.ZipInfo) -> Iterator[bytes]:
        try:
            with self.path.open("rb") as f:
                f.seek(info.header_offset)
                header = f.read(30)
                if len(header) < 30 or header[:4] != b"PK\x03\x04":
                    raise zipfile.BadZipFile(f"bad local header for {info.filename}")
                name_len, extra_len = struct.unpack("<HH", header[26:30])
                f.seek(info.header_offset + 30 + name_len + extra_len)
                left = info.compress_size
                inflate = (
                    zlib.decompressobj(-15) if info.compress_type == zipfile.ZIP_DEFLATED else None
                )
                while left > 0:
                    data = f.read(min(left, 1024 * 1024))
                    if not data:
                        raise zipfile.BadZipFile(f"{info.filename} is cut short")
                    left -= len(data)
                    if inflate is None:
                        yield data
                        continue
                    out = inflate.decompress(data, CHUNK)
                    while out:
                        yield out
                        out = inflate.decompress(inflate.unconsumed_tail, CHUNK)
                if inflate is not None:
                    rest = inflate.flush()
                    if rest:
                        yield rest
        except (zipfile.BadZipFile, zlib.error, OSError) as exc:
            raise _fail(
                self.path,
                "",
                f"is not a readable .xlsx workbook (the zip is damaged: {exc}); "
                "open it in Excel and save it again",
                "unreadable_file",
            ) from None

    def check_parts(self) -> None:
        """Bound the parts the reader reads when it opens the workbook: the shared strings
        (count, each one's size, the total) and the styles."""
        if "xl/styles.xml" in self.entries:
            for _ in self.stream("xl/styles.xml", self.limits.max_part_bytes, ""):
                pass
        name = next((n for n in self.entries if n.lower() == "xl/sharedstrings.xml"), None)
        if name is not None:
            self._check_shared_strings(name)

    def _check_shared_strings(self, name: str) -> None:
        limits = self.limits
        count = 0
        offset = 0
        opened: int | None = None
        longest = 0
        carry = b""
        for chunk in self.stream(name, limits.max_shared_strings_bytes, ""):
            buffer = carry + chunk
            cut = buffer.rfind(b"<")
            if cut < 0:
                cut = len(buffer)
            part, carry = buffer[:cut], buffer[cut:]
            _check_text_runs(self, part, carry, name, "")
            for match in _SI.finditer(part):
                at = offset + match.start()
                if match.group(1):
                    if opened is not None:
                        size = at - opened
                        longest = max(longest, size)
                        if size >= limits.long_text_bytes:
                            self.long_strings[count - 1] = size
                        opened = None
                else:
                    count += 1
                    opened = at
            if opened is not None:
                longest = max(longest, offset + len(part) - opened)
            if longest > limits.max_string_bytes:
                raise _fail(
                    self.path,
                    "",
                    f"a shared string of more than {limits.max_string_bytes:,} bytes; Excel holds "
                    f"at most {EXCEL_CELL_CHARS:,} characters in a cell, so this is not a real "
                    "export. Export the data again, or as CSV",
                )
            if count > limits.max_shared_strings:
                raise _fail(
                    self.path,
                    "",
                    f"more than {limits.max_shared_strings:,} distinct texts; the tool reads "
                    "workbooks up to that size. Export the data as CSV",
                )
            offset += len(part)

    def scan_sheet(self, sheet: SheetInfo) -> SheetScan:
        """Stream the sheet's XML: its bounding box, rows, merged ranges and formulas without a
        saved value; a sheet past Excel's limits or the reader's (:class:`Limits`) stops here."""
        assert sheet.part is not None
        what = f"[{sheet.name}]"
        limits = self.limits
        scan = SheetScan()
        carry = b""
        min_col, max_col, min_row, max_row = 0, 0, 0, 0
        long_text = 0
        long_run = _long_text(limits.long_text_bytes)
        for chunk in self.stream(sheet.part, limits.max_sheet_bytes, what):
            buffer = carry + chunk
            cut = buffer.rfind(b"<")
            if cut < 0:
                cut = len(buffer)
            part, carry = buffer[:cut], buffer[cut:]
            _check_text_runs(self, part, carry, sheet.part, what)
            long_text += sum(len(m) for m in long_run.findall(part))
            if self.long_strings:
                for index in _SHARED_REF.findall(part):
                    long_text += self.long_strings.get(int(index), 0)
            if long_text > limits.max_long_text_total:
                raise _fail(
                    self.path,
                    what,
                    f"the sheet's long texts ({limits.long_text_bytes}+ bytes each) add up to "
                    f"more than {limits.max_long_text_total:,} bytes, each held in memory; no "
                    "panel holds such texts. Export the data again, or as CSV",
                )
            # Literal patterns first (what Excel, WPS and openpyxl write: ``<c r="B2"``), the
            # general ones (namespace prefixes, other attributes first) only where they miss some.
            row_tags = part.count(b"<row ") + part.count(b"<row>")
            odd = b":row" in part or b":c " in part
            scan.rows += row_tags + (len(_ROW.findall(part)) - row_tags if odd else 0)
            rows = _FAST_ROW_REF.findall(part)
            if odd or len(rows) != part.count(b"<row "):
                rows = _ROW_REF.findall(part)
            if rows:
                max_row = max(max_row, max(map(int, set(rows))))
            cell_tags = part.count(b"<c ") + part.count(b"<c>")
            refs = _FAST_CELL_REF.findall(part)
            if odd or len(refs) != part.count(b"<c "):
                refs = _CELL_REF.findall(part)
            scan.cells += max(cell_tags, len(refs))
            if refs:
                cols = [column_number(x.decode()) for x in {r[0] for r in refs}]
                numbers = [int(x) for x in {r[1] for r in refs}]
                low_row, high_row = min(numbers), max(numbers)
                max_row = max(max_row, high_row)
                min_row = low_row if not min_row else min(min_row, low_row)
                max_col = max(max_col, max(cols))
                min_col = min(cols) if not min_col else min(min_col, min(cols))
            if b"mergeCell" in part:
                for ref in _MERGE.findall(part):
                    first, _, last = ref.decode().partition(":")
                    r1, c1 = parse_ref(first)
                    r2, c2 = parse_ref(last or first)
                    scan.merged.append((min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)))
                if len(scan.merged) > limits.max_merged:
                    raise _fail(
                        self.path,
                        what,
                        f"more than {limits.max_merged:,} merged ranges; export the data as CSV",
                    )
            if b"<f" in part or b":f" in part:
                for ref, formula in _FORMULA_NO_VALUE.findall(part):
                    scan.formulas_without_value_count += 1
                    if len(scan.formulas_without_value) < MAX_FORMULAS_LISTED:
                        text = formula.decode("utf-8", errors="replace")[:80]
                        scan.formulas_without_value.append((ref.decode(), text))
            if max_row > EXCEL_ROWS or max(scan.rows, max_row) > EXCEL_ROWS:
                raise _fail(
                    self.path,
                    what,
                    f"the sheet goes past row {EXCEL_ROWS:,}, Excel's last row; this is not a "
                    "sheet Excel wrote. Export the data again, or as CSV",
                )
            if max_col > EXCEL_COLUMNS:
                raise _fail(
                    self.path,
                    what,
                    f"the sheet goes past column XFD ({EXCEL_COLUMNS:,}), Excel's last column; "
                    "this is not a sheet Excel wrote. Export the data again",
                )
        scan.min_row, scan.max_row = min_row, max_row
        scan.min_column, scan.max_column = min_col, max_col
        if scan.rows and not max_row:
            scan.max_row = scan.rows
        area = scan.height * max(scan.width, 1)
        if area > limits.max_cells:
            first = f"{column_letters(max(min_col, 1))}{max(min_row, 1)}"
            last = f"{column_letters(max(max_col, 1))}{scan.max_row}"
            raise _fail(
                self.path,
                what,
                f"the sheet's used range {first}:{last} spans {scan.height:,} rows × "
                f"{scan.width:,} columns = {area:,} cells, more than the {limits.max_cells:,} the "
                "tool reads from a workbook (each is allocated). Delete the cells outside the "
                "table (select the empty rows/columns after it, Delete, save), or export the "
                "data as CSV",
            )
        return scan


@functools.cache
def _long_text(limit: int) -> re.Pattern[bytes]:
    return re.compile(rb">([^<]{%d,})" % limit)


_SHARED_REF = re.compile(rb"<(?:\w+:)?c\b[^>]*?\bt=\"s\"[^>]*>\s*<(?:\w+:)?v>([0-9]{1,9})<")


def _check_text_runs(book: Workbook, part: bytes, carry: bytes, name: str, what: str) -> None:
    """A run of more than ``max_text_bytes`` bytes without a ``<`` (a text node or a tag that
    long) holds a whole aligned window of half that size without one: look at those windows
    only (a ``memchr`` each), and measure the run around a window that has none."""
    limit = book.limits.max_text_bytes
    window = limit // 2
    too_long = len(carry) > limit
    for start in range(0, len(part) - window + 1, window):
        if too_long:
            break
        if part.find(b"<", start, start + window) < 0:
            end = part.find(b"<", start + window)
            begin = part.rfind(b"<", 0, start) + 1
            too_long = (len(part) if end < 0 else end) - begin > limit
    if too_long:
        raise _fail(
            book.path,
            what,
            f"{name} holds a text of more than {limit:,} bytes; Excel holds at most "
            f"{EXCEL_CELL_CHARS:,} characters in a cell, so this is not a real export. "
            "Export the data again, or as CSV",
        )


def first_values(book: Workbook, sheet: SheetInfo) -> tuple[int, list[int]] | None:
    """The first row holding a value and the columns of its values, as the reader counts them
    (a styled empty cell or a formula without a saved value is no value): the reader's frame
    starts at that row and at the sheet's first column holding a value."""
    assert sheet.part is not None
    parser: ElementTree.XMLPullParser[ElementTree.Element] = ElementTree.XMLPullParser(
        events=("end",)
    )
    row_number = 0
    for chunk in book.stream(sheet.part, book.limits.max_sheet_bytes, f"[{sheet.name}]"):
        parser.feed(chunk)
        for event in parser.read_events():
            element: object = event[-1]
            if not isinstance(element, ElementTree.Element):
                continue
            if element.tag.rsplit("}", 1)[-1] != "row":
                continue
            ref_row = element.get("r")
            row_number = int(ref_row) if ref_row else row_number + 1
            columns = []
            position = 0
            for cell in element:
                if not cell.tag.endswith("}c") and cell.tag != "c":
                    continue
                position += 1
                ref = cell.get("r")
                column = parse_ref(ref)[1] if ref else position
                position = column
                if any(_has_value(child) for child in cell):
                    columns.append(column)
            if columns:
                return row_number, columns
            element.clear()
    return None


def _has_value(element: ElementTree.Element) -> bool:
    tag = element.tag.rsplit("}", 1)[-1]
    if tag == "v":
        return bool(element.text)
    if tag == "is":
        return any(bool(t.text) for t in element.iter() if t.tag.rsplit("}", 1)[-1] == "t")
    return False
