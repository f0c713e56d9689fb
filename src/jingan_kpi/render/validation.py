"""``validate``'s report: every problem of each plan file checked."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from jingan_kpi.errors import Problem


@dataclass(frozen=True, slots=True)
class FileValidation:
    """One plan file checked: its problems, or why it could not be checked at all."""

    path: str
    problems: list[Problem] = field(default_factory=list)
    readable: bool = True

    @property
    def valid(self) -> bool:
        return self.readable and not self.problems


def to_json(files: list[FileValidation]) -> str:
    """``{"files": [{"path", "valid", "problems"}]}``."""
    data = {
        "files": [
            {"path": f.path, "valid": f.valid, "problems": [p.to_dict() for p in f.problems]}
            for f in files
        ]
    }
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def to_text(files: list[FileValidation]) -> str:
    """One ``FILE:LINE:COL: [slug] message`` line per problem of the files that could be read
    (why a file could not be read at all goes to stderr)."""
    return "".join(p.format() + "\n" for f in files if f.readable for p in f.problems)
