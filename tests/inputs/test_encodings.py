"""Issue 13 item 4: encodings decided from the whole file, NUL bytes, CR line ends, BOMs."""

from __future__ import annotations

from pathlib import Path

import pytest

from jingan_kpi import read_panel
from jingan_kpi.errors import PanelError
from tests.inputs.conftest import CODES, HEADER, run_limited

HEAD = ",".join(HEADER) + "\n"


def _lines(n: int = 4) -> list[str]:
    return [f"{CODES[i]},企业{i},7261,{2022 + i},{100 * (i + 1)},南京西路\n" for i in range(n)]


def test_utf8_lines_then_gb18030_lines_are_refused(tmp_path: Path) -> None:
    rows = _lines()
    path = tmp_path / "mixed.csv"
    path.write_bytes(HEAD.encode() + rows[0].encode() + "".join(rows[1:]).encode("gb18030"))
    with pytest.raises(PanelError) as info:
        read_panel(path)
    assert str(info.value).startswith(
        f"{path}:3: this line is not UTF-8 (GB18030?), while line 2 is UTF-8: the file mixes "
        "encodings"
    )
    assert info.value.problems[0].place.line == 3


def test_gb18030_lines_then_utf8_lines_are_refused(tmp_path: Path) -> None:
    rows = _lines()
    path = tmp_path / "mixed.csv"
    path.write_bytes(("".join([HEAD, *rows[:3]])).encode("gb18030") + rows[3].encode())
    done = run_limited("inspect", path)
    assert done.returncode == 2
    assert (
        f"{path}:5: [mixed_encodings] this line is UTF-8, while line 2 is GB18030 (GBK): the "
        "file mixes encodings" in done.stderr
    )


def test_a_utf8_line_gb18030_cannot_decode_is_named_a_mix(tmp_path: Path) -> None:
    """苏河湾 in UTF-8 is not even valid GB18030: the file fails both decodings, and the message
    must still say it mixes encodings (it once said "neither UTF-8 nor GB18030")."""
    rows = _lines()
    path = tmp_path / "mixed.csv"
    utf8_row = rows[3].replace("南京西路", "苏河湾")
    path.write_bytes(("".join([HEAD, *rows[:3]])).encode("gb18030") + utf8_row.encode())
    done = run_limited("check", path)
    assert done.returncode == 2
    assert (
        f"{path}:5: [mixed_encodings] this line is UTF-8, while line 2 is GB18030 (GBK): the "
        "file mixes encodings" in done.stderr
    )


def test_a_gb18030_file_is_read_exactly(tmp_path: Path) -> None:
    path = tmp_path / "gb.csv"
    path.write_bytes("".join([HEAD, *_lines()]).encode("gb18030"))
    panel = read_panel(path)
    assert panel.sources[0].encoding == "gb18030"
    assert panel.frame.get_column("name").to_list() == ["企业0", "企业1", "企业2", "企业3"]
    assert panel.frame.get_column("zone").to_list() == ["南京西路"] * 4
    assert panel.frame.get_column("revenue").to_list() == pytest.approx([0.01, 0.02, 0.03, 0.04])


@pytest.mark.parametrize("name", ["latin1", "cp1252", "utf-16", "big5", "ascii"])
def test_only_the_encodings_the_reader_supports_are_accepted(tmp_path: Path, name: str) -> None:
    path = tmp_path / "gb.csv"
    path.write_bytes("".join([HEAD, *_lines()]).encode("gb18030"))
    done = run_limited("check", path, "--encoding", name)
    assert done.returncode == 2
    assert done.stderr == (
        f'error: --encoding "{name}" is not an encoding the tool reads; use utf-8 (also '
        "utf-8-sig), gb18030 (also gbk, gb2312, cp936), or leave --encoding out: the encoding "
        "is detected\n"
    )


@pytest.mark.parametrize("name", ["gbk", "GB2312", "cp936", "gb18030"])
def test_gbk_names_read_a_gb18030_file(tmp_path: Path, name: str) -> None:
    path = tmp_path / "gb.csv"
    path.write_bytes("".join([HEAD, *_lines()]).encode("gb18030"))
    panel = read_panel(path, encoding=name)
    assert panel.frame.get_column("zone").to_list() == ["南京西路"] * 4


def test_encoding_utf8_on_a_gb18030_file_says_it_looks_like_gb18030(tmp_path: Path) -> None:
    path = tmp_path / "gb.csv"
    path.write_bytes("".join([HEAD, *_lines()]).encode("gb18030"))
    done = run_limited("inspect", path, "--encoding", "utf-8")
    assert done.returncode == 2
    assert (
        f"{path}:2: [undecodable_bytes] --encoding utf-8, but this line is not UTF-8; it looks "
        "like GB18030 (GBK)" in done.stderr
    )
    assert "give --encoding gb18030" in done.stderr


@pytest.mark.parametrize(
    ("where", "line"),
    [("header", 1), ("first row", 2), ("late", 3002)],
)
def test_a_nul_byte_anywhere_is_exit_2_naming_its_line(
    tmp_path: Path, where: str, line: int
) -> None:
    rows = _lines(1) * 3000  # 3000 rows: past the first 64 KB that name the format
    text = "".join([HEAD, *rows]).encode()
    if where == "header":
        text = text.replace(b"name", b"na\x00me", 1)
    elif where == "first row":
        text = text.replace("企业0".encode(), "企\x00业".encode(), 1)
    else:
        text += f"{CODES[1]},x\x00y,7261,2025,1,大宁\n".encode()
    path = tmp_path / "nul.csv"
    path.write_bytes(text)
    for encoding in (None, "utf-8"):
        with pytest.raises(PanelError) as info:
            read_panel(path, encoding=encoding)
        assert str(info.value).startswith(f"{path}:{line}: this line holds a NUL (zero) byte")
    done = run_limited("inspect", path)
    assert done.returncode == 2
    assert f"{path}:{line}: [nul_byte]" in done.stderr


def test_a_nul_byte_in_a_gb18030_file(tmp_path: Path) -> None:
    text = "".join([HEAD, *_lines()]).encode("gb18030") + b"x" * 70_000 + b"\x00\n"
    path = tmp_path / "nul.csv"
    path.write_bytes(text)
    with pytest.raises(PanelError, match=r"nul.csv:6: this line holds a NUL"):
        read_panel(path)


def test_cr_only_line_ends_are_read(tmp_path: Path) -> None:
    path = tmp_path / "mac.csv"
    path.write_bytes("".join([HEAD, *_lines()]).replace("\n", "\r").encode())
    panel = read_panel(path)
    assert panel.counts.used == 4
    assert panel.frame.get_column("source_line").to_list() == [2, 3, 4, 5]
    assert panel.frame.get_column("revenue").to_list() == pytest.approx([0.01, 0.02, 0.03, 0.04])
    assert panel.notes[0] == (
        f"{path}: lines end with CR alone (classic Mac OS line ends); read as lines. Lines are "
        "counted at each CR"
    )


def test_crlf_line_ends_are_read(tmp_path: Path) -> None:
    path = tmp_path / "win.csv"
    path.write_bytes("".join([HEAD, *_lines()]).replace("\n", "\r\n").encode("gb18030"))
    panel = read_panel(path)
    assert panel.frame.get_column("zone").to_list() == ["南京西路"] * 4


def test_a_second_bom_is_shown_never_an_invisible_header(tmp_path: Path) -> None:
    path = tmp_path / "bom2.csv"
    path.write_bytes(b"\xef\xbb\xbf\xef\xbb\xbf" + "".join([HEAD, *_lines()]).encode())
    done = run_limited("inspect", path)
    assert done.returncode == 2
    assert (
        f'{path}:1: [bom_in_header] header 1 is "\\uFEFFcredit_code": it holds a byte-order '
        "mark (BOM, \\uFEFF)" in done.stderr
    )


def test_one_bom_is_read(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbf" + "".join([HEAD, *_lines()]).encode())
    panel = read_panel(path)
    assert panel.sources[0].encoding == "utf-8-sig"
    assert panel.frame.get_column("credit_code").to_list() == list(CODES)


def test_a_bom_inside_the_file_is_shown_in_the_reject(tmp_path: Path) -> None:
    rows = _lines()
    path = tmp_path / "joined.csv"
    path.write_bytes(
        (HEAD + "".join(rows[:2])).encode() + b"\xef\xbb\xbf" + "".join(rows[2:]).encode()
    )
    done = run_limited("inspect", path)
    assert done.returncode == 0
    assert (
        f'{path}:4: [invalid_credit_code] credit_code "\\uFEFF{CODES[2]}" is not a valid unified '
        "social credit code" in done.stderr
    )


def _big_utf8(tmp_path: Path, tail: bytes) -> Path:
    """A UTF-8 file of 20,000 rows (past the first megabyte polars is trusted after) + ``tail``."""
    path = tmp_path / "big.csv"
    path.write_bytes("".join([HEAD, *_lines(1) * 20_000]).encode() + tail)
    assert path.stat().st_size > 1024 * 1024
    return path


def test_a_bad_byte_past_the_first_megabyte_names_its_line(tmp_path: Path) -> None:
    path = _big_utf8(tmp_path, f"{CODES[1]},坏".encode() + b"\xff\xfe\xfd\xfc" + b",7261,2025,1,\n")
    with pytest.raises(PanelError) as info:
        read_panel(path)
    assert str(info.value).startswith(
        f"{path}:20002: bytes ff fe fd fc are not UTF-8, though the text before them is: the "
        "file is damaged (or mixes encodings)"
    )


def test_gb18030_rows_past_the_first_megabyte_of_utf8_are_a_mix(tmp_path: Path) -> None:
    path = _big_utf8(tmp_path, _lines(2)[1].encode("gb18030"))
    done = run_limited("inspect", path)
    assert done.returncode == 2
    assert (
        f"{path}:20002: [mixed_encodings] this line is not UTF-8 (GB18030?), while line 2 is "
        "UTF-8" in done.stderr
    )


def test_encoding_gb18030_on_a_utf8_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "u.csv"
    path.write_bytes("".join([HEAD, *_lines()]).encode())
    done = run_limited("check", path, "--encoding", "gbk")
    assert done.returncode == 2
    assert (
        f"{path}:2: [wrong_encoding] --encoding gbk, but this line is UTF-8 text (read as gbk it "
        "would be garbled)" in done.stderr
    )
