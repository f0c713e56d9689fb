"""Issue 14 item 4: a full disk is a problem of where the user writes (exit 2 naming the path
and what to do), not a bug. Tested on a real, tiny tmpfs that the test mounts where it may (as
root, as here and in CI); elsewhere ENOSPC is simulated, and the test says so in its id."""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).parent.parent.parent
SAMPLE = REPO / "data" / "samples" / "panel_2024_2026.csv"
SAMPLE_GB = REPO / "data" / "samples" / "panel_2024_2026_gb18030.csv"


def _mount_tiny_tmpfs(directory: Path, size: str) -> bool:
    if os.geteuid() != 0 or shutil.which("mount") is None:
        return False
    directory.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(directory)],
        capture_output=True,
        check=False,
    )
    return done.returncode == 0


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A real file system of 8 KiB: the sample's workbook and UTF-8 copy do not fit."""
    directory = tmp_path / "full"
    if not _mount_tiny_tmpfs(directory, "8k"):
        pytest.skip("cannot mount a tmpfs here (not root); see the simulated test below")
    try:
        yield directory
    finally:
        subprocess.run(["umount", str(directory)], check=False)


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "jingan_kpi", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
        check=False,
    )


def test_real_tmpfs_an_xlsx_onto_a_full_disk_is_exit_2(full_disk: Path) -> None:
    target = full_disk / "report.xlsx"
    done = _run("check", str(SAMPLE), "-o", str(target))
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines()[-1] == (
        f"error: {target}: cannot write the output: No space left on device; free some space "
        "there or write the file elsewhere"
    )
    assert "Traceback" not in done.stderr
    assert list(full_disk.iterdir()) == []


def test_real_tmpfs_a_gb18030_input_with_a_full_temporary_directory_is_exit_2(
    full_disk: Path,
) -> None:
    done = _run("check", str(SAMPLE_GB), env={"TMPDIR": str(full_disk)})
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines()[-1] == (
        f"{SAMPLE_GB}: [no_space] no space left in the temporary directory {full_disk} for the "
        "UTF-8 copy of this gb18030 file (it needs about 0.6 MB): free space there, set TMPDIR "
        "to a directory with room, or save the file as UTF-8 (Excel: CSV UTF-8)"
    )
    assert list(full_disk.iterdir()) == []


def test_simulated_enospc_while_writing_is_an_output_error(tmp_path: Path) -> None:
    """The same path without a mount: the writer raises ENOSPC as a full disk would."""
    from jingan_kpi.atomic import write_atomically
    from jingan_kpi.errors import OutputError

    target = tmp_path / "r.json"

    def full(path: Path) -> None:
        path.write_text("half", encoding="utf-8")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    with pytest.raises(OutputError) as caught:
        write_atomically(target, full)
    assert str(caught.value) == (
        f"{target}: cannot write the output: No space left on device; free some space there or "
        "write the file elsewhere"
    )
    assert list(tmp_path.iterdir()) == []


def test_real_tmpfs_rejects_onto_a_full_disk_are_exit_2(full_disk: Path, tmp_path: Path) -> None:
    """polars' own writer says "(os error 28)" without an errno: the remedy is still given."""
    bad = tmp_path / "bad.csv"
    rows = "".join(f"BAD{i:015d},企业{i},7211,2025,{i}\n" for i in range(2000))
    bad.write_text("credit_code,name,industry_code,year,revenue\n" + rows, encoding="utf-8")
    target = full_disk / "rejects.csv"
    done = _run("inspect", str(bad), "--rejects", str(target))
    assert done.returncode == 2, done.stderr
    last = done.stderr.splitlines()[-1]
    assert last.startswith(f"error: {target}: cannot write the reject report: No space left")
    assert last.endswith("; free some space there or write the file elsewhere")
    assert list(full_disk.iterdir()) == []
