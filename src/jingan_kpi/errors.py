"""The exception hierarchy and the problem record.

Library code raises these; only the CLI turns them into exit codes (contract §6):

* :class:`InputError` and its subclasses → exit 2 ("your input is wrong");
* anything else escaping a command → exit 3 ("the tool is broken").

Validation that can go on after a problem does not raise: it returns :class:`Problem` records,
each with a stable ``slug``, a message and its :class:`Place`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class Place:
    """Where a problem is: a file and, where known, a 1-based line and column, and a key path."""

    file: str | None = None
    line: int | None = None
    column: int | None = None
    key: str | None = None

    def __str__(self) -> str:
        parts = [self.file or "<input>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "column": self.column, "key": self.key}


@dataclass(frozen=True, slots=True)
class Problem:
    """One problem found in an input: ``slug`` is stable and machine-readable."""

    slug: str
    message: str
    place: Place = field(default_factory=Place)

    def format(self) -> str:
        """``FILE:LINE:COL: [slug] message``, the form editors and CI annotate.

        A message that starts with its own place (as the panel reader's do, so that they read
        well alone) is not prefixed with it twice.
        """
        place = str(self.place)
        message = self.message.removeprefix(f"{place}: ")
        return f"{place}: [{self.slug}] {message}"

    def to_dict(self) -> dict[str, Any]:
        return {"slug": self.slug, "message": self.message, **self.place.to_dict()}


class JinganKpiError(Exception):
    """Base class of every error the library raises on purpose."""


class InputError(JinganKpiError):
    """The job cannot be done because of its input (exit 2).

    ``problems`` holds every problem found, where more than one is known.
    """

    def __init__(self, message: str, problems: list[Problem] | None = None) -> None:
        super().__init__(message)
        self.problems: list[Problem] = list(problems or [])


class UsageError(InputError):
    """Bad arguments: an unknown option value, a ``--year`` the panel does not cover."""


class InvalidArgumentError(UsageError, ValueError):
    """A wrong value of a Python API parameter, named in the message (also a ``ValueError``)."""


class UnknownIndicatorError(UsageError, KeyError):
    """An indicator id the plan does not have (also a ``KeyError``: it is a failed lookup)."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class PlanError(InputError):
    """The plan file cannot be loaded (missing, not YAML, unsafe) or is invalid."""


class PanelError(InputError):
    """An enterprise panel file cannot be read, or ``--strict`` found rejected rows."""


class ReferenceSeriesError(InputError):
    """The reference series file is missing or invalid (contract §2)."""


class OutputError(InputError):
    """An output file cannot be written where the user asked."""
