"""Writing output files whole or not at all.

Every file the tool writes (``--output``, ``--rejects``) goes to a temporary file in the target's
directory and is renamed into place, so an interrupted run never leaves a half-written report and
never clobbers the previous one.
"""

from __future__ import annotations

import errno
import os
import re
import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from jingan_kpi import interrupts
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
    # Signals wait while the temporary file is made: one raised between its creation and the
    # assignment to ``temp`` would leave it behind. Raised at ``release``, a pending SIGTERM
    # removes it like any other failure.
    interrupts.hold()
    held = True
    temp: Path | None = None
    try:
        handle, temp_name = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".tmp", dir=directory
        )
        os.close(handle)
        temp = Path(temp_name)
        _chmod_default(temp)
        held = False
        interrupts.release()
        write(temp)
        temp.replace(target)
    except OSError as exc:
        if temp is not None:
            temp.unlink(missing_ok=True)
        if held:
            interrupts.release()
        msg = f"{target}: cannot write the {what}: {exc.strerror or exc}{_remedy(exc)}"
        raise OutputError(msg) from exc
    except BaseException:
        if temp is not None:
            temp.unlink(missing_ok=True)
        if held:
            interrupts.release()
        raise
    return target


FULL_DISK = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})
"""A full file system or quota: a problem of where the user writes, not a bug (exit 2)."""


def _remedy(exc: OSError) -> str:
    code = exc.errno
    if code is None:
        # polars' writers raise an OSError without errno: "... (os error 28)".
        found = re.search(r"\(os error (\d+)\)", str(exc))
        code = int(found.group(1)) if found else None
    if code in FULL_DISK:
        return "; free some space there or write the file elsewhere"
    if code in (errno.EACCES, errno.EPERM, errno.EROFS):
        return "; write the file where you may write"
    return ""


def _chmod_default(path: Path) -> None:
    """mkstemp makes files 0600; give the report the permissions of an ordinary new file."""
    umask = os.umask(0)
    os.umask(umask)
    path.chmod(0o666 & ~umask)


def check_outputs(
    outputs: Mapping[str, str | Path | None], inputs: Mapping[str, Sequence[str | Path]]
) -> None:
    """Refuse, before anything is read, output files that cannot or must not be written.

    ``outputs`` maps each option (``--output``, ``--rejects``) to its path; ``inputs`` maps what
    was read (``panel file``, ``--reference``, ``--plan``) to its paths. An output that is one
    of the inputs (the same file by device and inode, so a symlink, a hard link or ``./p.csv``
    is caught) would destroy the data it is computed from; two outputs on one file would keep
    only the last. A directory that does not exist is refused now rather than after a long read.
    Raises :class:`~jingan_kpi.errors.OutputError` (exit 2).
    """
    given = {option: Path(path) for option, path in outputs.items() if path is not None}
    seen: dict[tuple[int, int] | str, str] = {}
    for option, path in given.items():
        directory = path.parent if str(path.parent) else Path()
        if not directory.is_dir():
            msg = (
                f"{option} {path}: directory {directory} does not exist; create it or write "
                "elsewhere"
            )
            raise OutputError(msg)
        if path.is_dir():
            msg = f"{option} {path}: it is a directory; give a file name"
            raise OutputError(msg)
        for what, paths in inputs.items():
            for source in paths:
                if _same_file(path, Path(source)):
                    msg = (
                        f"{option} {path} is the {what} {source}: writing it would destroy the "
                        "input; give another file name"
                    )
                    raise OutputError(msg)
        key = _identity(path)
        if key in seen:
            msg = (
                f"{option} {path} is the same file as {seen[key]} {given[seen[key]]}: one would "
                "overwrite the other; give two different file names"
            )
            raise OutputError(msg)
        seen[key] = option


def _identity(path: Path) -> tuple[int, int] | str:
    """A file's device and inode where it exists, else its absolute path without symlinks."""
    try:
        st = path.stat()
    except OSError:
        return os.path.realpath(path)
    return (st.st_dev, st.st_ino)


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except OSError:
        return False
