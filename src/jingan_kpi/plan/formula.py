"""The formula language: a hand-written tokenizer and recursive-descent parser.

A formula is data, never Python: this module turns its text into the nodes of
:mod:`jingan_kpi.plan.ast` and nothing else. No ``eval``, no Python ``ast``; attribute access,
subscripts, lambdas, imports and dunder names are refused with a message that says so.

Grammar (``docs/formulas.md`` has the full reference with examples)::

    formula  := expr END
    expr     := term (("+" | "-") term)*
    term     := unary (("*" | "/") unary)*
    unary    := "-" unary | primary
    primary  := NUMBER | STRING | NAME | call | "(" expr ")"
    call     := NAME "(" [arg ("," arg)* [","]] ")"
    arg      := NAME "=" kwvalue | expr          (positional arguments come first)
    kwvalue  := "[" [expr ("," expr)* [","]] "]" | expr

    NUMBER   := DIGITS ["." DIGITS] [("e" | "E") ["+" | "-"] DIGITS]
    STRING   := '"' (any character but '"' and '\\' | '\\"' | '\\\\')* '"'
    NAME     := a letter or "_", then letters, digits or "_" (Chinese letters allowed)
"""

from __future__ import annotations

import keyword
import math
from dataclasses import dataclass
from typing import Literal

from jingan_kpi.errors import JinganKpiError
from jingan_kpi.plan.ast import BinOp, Call, ListOf, Name, Neg, Node, Number, String

MAX_FORMULA_LENGTH = 2000
"""Longer formulas are refused: a plan's formulas are one-liners; this bounds the work."""
MAX_DEPTH = 64
"""Deeper nesting (parentheses, calls, unary minus) is refused before Python's stack is."""

TokenKind = Literal["num", "str", "name", "op", "end"]


class FormulaSyntaxError(JinganKpiError, ValueError):
    """A formula's text does not follow the grammar.

    Parameters
    ----------
    msg
        What is wrong and how to fix it.
    pos
        0-based offset in the formula text of the offending character.
    """

    def __init__(self, msg: str, pos: int) -> None:
        super().__init__(msg)
        self.msg = msg
        self.pos = pos


@dataclass(frozen=True, slots=True)
class Token:
    kind: TokenKind
    text: str
    pos: int
    value: float | str | None = None


_SINGLE_OPS = frozenset("+-*/(),=[]")
# Characters that would mean something in Python but not here: refused with a specific message.
_FOREIGN = {
    ".": "attribute access is not part of the formula language",
    "'": 'strings are written in double quotes ("...")',
    ":": '":" is not part of the formula language (no lambdas, slices or dicts)',
    ";": '";" is not part of the formula language: a formula is one expression',
    "%": '"%" is not part of the formula language (write a / b for a ratio)',
    "@": '"@" is not part of the formula language',
    "{": "braces are not part of the formula language",
    "}": "braces are not part of the formula language",
    "<": "comparisons are not part of the formula language (targets go under target:)",
    ">": "comparisons are not part of the formula language (targets go under target:)",
    "!": '"!" is not part of the formula language',
    "&": '"&" is not part of the formula language',
    "|": '"|" is not part of the formula language',
    "^": '"^" is not part of the formula language',
    "~": '"~" is not part of the formula language',
    "`": "backquotes are not part of the formula language",
    "#": "comments are not part of a formula (write them in YAML, on their own line)",
    "\\": "a backslash is allowed only inside a string",
    "$": '"$" is not part of the formula language',
}


def _is_name_start(ch: str) -> bool:
    return ch == "_" or ch.isalpha()


def _is_name_char(ch: str) -> bool:
    return ch == "_" or ch.isalnum()


def tokenize(text: str) -> list[Token]:
    """Split a formula into tokens; the last one has kind ``"end"``.

    Raises
    ------
    FormulaSyntaxError
        On a character or word that the language does not have.
    """
    if len(text) > MAX_FORMULA_LENGTH:
        msg = f"formula is {len(text)} characters long; at most {MAX_FORMULA_LENGTH} are allowed"
        raise FormulaSyntaxError(msg, MAX_FORMULA_LENGTH)
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch in " \t\r\n":
            i += 1
        elif ch.isascii() and ch.isdigit():
            i = _number(text, i, tokens)
        elif ch == '"':
            i = _string(text, i, tokens)
        elif _is_name_start(ch):
            start = i
            while i < n and _is_name_char(text[i]):
                i += 1
            word = text[start:i]
            _check_word(word, start)
            tokens.append(Token("name", word, start, word))
        elif ch == "*" and text.startswith("**", i):
            msg = 'the power operator "**" is not part of the formula language'
            raise FormulaSyntaxError(msg, i)
        elif ch == "/" and text.startswith("//", i):
            msg = 'floor division "//" is not part of the formula language (write a / b)'
            raise FormulaSyntaxError(msg, i)
        elif ch == "=" and text.startswith("==", i):
            msg = "comparisons are not part of the formula language (targets go under target:)"
            raise FormulaSyntaxError(msg, i)
        elif ch in _SINGLE_OPS:
            tokens.append(Token("op", ch, i))
            i += 1
        elif ch in _FOREIGN:
            raise FormulaSyntaxError(_FOREIGN[ch], i)
        else:
            msg = f"unexpected character {ch!r} in formula"
            raise FormulaSyntaxError(msg, i)
    tokens.append(Token("end", "", n))
    return tokens


def _number(text: str, i: int, tokens: list[Token]) -> int:
    start, n = i, len(text)

    def digits(j: int) -> int:
        while j < n and text[j].isascii() and text[j].isdigit():
            j += 1
        return j

    i = digits(i)
    if i < n and text[i] == ".":
        j = digits(i + 1)
        if j == i + 1:
            msg = "a number needs digits after its decimal point (attribute access is not part of the formula language)"
            raise FormulaSyntaxError(msg, i)
        i = j
    if i < n and text[i] in "eE":
        j = i + 1
        if j < n and text[j] in "+-":
            j += 1
        k = digits(j)
        if k == j:
            msg = "a number's exponent needs digits (as in 1.5e3)"
            raise FormulaSyntaxError(msg, i)
        i = k
    if i < n and _is_name_char(text[i]):
        msg = f"unexpected {text[i]!r} right after the number {text[start:i]}"
        raise FormulaSyntaxError(msg, i)
    value = float(text[start:i])
    if not math.isfinite(value):
        msg = f"number {text[start:i]} is too large"
        raise FormulaSyntaxError(msg, start)
    tokens.append(Token("num", text[start:i], start, value))
    return i


def _string(text: str, i: int, tokens: list[Token]) -> int:
    start, n = i, len(text)
    i += 1
    chars: list[str] = []
    while i < n:
        ch = text[i]
        if ch == '"':
            tokens.append(Token("str", text[start : i + 1], start, "".join(chars)))
            return i + 1
        if ch == "\\":
            if i + 1 < n and text[i + 1] in '"\\':
                chars.append(text[i + 1])
                i += 2
                continue
            msg = 'only \\" and \\\\ are allowed as escapes in a string'
            raise FormulaSyntaxError(msg, i)
        if ch in "\r\n":
            break
        chars.append(ch)
        i += 1
    msg = "string is not closed: add the closing double quote"
    raise FormulaSyntaxError(msg, start)


def _check_word(word: str, pos: int) -> None:
    if word.startswith("__"):
        msg = f'names starting with "__" ({word}) are not part of the formula language'
        raise FormulaSyntaxError(msg, pos)
    if word in {"True", "False"}:
        msg = f"{word} is not a word of the formula language (write {word.lower()})"
        raise FormulaSyntaxError(msg, pos)
    if keyword.iskeyword(word) or word in {"eval", "exec", "compile", "getattr", "open"}:
        msg = f'"{word}" is not part of the formula language (it is not Python)'
        raise FormulaSyntaxError(msg, pos)


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0

    # -- token helpers ---------------------------------------------------------------------------
    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def at_end(self) -> bool:
        # A method, not ``self.tok.kind == "end"``: the token moves under mypy's narrowing.
        return self.tok.kind == "end"

    def is_op(self, text: str) -> bool:
        return self.tok.kind == "op" and self.tok.text == text

    def advance(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def expect(self, text: str, context: str) -> Token:
        if not self.is_op(text):
            raise FormulaSyntaxError(
                f'expected "{text}" {context}, found {self.describe()}', self.tok.pos
            )
        return self.advance()

    def describe(self, token: Token | None = None) -> str:
        token = token or self.tok
        if token.kind == "end":
            return "the end of the formula"
        return f'"{token.text}"'

    def enter(self, pos: int) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            msg = f"formula is nested more than {MAX_DEPTH} levels deep"
            raise FormulaSyntaxError(msg, pos)

    # -- grammar ---------------------------------------------------------------------------------
    def formula(self) -> Node:
        if self.tok.kind == "end":
            raise FormulaSyntaxError("formula is empty", 0)
        node = self.expr()
        if not self.at_end():
            raise FormulaSyntaxError(self.trailing_message(), self.tok.pos)
        return node

    def trailing_message(self) -> str:
        token = self.tok
        if token.kind == "op" and token.text == "[":
            return "subscripts are not part of the formula language"
        if token.kind == "op" and token.text == "=":
            return '"=" is allowed only for a keyword argument inside a call, as in zone=core'
        if token.kind == "op" and token.text == "(":
            return "only a function name can be called"
        return f"expected an operator (+ - * /) or the end of the formula, found {self.describe()}"

    def expr(self) -> Node:
        self.enter(self.tok.pos)
        node = self.term()
        while self.tok.kind == "op" and self.tok.text in "+-":
            op = self.advance()
            right = self.term()
            node = BinOp(op.text, node, right, op.pos)  # type: ignore[arg-type]
        self.depth -= 1
        return node

    def term(self) -> Node:
        node = self.unary()
        while self.tok.kind == "op" and self.tok.text in "*/":
            op = self.advance()
            right = self.unary()
            node = BinOp(op.text, node, right, op.pos)  # type: ignore[arg-type]
        return node

    def unary(self) -> Node:
        if self.is_op("-"):
            op = self.advance()
            self.enter(op.pos)
            operand = self.unary()
            self.depth -= 1
            return Neg(operand, op.pos)
        if self.is_op("+"):
            msg = 'unary "+" is not part of the formula language: leave it out'
            raise FormulaSyntaxError(msg, self.tok.pos)
        return self.primary()

    def primary(self) -> Node:
        token = self.tok
        if token.kind == "num":
            self.advance()
            assert isinstance(token.value, float)
            return Number(token.value, token.pos)
        if token.kind == "str":
            self.advance()
            assert isinstance(token.value, str)
            return String(token.value, token.pos)
        if token.kind == "name":
            self.advance()
            if self.is_op("("):
                return self.call(token)
            if self.is_op("["):
                msg = "subscripts are not part of the formula language"
                raise FormulaSyntaxError(msg, self.tok.pos)
            return Name(token.text, token.pos)
        if self.is_op("("):
            self.advance()
            node = self.expr()
            self.expect(")", "to close the parenthesis")
            return node
        if self.is_op("["):
            msg = 'a list [...] is allowed only as a keyword argument value, as in zone=["南京西路", "苏河湾"]'
            raise FormulaSyntaxError(msg, token.pos)
        if token.kind == "end":
            raise FormulaSyntaxError("formula ends where a value was expected", token.pos)
        msg = f"expected a value (number, name, call or parenthesis), found {self.describe()}"
        raise FormulaSyntaxError(msg, token.pos)

    def call(self, name: Token) -> Call:
        self.enter(name.pos)
        self.expect("(", "after the function name")
        args: list[Node] = []
        kwargs: list[tuple[str, Node]] = []
        while not self.is_op(")"):
            if self.tok.kind == "end":
                msg = f'call of {name.text}( is not closed: add ")"'
                raise FormulaSyntaxError(msg, name.pos)
            nxt = self.tokens[self.i + 1]
            if self.tok.kind == "name" and nxt.kind == "op" and nxt.text == "=":
                key = self.advance()
                self.advance()
                if any(k == key.text for k, _ in kwargs):
                    msg = f'keyword argument "{key.text}" is given twice in {name.text}(...)'
                    raise FormulaSyntaxError(msg, key.pos)
                kwargs.append((key.text, self.kwvalue()))
            else:
                if kwargs:
                    msg = f"a positional argument cannot follow a keyword argument in {name.text}(...)"
                    raise FormulaSyntaxError(msg, self.tok.pos)
                args.append(self.expr())
            if self.is_op(","):
                self.advance()
            elif self.at_end():
                msg = f'the call of {name.text}( is not closed: add ")"'
                raise FormulaSyntaxError(msg, self.tok.pos)
            elif not self.is_op(")"):
                msg = (
                    f'expected "," or ")" in the call of {name.text}(...), found {self.describe()}'
                )
                raise FormulaSyntaxError(msg, self.tok.pos)
        self.advance()
        self.depth -= 1
        return Call(name.text, tuple(args), tuple(kwargs), name.pos)

    def kwvalue(self) -> Node:
        if not self.is_op("["):
            return self.expr()
        start = self.advance()
        self.enter(start.pos)
        items: list[Node] = []
        while not self.is_op("]"):
            if self.tok.kind == "end":
                raise FormulaSyntaxError('list is not closed: add "]"', start.pos)
            items.append(self.expr())
            if self.is_op(","):
                self.advance()
            elif not self.is_op("]"):
                msg = f'expected "," or "]" in the list, found {self.describe()}'
                raise FormulaSyntaxError(msg, self.tok.pos)
        self.advance()
        self.depth -= 1
        return ListOf(tuple(items), start.pos)


def parse_formula(text: str) -> Node:
    """Parse a formula into its syntax tree.

    Only the syntax is checked here; names (functions, sectors, indicators, ...) are checked
    against the plan by :mod:`jingan_kpi.plan.checks`.

    Parameters
    ----------
    text
        The formula, e.g. ``revenue(lbs, zone=core) / lbs_revenue``.

    Returns
    -------
    Node
        The root of the tree (see :mod:`jingan_kpi.plan.ast`).

    Raises
    ------
    FormulaSyntaxError
        With ``pos``, the 0-based offset of the problem in ``text``.

    Examples
    --------
    >>> parse_formula("top_share(lbs, 20)")
    Call(func='top_share', args=(Name(name='lbs', pos=10), Number(value=20.0, pos=15)), kwargs=(), pos=0)
    >>> parse_formula("a / b")
    BinOp(op='/', left=Name(name='a', pos=0), right=Name(name='b', pos=4), pos=2)
    """
    node = _Parser(text).formula()
    height, pos = _height(node)
    if height > MAX_DEPTH:
        # The parser bounds nesting, but a chain of operators (1+1+...+1) builds a tree one level
        # deeper per operator, which every later stage walks recursively: bound it here.
        msg = (
            f"formula is nested more than {MAX_DEPTH} levels deep (each operator in a chain "
            "such as a + b + c counts as a level); split it into several indicators"
        )
        raise FormulaSyntaxError(msg, pos)
    return node


def _height(root: Node) -> tuple[int, int]:
    """The tree's height (a leaf is 1) and the position of its deepest node, without recursion."""
    best, best_pos = 0, root.pos
    stack: list[tuple[Node, int]] = [(root, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > best:
            best, best_pos = depth, node.pos
        if isinstance(node, BinOp):
            children: list[Node] = [node.left, node.right]
        elif isinstance(node, Neg):
            children = [node.operand]
        elif isinstance(node, Call):
            children = [*node.args, *(v for _, v in node.kwargs)]
        elif isinstance(node, ListOf):
            children = list(node.items)
        else:
            children = []
        stack.extend((child, depth + 1) for child in children)
    return best, best_pos


def walk(node: Node) -> list[Node]:
    """Every node of the tree, root first (iteratively: trees are bounded, but stay safe)."""
    out: list[Node] = []
    stack = [node]
    while stack:
        current = stack.pop()
        out.append(current)
        if isinstance(current, BinOp):
            stack.extend((current.right, current.left))
        elif isinstance(current, Neg):
            stack.append(current.operand)
        elif isinstance(current, Call):
            stack.extend(reversed([v for _, v in current.kwargs]))
            stack.extend(reversed(current.args))
        elif isinstance(current, ListOf):
            stack.extend(reversed(current.items))
    return out
