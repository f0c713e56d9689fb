"""Issue 16, "done when": no sector code, section letter or district name as a literal in
``src/`` outside data files. Any district's plan must run with no code path that knows which
district or section it is: those facts come from the plan and the reference data (package data).

Literals are the string constants of the code; docstrings and comments are documentation and
are not checked. What is flagged:

- a GB/T 4754-2017 code or code prefix (2–4 digits that start a class code: ``"72"``,
  ``"7261"``), alone or after a section letter (``"L7261"``);
- a section letter alone (``"L"``, ``"I"``: an upper-case A–T) where text is tested or cut
  with it (a comparison, ``startswith``, ``strip_prefix``, …; ``TypeVar("F")`` is no letter);
- a district or zone name: the shipped plan's zones and district, and Jing'an in any spelling.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import yaml

from jingan_kpi.panel.classification import class_codes

SRC = Path(__file__).parent.parent.parent / "src" / "jingan_kpi"

# Literals still in code that another engineer's slice removes (issue 16 items 5 and 6: the
# CLI's words and `sample --plan` belong to `core`). Listed by file and literal, never silently:
# a new literal anywhere else fails. Remove an entry when the literal goes.
PENDING: dict[str, str] = {
    "sample.py": "core: sample --plan makes panels over any plan's sectors and zones",
    "plan/formula.py": "core: messages of the plan language give examples from no district",
}


def _district_words() -> set[str]:
    shipped = yaml.safe_load((SRC / "data" / "plan_2026_2028.yaml").read_text(encoding="utf-8"))
    words = {"静安"}
    for members in (shipped.get("zones") or {}).values():
        # 其他 ("other", the rest of the district) names no place.
        words.update(m for m in members if not m.startswith("其他"))
    district = (shipped.get("plan") or {}).get("district")
    if district:
        words.add(district)
        words.add(district.removesuffix("区"))
    return words


PREFIXES = {code[:n] for code in class_codes() for n in (2, 3, 4)}
CODE = re.compile(r"^[A-Za-z]?([0-9]{2,4})$")
SECTION_LETTER = re.compile(r"^[A-T]$")
JINGAN = re.compile(r"jing'?an(?![-_ ]?kpi)", re.IGNORECASE)


def _docstrings(tree: ast.AST) -> set[int]:
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
        else:
            continue
        for i, stmt in enumerate(body):
            # The docstring, and the attribute docstrings (a string after an assignment).
            after_assignment = i > 0 and isinstance(body[i - 1], ast.Assign | ast.AnnAssign)
            if (
                (i == 0 or after_assignment)
                and isinstance(stmt, ast.Expr)
                and isinstance(stmt.value, ast.Constant)
                and isinstance(stmt.value.value, str)
            ):
                found.add(id(stmt.value))
    return found


TEXT_TESTS = {
    *("startswith", "starts_with", "endswith", "ends_with", "strip_prefix", "removeprefix"),
    *("lstrip", "strip_chars_start", "replace", "contains", "is_in", "index", "find"),
}


def _tests_text(parent: ast.AST | None) -> bool:
    """Whether a constant under ``parent`` is compared with text or used to cut it."""
    if isinstance(parent, ast.Compare):
        return True
    if isinstance(parent, ast.Tuple | ast.List | ast.Set):
        return True
    return (
        isinstance(parent, ast.Call)
        and isinstance(parent.func, ast.Attribute)
        and parent.func.attr in TEXT_TESTS
    )


def literals_flagged(source: str) -> Iterator[tuple[int, str, str]]:
    """(line, literal, why) for each flagged string constant of a module's source."""
    tree = ast.parse(source)
    docstrings = _docstrings(tree)
    parents = {id(child): node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    words = _district_words()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Constant) or not isinstance(node.value, str):
            continue
        if id(node) in docstrings:
            continue
        text = node.value
        code = CODE.match(text.strip())
        if code and code.group(1) in PREFIXES:
            yield node.lineno, text, "a GB/T 4754 code"
        elif SECTION_LETTER.match(text.strip()) and _tests_text(parents.get(id(node))):
            yield node.lineno, text, "a section letter"
        elif JINGAN.search(text) or any(word in text for word in words):
            yield node.lineno, text, "a district or zone name"


def test_the_checker_finds_what_it_should() -> None:
    source = (
        'X = "7261"\nY = ("L", "L7261", "abc")\nZ = f"静安区 {X}"\ndef f():\n    """72."""\n'
        'ok = X.startswith("I")\n'
    )
    found = [(line, text) for line, text, _ in literals_flagged(source)]
    assert found == [(1, "7261"), (2, "L"), (2, "L7261"), (3, "静安区 "), (6, "I")]
    clean = 'N = "jingan-kpi"\nM = "2025"\nK = "x"\nF = TypeVar("F")\nw = {"int": "N"}\n'
    assert list(literals_flagged(clean)) == []


def test_no_sector_code_section_letter_or_district_name_in_src() -> None:
    flagged = []
    for path in sorted(SRC.rglob("*.py")):
        name = path.relative_to(SRC).as_posix()
        if name in PENDING:
            continue
        for line, text, why in literals_flagged(path.read_text(encoding="utf-8")):
            flagged.append(f"src/jingan_kpi/{name}:{line}: {text!r} is {why}")
    assert flagged == [], "\n".join(flagged)
