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
    parses the fields, and the caller falls back to :func:`prepare_text_file` if it fails."""


def canonical_encoding(name: str) -> str:
    """The codec used for an ``--encoding`` value; GBK and GB2312 are read as GB18030 (supersets)."""
    key = name.strip().lower().replace("_", "-")
    if key in _ALIASES:
        return _ALIASES[key]
    try:
        info = codecs.lookup(key)
    except LookupError:
        msg = f'unknown encoding "{name}"; use utf-8 or gb18030 (GBK files are read as GB18030)'
        raise PanelError(msg) from None
    # rot13, hex, base64, zlib…: codecs, but not text encodings; decoding a file with one
    # crashed instead of saying so.
    if not getattr(info, "_is_text_encoding", True):
        msg = (
            f'"{name}" is not a text encoding; use utf-8 or gb18030 (GBK files are read as GB18030)'
        )
        raise PanelError(msg)
    return info.name


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


def _scan(path: Path, encoding: str, sink: Path | None) -> bool:
    """Decode ``path`` strictly; write UTF-8 to ``sink`` if given. Returns whether a quote occurs."""
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


def prepare_text_file(path: Path, encoding: str | None, workdir: Path) -> TextFile:
    """Detect (or take) the encoding of a CSV file and make a UTF-8 copy where needed."""
    if encoding is not None:
        codec = canonical_encoding(encoding)
        if codec == "utf-8":
            return TextFile(path, _utf8_name(path), _scan(path, "utf-8", None))
        target = workdir / f"{len(list(workdir.iterdir()))}-{path.stem}.utf8.csv"
        return TextFile(target, codec, _transcode(path, codec, target))
    try:
        return TextFile(path, _utf8_name(path), _scan(path, "utf-8", None))
    except UndecodableError as utf8_error:
        if utf8_error.damaged_utf8:
            # Reading damaged UTF-8 as GB18030 would garble every name and zone silently.
            raise utf8_error from None
        target = workdir / f"{len(list(workdir.iterdir()))}-{path.stem}.utf8.csv"
        try:
            has_quotes = _transcode(path, "gb18030", target)
        except UndecodableError as gb_error:
            # Neither: point at the later failure (a GB18030 file damaged near its end says so).
            raise (gb_error if gb_error.line > utf8_error.line else utf8_error) from None
        return TextFile(target, "gb18030", has_quotes)


def _transcode(path: Path, codec: str, target: Path) -> bool:
    """:func:`_scan` writing the UTF-8 copy; a full temporary directory is the user's to fix
    (exit 2 naming it), not a bug."""
    try:
        return _scan(path, codec, target)
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


def assume_utf8(path: Path) -> TextFile:
    """Take a CSV file for UTF-8 without decoding it in Python (the fast path for large files).

    polars reads every field as String and stops with an "invalid utf-8" error on any byte that
    is not UTF-8, so the caller collects and, on that error, starts again with
    :func:`prepare_text_file`, which detects GB18030 and explains damaged files. The quote check
    is a ``memchr`` over the file read in chunks, not a decode (a mapped file would count whole
    in the process's peak memory).
    """
    has_quotes = False
    with path.open("rb") as f:
        while chunk := f.read(CHUNK_BYTES):
            if b'"' in chunk:
                has_quotes = True
                break
    return TextFile(path, _utf8_name(path), has_quotes, verified=False)


def _utf8_name(path: Path) -> str:
    with path.open("rb") as f:
        return "utf-8-sig" if f.read(3) == codecs.BOM_UTF8 else "utf-8"
