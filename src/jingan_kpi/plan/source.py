"""Safe YAML loading at the node level, keeping the line and column of every key and value.

``yaml.safe_load`` silently keeps the last of two equal keys and forgets where things are; this
module composes the node graph with :class:`yaml.SafeLoader` (which never constructs Python
objects from tags) and converts it itself, so it can

* report a key given twice (``duplicate_key``);
* refuse any tag that is not a plain YAML type (``unsafe_tag``), e.g. ``!!python/object``;
* bound the work: the file size (checked before parsing), the nesting depth (checked on the
  event stream, before composing) and the number of nodes visited while converting, which
  stops alias bombs ("billion laughs");
* remember the place of every key and value for the messages (:class:`Marks`).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from jingan_kpi.errors import Place, PlanError, Problem

MAX_FILE_BYTES = 1_000_000
"""A plan file is a few kilobytes; a bigger one is refused before it is parsed."""
MAX_DEPTH = 50
"""Deepest nesting of mappings and sequences accepted (the plan needs 4)."""
MAX_NODES = 100_000
"""Most nodes visited while converting, aliases expanded (the plan has about a thousand)."""

_YAML = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_YAML}{t}" for t in ("str", "int", "float", "bool", "null", "timestamp")}
_SAFE_TAGS = _SCALAR_TAGS | {f"{_YAML}map", f"{_YAML}seq"}

# libyaml's safe loader where PyYAML was built with it (the wheels are): the same events, nodes
# and marks (character index, line, column) as the pure-Python one, ten times faster.
_LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

PathKey = tuple[str | int, ...]

MAX_INT_DIGITS = 300
"""A longer integer is beyond every float (1.8e308): not a number of a plan."""


@dataclass(frozen=True, slots=True)
class Mark:
    """A 0-based line and column, as PyYAML gives them, and the raw source slice of a value."""

    line: int
    column: int
    raw: str | None = None


@dataclass
class Marks:
    """Where each key and value of the document is, addressed by its path.

    A path is a tuple of mapping keys and sequence indexes: ``("indicators", 3, "formula")``.
    """

    file: str
    keys: dict[PathKey, Mark] = field(default_factory=dict)
    values: dict[PathKey, Mark] = field(default_factory=dict)

    def _place(self, mark: Mark | None, path: PathKey, column_offset: int = 0) -> Place:
        key = key_text(path) or None
        if mark is None:
            return Place(self.file, None, None, key)
        return Place(self.file, mark.line + 1, mark.column + 1 + column_offset, key)

    def key(self, path: PathKey) -> Place:
        """The place of the key that ends ``path`` (or of the item, for a sequence index)."""
        while path and path not in self.keys and path not in self.values:
            path = path[:-1]
        mark = self.keys.get(path) or self.values.get(path)
        return self._place(mark, path)

    def value(self, path: PathKey) -> Place:
        """The place of the value at ``path`` (falling back to its nearest known parent)."""
        while path and path not in self.values:
            path = path[:-1]
        return self._place(self.values.get(path), path)

    def inside(self, path: PathKey, text: str, pos: int) -> Place:
        """The place of character ``pos`` of the string value ``text`` at ``path``.

        Exact where the value is written on one line without escapes (plain or quoted); else
        the place of the value itself.
        """
        mark = self.values.get(path)
        if mark is None or mark.raw is None or "\n" in mark.raw:
            return self.value(path)
        offset = _raw_offset(mark.raw, text, pos)
        if offset is None:
            return self.value(path)
        return self._place(mark, path, offset)


_ESCAPE_LENGTH = {"x": 4, "u": 6, "U": 10}


def _raw_offset(raw: str, text: str, pos: int) -> int | None:
    """Offset in the one-line source ``raw`` of character ``pos`` of the scalar's value."""
    if raw.startswith(("'", '"')):
        quote, i, j = raw[0], 1, 0
        while i < len(raw) - 1 and j < pos:
            if quote == '"' and raw[i] == "\\":
                i += _ESCAPE_LENGTH.get(raw[i + 1 : i + 2], 2)
            elif quote == "'" and raw.startswith("''", i):
                i += 2
            else:
                i += 1
            j += 1
        return i if j == pos else None
    offset = raw.find(text)
    return None if offset < 0 else offset + pos


def key_text(path: PathKey) -> str:
    """``("indicators", 3, "formula")`` → ``indicators[3].formula``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


class _Stop(Exception):
    """Conversion cannot go on (alias bomb): the problem is already recorded."""


class _Converter:
    def __init__(self, marks: Marks, text: str) -> None:
        self.marks = marks
        self.text = text
        self.problems: list[Problem] = []
        self.visited = 0
        self.scalars = SafeConstructor()

    def place(self, node: Node, path: PathKey) -> Place:
        m = node.start_mark
        return Place(self.marks.file, m.line + 1, m.column + 1, key_text(path) or None)

    def convert(self, node: Node, path: PathKey, depth: int) -> Any:
        self.visited += 1
        if self.visited > MAX_NODES:
            msg = (
                f"the document expands to more than {MAX_NODES:,} values (aliases, a "
                '"billion laughs" bomb?); a plan file is far smaller'
            )
            self.problems.append(Problem("too_many_nodes", msg, self.place(node, path)))
            raise _Stop
        if depth > MAX_DEPTH:
            msg = f"nesting deeper than {MAX_DEPTH} levels"
            self.problems.append(Problem("too_deep", msg, self.place(node, path)))
            raise _Stop
        if node.tag not in _SAFE_TAGS:
            what = "executes Python" if "python" in node.tag else "is not a plain YAML type"
            shown = node.tag.replace(_YAML, "!!", 1) if node.tag.startswith(_YAML) else node.tag
            msg = (
                f'tag "{shown}" is not allowed: it {what}; a plan file holds only '
                "mappings, lists, text, numbers and booleans"
            )
            self.problems.append(Problem("unsafe_tag", msg, self.place(node, path)))
            return None
        if isinstance(node, ScalarNode):
            return self.scalar(node)
        if isinstance(node, SequenceNode):
            return [
                self.convert(item, (*path, i), depth + 1)
                for i, item in enumerate(self.record_items(node, path))
            ]
        assert isinstance(node, MappingNode)
        return self.mapping(node, path, depth)

    def record_items(self, node: SequenceNode, path: PathKey) -> Iterator[Node]:
        for i, item in enumerate(node.value):
            self.record_value((*path, i), item)
            yield item

    def record_value(self, path: PathKey, node: Node) -> None:
        start, end = node.start_mark, node.end_mark
        raw = self.text[start.index : end.index] if isinstance(node, ScalarNode) else None
        self.marks.values.setdefault(path, Mark(start.line, start.column, raw))

    def scalar(self, node: ScalarNode) -> Any:
        tag = node.tag
        if tag == f"{_YAML}str":
            return node.value
        if tag == f"{_YAML}timestamp":
            # The plan's only date (plan.issued) is text; keep what was written.
            return node.value
        if tag == f"{_YAML}int":
            if len(node.value) > MAX_INT_DIGITS:
                # No plan number is that long, and Python refuses to convert 4,300 digits or
                # more: keep the text, which the model refuses as not a number (a plan problem).
                return node.value
            return self.scalars.construct_yaml_int(node)
        if tag == f"{_YAML}float":
            return self.scalars.construct_yaml_float(node)
        if tag == f"{_YAML}bool":
            return self.scalars.construct_yaml_bool(node)
        return None

    def mapping(self, node: MappingNode, path: PathKey, depth: int) -> dict[str, Any]:
        out: dict[str, Any] = {}
        first_seen: dict[str, int] = {}
        for key_node, value_node in node.value:
            if key_node.tag == f"{_YAML}merge":
                msg = "merge keys (<<) are not supported in a plan file: write the keys out"
                self.problems.append(Problem("unsupported_yaml", msg, self.place(key_node, path)))
                continue
            if not isinstance(key_node, ScalarNode) or key_node.tag not in _SCALAR_TAGS:
                msg = "a key must be plain text"
                self.problems.append(Problem("invalid_key", msg, self.place(key_node, path)))
                continue
            key = str(key_node.value)
            sub = (*path, key)
            if key in first_seen:
                msg = (
                    f'key "{key}" is given twice in {key_text(path) or "the top level"} '
                    f"(first at line {first_seen[key]}); remove one of them"
                )
                self.problems.append(Problem("duplicate_key", msg, self.place(key_node, sub)))
                self.convert(value_node, sub, depth + 1)  # still look inside for problems
                continue
            first_seen[key] = key_node.start_mark.line + 1
            self.marks.keys[sub] = Mark(key_node.start_mark.line, key_node.start_mark.column)
            self.record_value(sub, value_node)
            out[key] = self.convert(value_node, sub, depth + 1)
        return out


@dataclass
class Document:
    """A plan file read safely: its data (plain dicts, lists, scalars), the marks, problems."""

    data: Any
    marks: Marks
    problems: list[Problem]
    text: str


def read_text(path: Path, display: str) -> str:
    """Read a plan file's text, refusing a missing, huge or non-UTF-8 file (:class:`PlanError`)."""
    place = Place(display)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        msg = f"plan file {display} does not exist"
        raise PlanError(msg, [Problem("file_not_found", msg, place)]) from None
    except OSError as exc:
        msg = f"plan file {display} cannot be read: {exc.strerror}"
        raise PlanError(msg, [Problem("file_unreadable", msg, place)]) from None
    if path.is_dir():
        msg = f"{display} is a directory, not a plan file"
        raise PlanError(msg, [Problem("file_unreadable", msg, place)])
    if not path.is_file():
        # A FIFO or device: reading it could block forever or never end; refuse it unopened.
        msg = f"{display} is not a regular file (a pipe or device); save the plan to a file"
        raise PlanError(msg, [Problem("file_unreadable", msg, place)])
    if size > MAX_FILE_BYTES:
        msg = f"plan file {display} is {size:,} bytes; at most {MAX_FILE_BYTES:,} are accepted"
        raise PlanError(msg, [Problem("file_too_large", msg, place)])
    try:
        data = path.read_bytes()
    except OSError as exc:
        msg = f"plan file {display} cannot be read: {exc.strerror}"
        raise PlanError(msg, [Problem("file_unreadable", msg, place)]) from None
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        msg = f"plan file {display} is not UTF-8 text (byte {exc.start}); save it as UTF-8"
        raise PlanError(msg, [Problem("not_utf8", msg, place)]) from None


def parse_document(text: str, display: str) -> Document:
    """Parse YAML text into plain data with marks; problems found on the way are returned.

    Raises
    ------
    PlanError
        When the text is not YAML at all (slug ``invalid_yaml``).
    """
    marks = Marks(display)
    try:
        deepest = _event_depth(text)
        if deepest is not None:
            line, column = deepest
            msg = f"nesting deeper than {MAX_DEPTH} levels; a plan file needs only a few"
            return Document(
                None, marks, [Problem("too_deep", msg, Place(display, line, column))], text
            )
        root = yaml.compose(text, Loader=_LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        place = Place(display, mark.line + 1, mark.column + 1) if mark else Place(display)
        detail = " ".join(str(x) for x in (exc.context, exc.problem) if x)
        msg = f"{display} is not valid YAML: {detail}"
        raise PlanError(
            msg, [Problem("invalid_yaml", f"not valid YAML: {detail}", place)]
        ) from None
    except yaml.reader.ReaderError as exc:
        # A control character (NUL, ...) YAML does not allow: its place, on one line.
        line = text.count("\n", 0, exc.position) + 1
        column = exc.position - (text.rfind("\n", 0, exc.position) + 1) + 1
        code = (
            exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "?")
        )
        detail = f"not valid YAML: character U+{code:04X} is not allowed; remove it"
        problem = Problem("invalid_yaml", detail, Place(display, line, column))
        raise PlanError(f"{display}:{line}:{column}: {detail}", [problem]) from None
    except yaml.YAMLError as exc:
        msg = f"{display} is not valid YAML: {exc}"
        raise PlanError(msg, [Problem("invalid_yaml", msg, Place(display))]) from None
    if root is None:
        msg = "the plan file is empty"
        return Document(None, marks, [Problem("empty_plan", msg, Place(display, 1, 1))], text)
    converter = _Converter(marks, text)
    try:
        data = converter.convert(root, (), 0)
    except _Stop:
        data = None
    return Document(data, marks, converter.problems, text)


def _event_depth(text: str) -> tuple[int, int] | None:
    """The 1-based place where nesting first goes deeper than :data:`MAX_DEPTH`, else None.

    Works on the event stream, which PyYAML produces without recursion, so a hostile file is
    refused before the (recursive) composer sees it.
    """
    depth = 0
    try:
        for event in yaml.parse(text, Loader=_LOADER):
            if isinstance(event, yaml.MappingStartEvent | yaml.SequenceStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    mark = event.start_mark
                    return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
            elif isinstance(event, yaml.MappingEndEvent | yaml.SequenceEndEvent):
                depth -= 1
    except yaml.MarkedYAMLError as exc:
        # libyaml's scanner reads ahead and stops at its own limit (1,000 levels) before the
        # event deeper than MAX_DEPTH is reached: the same finding.
        if "maximum nesting depth" not in str(exc.problem):
            raise
        mark = exc.problem_mark
        return (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    return None
