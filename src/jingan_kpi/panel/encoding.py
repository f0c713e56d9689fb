"""Encoding detection and chunked transcoding of CSV files (contract §1: UTF-8, UTF-8 with BOM,
GB18030/GBK).

Detection decodes the whole file strictly as UTF-8 with an incremental decoder, 16 MB at a time;
if that fails, the file is GB18030 (a superset of GBK) or it is rejected. Nothing is decoded with
replacement characters. A non-UTF-8 file is transcoded to a UTF-8 temporary file chunk by chunk
(the incremental decoder carries a multi-byte character split across chunks), so a 1 GB GB18030
file needs one chunk of memory, not the file.

The same scan notes whether the file has a double quote anywhere: only then can a quoted field
hold a newline, and only then does the reader pay for mapping records to physical lines.
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import re
from dataclasses import dataclass
from pathlib import Path

from jingan_kpi.errors import PanelError, Place, Problem

CHUNK_BYTES = 16 * 1024 * 1024

_ALIASES = {
    "utf8": "utf-8",
    "utf-8": "utf-8",
    "utf-8-sig": "utf-8",
    "utf8-sig": "utf-8",
    "gbk": "gb18030",
    "gb2312": "gb18030",
    "gb18030": "gb18030",
    "cp936": "gb18030",
}


@dataclass(frozen=True, slots=True)
class TextFile:
    """A CSV file ready for polars: UTF-8 at ``path`` (the original or a transcoded copy)."""

    path: Path
    encoding: str
    """What the file was: ``utf-8``, ``utf-8-sig`` or ``gb18030`` (or the override's name)."""
    has_quotes: bool
    verified: bool = True
    """False for :func:`assume_utf8`: nothing was decoded yet; polars checks the UTF-8 as it
    parses the fields (an error is explained by :func:`utf8_trouble`)."""


SUPPORTED = "utf-8 (also utf-8-sig), gb18030 (also gbk, gb2312, cp936)"


def canonical_encoding(name: str) -> str:
    """The codec used for an ``--encoding`` value: UTF-8 or GB18030, the encodings of contract
    §1 (GBK and GB2312 are read as GB18030, their superset); any other is refused, since reading
    a GB18030 file as, say, latin1 decodes every byte to a wrong character without an error.

    >>> canonical_encoding("GBK"), canonical_encoding("utf8")
    ('gb18030', 'utf-8')
    """
    key = name.strip().lower().replace("_", "-")
    if key in _ALIASES:
        return _ALIASES[key]
    msg = (
        f'--encoding "{name}" is not an encoding the tool reads; use {SUPPORTED}, or leave '
        "--encoding out: the encoding is detected"
    )
    raise PanelError(msg)


class UndecodableError(PanelError):
    """Bytes that do not decode; ``line`` is where, ``damaged_utf8`` says the file is UTF-8 text
    (many multi-byte characters decoded before, or it ends inside one), damaged or cut short."""

    def __init__(self, message: str, problems: list[Problem], line: int, damaged_utf8: bool):
        super().__init__(message, problems)
        self.line = line
        self.damaged_utf8 = damaged_utf8


# Extra bytes of multi-byte characters decoded as UTF-8 before a failure, above which the file
# is taken for damaged UTF-8 rather than GB18030: GB18030 text passes for UTF-8 only by chance,
# a character or two at a time (a 2-byte GB character is valid UTF-8 about one time in eight).
UTF8_EVIDENCE_BYTES = 16


def _undecodable(
    path: Path,
    encoding: str,
    lines_before: int,
    chunk: bytes,
    offset: int,
    multibyte: int = 0,
    at_end: bool = False,
) -> UndecodableError:
    line = lines_before + chunk.count(b"\n", 0, offset) + 1
    bad = chunk[offset : offset + 4].hex(" ")
    damaged = encoding == "utf-8" and (
        multibyte >= UTF8_EVIDENCE_BYTES or (at_end and multibyte > 0)
    )
    if at_end:
        shown = "UTF-8" if encoding == "utf-8" else encoding.upper()
        msg = (
            f"{path}:{line}: the file ends in the middle of a {shown} character: it was cut "
            "short (an interrupted copy or export?). Export or copy it again."
        )
    elif damaged:
        msg = (
            f"{path}:{line}: bytes {bad} are not UTF-8, though the text before them is: the file "
            "is damaged (or mixes encodings). Fix that line or export the file again."
        )
    else:
        msg = (
            f"{path}:{line}: bytes {bad} cannot be decoded as {encoding}; the file is neither "
            'UTF-8 nor GB18030. Save it from Excel as "CSV UTF-8", or give the right --encoding.'
        )
    problems = [Problem("undecodable_bytes", msg, Place(str(path), line))]
    return UndecodableError(msg, problems, line, damaged)


def _scan(path: Path, encoding: str, sink: Path | None, cr_only: bool = False) -> bool:
    """Decode ``path`` strictly; write UTF-8 to ``sink`` if given (line ends CR → LF where
    ``cr_only``). Returns whether a quote occurs. A NUL byte stops it (contract §1)."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    has_quotes = False
    lines_before = 0
    multibyte = 0  # extra bytes of the multi-byte characters decoded so far
    with path.open("rb") as source, sink.open("wb") if sink else _NullSink() as out:
        while True:
            chunk = source.read(CHUNK_BYTES)
            final = not chunk
            try:
                text = decoder.decode(chunk, final=final)
            except UnicodeDecodeError as exc:
                offset = max(exc.start, 0)
                good = chunk[:offset]
                with contextlib.suppress(UnicodeError):  # a codec without error handlers: idna
                    multibyte += len(good) - len(good.decode(encoding, errors="replace"))
                raise _undecodable(
                    path, encoding, lines_before, chunk, offset, multibyte, at_end=final
                ) from None
            except UnicodeError as exc:
                # A codec that cannot read this file at all (UTF-16 without a BOM, idna, …).
                msg = (
                    f"{path}: cannot be decoded as {encoding} ({exc}); save it as CSV UTF-8, "
                    "or give the right --encoding"
                )
                raise PanelError(
                    msg, [Problem("undecodable_bytes", msg, Place(str(path)))]
                ) from None
            multibyte += len(chunk) - len(text)
            if "\x00" in text:
                raise nul_error(
                    path, lines_before + chunk.count(b"\n", 0, chunk.index(b"\x00")) + 1
                )
            if cr_only:
                text = text.replace("\r", "\n")
            if sink is not None:
                out.write(text.encode("utf-8"))
            if not has_quotes and '"' in text:
                has_quotes = True
            if final:
                return has_quotes
            lines_before += chunk.count(b"\n")


class _NullSink:
    def __enter__(self) -> _NullSink:
        return self

    def __exit__(self, *exc: object) -> None:
        return None

    def write(self, data: bytes) -> None:  # pragma: no cover - never called
        return None


def _copy_path(path: Path, workdir: Path) -> Path:
    """Where a transcoded copy goes: the caller's work directory (one temporary directory per
    :func:`~jingan_kpi.panel.load.read_panel` call, removed with it)."""
    return workdir / f"{len(list(workdir.iterdir()))}-{path.stem}.utf8.csv"


def prepare_text_file(path: Path, encoding: str | None, workdir: Path) -> TextFile:
    """Detect (or take) the encoding of a CSV file and make a UTF-8 copy where needed.

    Detection takes evidence from the whole file: UTF-8 if every byte decodes as UTF-8; else
    GB18030, unless a line of the file is UTF-8 text (three CJK characters in a row as UTF-8 and
    the whole line valid UTF-8: GB18030 text passes for that by chance almost never), which
    makes it a file that mixes encodings: refused, naming the first line that breaks the
    encoding of the file's start."""
    mac = cr_only(path)
    if encoding is not None:
        codec = canonical_encoding(encoding)
        if codec == "utf-8":
            try:
                if mac:
                    target = _copy_path(path, workdir)
                    return TextFile(
                        target, _utf8_name(path), _transcode(path, "utf-8", target, mac)
                    )
                return TextFile(path, _utf8_name(path), _scan(path, "utf-8", None))
            except UndecodableError as error:
                raise _looks_like_gb18030(path, error) from None
        target = _copy_path(path, workdir)
        has_quotes = _transcode(path, codec, target, mac)
        utf8_line = _utf8_line(path)
        if utf8_line is not None:
            # UTF-8 text decodes as GB18030 too, into other characters: never in silence
            msg = (
                f"{path}:{utf8_line}: --encoding {encoding}, but this line is UTF-8 text (read "
                f"as {encoding} it would be garbled). Leave --encoding out (the encoding is "
                "detected) or give --encoding utf-8"
            )
            raise PanelError(msg, [Problem("wrong_encoding", msg, Place(str(path), utf8_line))])
        return TextFile(target, codec, has_quotes)
    try:
        if mac:
            target = _copy_path(path, workdir)
            return TextFile(target, _utf8_name(path), _scan(path, "utf-8", target, mac))
        return TextFile(path, _utf8_name(path), _scan(path, "utf-8", None))
    except UndecodableError as utf8_error:
        if utf8_error.damaged_utf8:
            # Reading damaged UTF-8 as GB18030 would garble every name and zone silently.
            raise _mixed_or_damaged(path, utf8_error) from None
        target = _copy_path(path, workdir)
        try:
            has_quotes = _transcode(path, "gb18030", target, mac)
        except UndecodableError as gb_error:
            # Neither as a whole: a GB18030 file with a UTF-8 line whose bytes GB18030 cannot
            # decode is a mix, said as such; else point at the later failure (a GB18030 file
            # damaged near its end says so).
            utf8_line = _utf8_line(path)
            if utf8_line is not None and utf8_line > utf8_error.line:
                raise _mixed(path, utf8_line, utf8_error.line) from None
            raise (gb_error if gb_error.line > utf8_error.line else utf8_error) from None
        utf8_line = _utf8_line(path)
        if utf8_line is not None:
            raise _mixed(path, utf8_line, utf8_error.line) from None
        return TextFile(target, "gb18030", has_quotes)


def _transcode(path: Path, codec: str, target: Path, cr_only: bool = False) -> bool:
    """:func:`_scan` writing the UTF-8 copy; a full temporary directory is the user's to fix
    (exit 2 naming it), not a bug."""
    try:
        return _scan(path, codec, target, cr_only)
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            raise
        size = path.stat().st_size
        msg = (
            f"{path}: no space left in the temporary directory {target.parent.parent} for the "
            f"UTF-8 copy of this {codec} file (it needs about {size / 2**20:,.1f} MB): "
            "free space there, set TMPDIR to a directory with room, or save the file as UTF-8 "
            "(Excel: CSV UTF-8)"
        )
        raise PanelError(msg, [Problem("no_space", msg, Place(str(path)))]) from None


_UTF8_CJK = re.compile(rb"(?:[\xe4-\xe9][\x80-\xbf][\x80-\xbf]){3}")


def _utf8_line(path: Path) -> int | None:
    """The first line that is UTF-8 text (see :func:`prepare_text_file`), or None."""
    lines_before = 0
    carry = b""
    with path.open("rb") as f:
        while True:
            chunk = f.read(CHUNK_BYTES)
            buffer = carry + chunk
            cut = len(buffer) if not chunk else buffer.rfind(b"\n") + 1
            part, carry = buffer[:cut], buffer[cut:]
            for match in _UTF8_CJK.finditer(part):
                start = part.rfind(b"\n", 0, match.start()) + 1
                end = part.find(b"\n", match.end())
                line = part[start : end if end >= 0 else len(part)]
                try:
                    line.decode("utf-8")
                except UnicodeDecodeError:
                    continue
                return lines_before + part.count(b"\n", 0, start) + 1
            lines_before += part.count(b"\n")
            if not chunk:
                return None


def _mixed(path: Path, utf8_line: int, other_line: int) -> PanelError:
    if utf8_line < other_line:
        line, what = other_line, f"is not UTF-8 (GB18030?), while line {utf8_line} is UTF-8"
    else:
        line, what = utf8_line, f"is UTF-8, while line {other_line} is GB18030 (GBK)"
    msg = (
        f"{path}:{line}: this line {what}: the file mixes encodings (files in different "
        "encodings joined into one?), and read in either one some lines would be garbled. "
        'Save each part in one encoding (Excel: "CSV UTF-8") and join them again'
    )
    return PanelError(msg, [Problem("mixed_encodings", msg, Place(str(path), line))])


def _mixed_or_damaged(path: Path, error: UndecodableError) -> PanelError:
    """UTF-8 text up to a line that is not: if that line is GB18030 text, the file mixes them."""
    if "cut short" in str(error):  # the last character is incomplete: a truncated file
        return error
    line = _line_bytes(path, error.line)
    if line is not None and _is_gb18030_text(line):
        return _mixed(path, _utf8_line(path) or 1, error.line)
    return error


def _looks_like_gb18030(path: Path, error: UndecodableError) -> PanelError:
    line = _line_bytes(path, error.line)
    if line is None or not _is_gb18030_text(line):
        return error
    msg = (
        f"{path}:{error.line}: --encoding utf-8, but this line is not UTF-8; it looks like "
        "GB18030 (GBK), the encoding of Excel's CSV on Chinese Windows. Leave --encoding out "
        "(the encoding is detected) or give --encoding gb18030"
    )
    return PanelError(msg, [Problem("undecodable_bytes", msg, Place(str(path), error.line))])


def _line_bytes(path: Path, number: int, most: int = 1_000_000) -> bytes | None:
    """The first ``most`` bytes of line ``number`` (1-based), read in chunks: a file of one
    1 GB line must not be held whole for a message."""
    seen = 1
    with path.open("rb") as f:
        while chunk := f.read(CHUNK_BYTES):
            start = 0
            while seen < number:
                at = chunk.find(b"\n", start)
                if at < 0:
                    break
                seen, start = seen + 1, at + 1
            if seen == number:
                line = chunk[start : start + most]
                while len(line) < most and b"\n" not in line and (more := f.read(most)):
                    line += more
                end = line.find(b"\n")
                return line if end < 0 else line[: end + 1]
    return None


def _is_gb18030_text(line: bytes) -> bool:
    try:
        text = line.decode("gb18030")
    except UnicodeDecodeError:
        return False
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def assume_utf8(path: Path) -> TextFile:
    """Take a CSV file for UTF-8 without decoding it in Python (the fast path for large files,
    for a file that :func:`starts_as_utf8`).

    polars reads every field as String and stops with an "invalid utf-8" error on any byte that
    is not UTF-8; :func:`utf8_trouble` then names the line. The quote check
    is a ``memchr`` over the file read in chunks, not a decode (a mapped file would count whole
    in the process's peak memory).
    """
    has_quotes = False
    lines_before = 0
    with path.open("rb") as f:
        while chunk := f.read(CHUNK_BYTES):
            if not has_quotes and b'"' in chunk:
                has_quotes = True
            nul = chunk.find(b"\x00")
            if nul >= 0:
                raise nul_error(path, lines_before + chunk.count(b"\n", 0, nul) + 1)
            lines_before += chunk.count(b"\n")
    return TextFile(path, _utf8_name(path), has_quotes, verified=False)


EVIDENCE_BYTES = 1024 * 1024


def starts_as_utf8(path: Path) -> bool:
    """True where the file's first megabyte is UTF-8 with UTF-8 text in it (a line with three
    CJK characters in a row, see :func:`prepare_text_file`): such a file is UTF-8, so polars can
    check the rest as it parses (:func:`assume_utf8`), and a byte further on that is not UTF-8
    makes the file damaged or mixed (:func:`utf8_trouble`), never a GB18030 file to read again."""
    with path.open("rb") as f:
        head = f.read(EVIDENCE_BYTES)
    decoder = codecs.getincrementaldecoder("utf-8")(errors="strict")
    try:
        decoder.decode(head, final=len(head) < EVIDENCE_BYTES)
    except UnicodeDecodeError:
        return False
    return _UTF8_CJK.search(head) is not None


def utf8_trouble(path: Path) -> PanelError | None:
    """Why a file taken for UTF-8 (:func:`starts_as_utf8`) is not: the first line that does not
    decode, as damage or as a mix of encodings; None if it decodes after all."""
    try:
        _scan(path, "utf-8", None)
    except UndecodableError as error:
        return _mixed_or_damaged(path, error)
    return None


def nul_error(path: Path, line: int) -> PanelError:
    """Contract §1: a NUL byte anywhere makes a text file invalid; name its first line."""
    msg = (
        f"{path}:{line}: this line holds a NUL (zero) byte: the file is damaged, or is a binary "
        "file rather than CSV (real exports hold no NUL). Export the file again, or remove the "
        "NUL bytes"
    )
    return PanelError(msg, [Problem("nul_byte", msg, Place(str(path), line))])


def cr_only(path: Path) -> bool:
    """Lines ended by CR alone (classic Mac OS): a CR and no LF in the first megabyte."""
    with path.open("rb") as f:
        head = f.read(1024 * 1024)
    return b"\r" in head and b"\n" not in head


CR_NOTE = (
    "{path}: lines end with CR alone (classic Mac OS line ends); read as lines. "
    "Lines are counted at each CR"
)


def _utf8_name(path: Path) -> str:
    with path.open("rb") as f:
        return "utf-8-sig" if f.read(3) == codecs.BOM_UTF8 else "utf-8"
