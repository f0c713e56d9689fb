"""Writing output files whole or not at all.

Every file the tool writes (``--output``, ``--rejects``) goes to a temporary file in the target's
directory and is renamed into place, so an interrupted run never leaves a half-written report and
never clobbers the previous one.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from jingan_kpi.errors import OutputError


def write_atomically(
    path: str | Path, write: Callable[[Path], object], *, what: str = "output"
) -> Path:
    """Call ``write(temp_path)``, then rename the temporary file to ``path``.

    Raises :class:`~jingan_kpi.errors.OutputError` (exit 2) when the directory does not exist or
    the file cannot be written; the temporary file is removed on any failure.
    """
    target = Path(path)
    directory = target.parent if str(target.parent) else Path()
    if not directory.is_dir():
        msg = f"{target}: cannot write the {what}: directory {directory} does not exist"
        raise OutputError(msg)
    if target.is_dir():
        msg = f"{target}: cannot write the {what}: it is a directory; give a file name"
        raise OutputError(msg)
    try:
        handle, temp_name = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".tmp", dir=directory
        )
    except OSError as exc:
        msg = f"{target}: cannot write the {what}: {exc.strerror or exc}"
        raise OutputError(msg) from exc
    os.close(handle)
    temp = Path(temp_name)
    _chmod_default(temp)
    try:
        write(temp)
        temp.replace(target)
    except OSError as exc:
        temp.unlink(missing_ok=True)
        msg = f"{target}: cannot write the {what}: {exc.strerror or exc}"
        raise OutputError(msg) from exc
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    return target


def _chmod_default(path: Path) -> None:
    """mkstemp makes files 0600; give the report the permissions of an ordinary new file."""
    umask = os.umask(0)
    os.umask(umask)
    path.chmod(0o666 & ~umask)
