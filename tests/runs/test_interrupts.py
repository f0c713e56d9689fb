"""Issue 14 item 3: an interrupted run leaves nothing behind. Real signals (SIGINT as Ctrl-C
sends it, SIGTERM, SIGHUP) are sent to a real ``python -m jingan_kpi`` process while it writes
the UTF-8 copy of a GB18030 input, the rejects, a workbook or a JSON report; afterwards no
temporary file is left and the target holds what it held before."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

ROWS = 300_000
OLD = "the previous file\n"
CODE = "91310106MA1FL0000J"


@pytest.fixture(scope="module")
def big(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A GB18030 panel (its UTF-8 copy takes a while) and a UTF-8 one of bad credit codes
    (every row rejected, so the rejects file takes a while)."""
    directory = tmp_path_factory.mktemp("big")
    header = "统一社会信用代码,企业名称,行业代码,年份,营业收入\n"
    gb = directory / "gb.csv"
    gb.write_text(
        header + "".join(f"{CODE},企业{i},7211,2025,{i}\n" for i in range(ROWS)),
        encoding="gb18030",
    )
    bad = directory / "bad.csv"
    bad.write_text(
        header + "".join(f"BAD{i:015d},企业{i},7211,2025,{i}\n" for i in range(ROWS)),
        encoding="utf-8",
    )
    return {"gb": gb, "bad": bad}


def _start(args: list[str], tmpdir: Path) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-m", "jingan_kpi", *args],
        env={**os.environ, "TMPDIR": str(tmpdir), "NO_COLOR": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _when(process: subprocess.Popen[bytes], ready: object, what: str) -> None:
    deadline = time.monotonic() + 120
    while not ready():  # type: ignore[operator]
        if process.poll() is not None:
            _, err = process.communicate()
            pytest.fail(f"the process ended before {what}: {process.returncode} {err.decode()}")
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.002)


def _finish(process: subprocess.Popen[bytes], signum: int) -> str:
    process.send_signal(signum)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 128 + signum, err.decode()
    text = err.decode()
    assert "Traceback" not in text
    assert f"interrupted ({signal.Signals(signum).name})" in text
    return text


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_the_transcoded_copy_is_removed(big: dict[str, Path], tmp_path: Path, signum: int) -> None:
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    process = _start(["check", str(big["gb"])], tmpdir)

    def copying() -> bool:
        return any(p.is_file() for p in tmpdir.glob("jingan-kpi-*/*"))

    _when(process, copying, "the UTF-8 copy was being written")
    _finish(process, signum)
    assert list(tmpdir.iterdir()) == []


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_the_rejects_being_written_are_removed(
    big: dict[str, Path], tmp_path: Path, signum: int
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    rejects = out / "rejects.csv"
    rejects.write_text(OLD, encoding="utf-8")
    process = _start(["inspect", str(big["bad"]), "--rejects", str(rejects)], tmp_path)

    def writing() -> bool:
        return any(out.glob(".rejects.csv.*.tmp"))

    _when(process, writing, "the rejects were being written")
    _finish(process, signum)
    assert [p.name for p in out.iterdir()] == ["rejects.csv"]
    assert rejects.read_text(encoding="utf-8") == OLD


# The report itself is rendered in memory and written in a moment, too short a window to hit
# from outside: the writer is replaced by one that writes half the file and then signals its own
# process, which is still a real signal handled by the real command.
HALF_THEN_SIGNAL = textwrap.dedent(
    """
    import os, pathlib, sys, time
    import jingan_kpi.render.xlsx as xlsx

    def half(path, *args, **kwargs):
        with open(path, "wb") as f:
            f.write(b"half a report")
        os.kill(os.getpid(), int(os.environ["SIGNAL"]))
        time.sleep(30)

    xlsx.write_xlsx = lambda ev, path: half(path)
    pathlib.Path.write_text = half
    from jingan_kpi.cli import main
    sys.argv = ["jingan-kpi", *sys.argv[1:]]
    main()
    """
)


@pytest.mark.parametrize(
    ("name", "signum"), [("report.xlsx", signal.SIGHUP), ("report.json", signal.SIGTERM)]
)
def test_a_report_being_written_is_removed(tmp_path: Path, name: str, signum: int) -> None:
    panel = Path(__file__).parent.parent / "cli" / "small_panel.csv"
    target = tmp_path / name
    target.write_text(OLD, encoding="utf-8")
    process = subprocess.run(
        [sys.executable, "-c", HALF_THEN_SIGNAL, "check", str(panel), "-o", str(target)],
        env={**os.environ, "SIGNAL": str(int(signum)), "NO_COLOR": "1"},
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert process.returncode == 128 + signum, process.stderr.decode()
    assert "Traceback" not in process.stderr.decode()
    assert [p.name for p in tmp_path.iterdir()] == [name]
    assert target.read_text(encoding="utf-8") == OLD
