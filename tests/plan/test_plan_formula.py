"""The formula grammar: exact trees, refusals with positions, and no way out to Python."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from jingan_kpi.plan.ast import BinOp, Call, ListOf, Name, Neg, Number, String
from jingan_kpi.plan.formula import (
    MAX_DEPTH,
    MAX_FORMULA_LENGTH,
    FormulaSyntaxError,
    parse_formula,
)


@pytest.mark.parametrize(
    ("text", "tree"),
    [
        ("revenue(lbs)", Call("revenue", (Name("lbs", 8),), (), 0)),
        ("top_share(lbs, 20)", Call("top_share", (Name("lbs", 10), Number(20.0, 15)), (), 0)),
        ("a + b * c", BinOp("+", Name("a", 0), BinOp("*", Name("b", 4), Name("c", 8), 6), 2)),
        ("(a + b) * c", BinOp("*", BinOp("+", Name("a", 1), Name("b", 5), 3), Name("c", 10), 8)),
        ("a - b - c", BinOp("-", BinOp("-", Name("a", 0), Name("b", 4), 2), Name("c", 8), 6)),
        ("a / b / 2", BinOp("/", BinOp("/", Name("a", 0), Name("b", 4), 2), Number(2.0, 8), 6)),
        ("-a * 2", BinOp("*", Neg(Name("a", 1), 0), Number(2.0, 5), 3)),
        ("--1.5e2", Neg(Neg(Number(150.0, 2), 1), 0)),
        (
            "lbs_revenue / ref(city_lbs_revenue)",
            BinOp(
                "/",
                Name("lbs_revenue", 0),
                Call("ref", (Name("city_lbs_revenue", 18),), (), 14),
                12,
            ),
        ),
        (
            "count(professional, hq=true)",
            Call("count", (Name("professional", 6),), (("hq", Name("true", 23)),), 0),
        ),
        (
            'revenue(lbs, zone=["南京西路", "苏河湾"], min_revenue=0.1,)',
            Call(
                "revenue",
                (Name("lbs", 8),),
                (
                    ("zone", ListOf((String("南京西路", 19), String("苏河湾", 27)), 18)),
                    ("min_revenue", Number(0.1, 47)),
                ),
                0,
            ),
        ),
        (
            'revenue(lbs, zone="苏河湾")',
            Call("revenue", (Name("lbs", 8),), (("zone", String("苏河湾", 18)),), 0),
        ),
        ('"say \\"hi\\""', String('say "hi"', 0)),
        (
            "growth_diff(yoy(a), district_economy)",
            Call(
                "growth_diff",
                (Call("yoy", (Name("a", 16),), (), 12), Name("district_economy", 20)),
                (),
                0,
            ),
        ),
        ("f()", Call("f", (), (), 0)),
    ],
)
def test_exact_trees(text: str, tree: object) -> None:
    assert parse_formula(text) == tree


@pytest.mark.parametrize(
    ("text", "pos", "says"),
    [
        ("lbs_revenue.__class__", 11, "attribute access is not part of the formula language"),
        ("revenue(lbs).sum()", 12, "attribute access"),
        ('__import__("os").system("ls")', 0, '"__"'),
        ("lambda: 1", 0, '"lambda" is not part'),
        ("import os", 0, '"import" is not part'),
        ("x[0]", 1, "subscripts are not part"),
        ("[1, 2]", 0, "a list [...] is allowed only as a keyword argument value"),
        ("a ** 2", 2, "power"),
        ("a // 2", 2, "floor division"),
        ("a == b", 2, "comparisons"),
        ("a if b else c", 2, '"if" is not part'),
        ("'text'", 0, "double quotes"),
        ('"open', 0, "string is not closed"),
        ("revenue(lbs", 11, 'revenue( is not closed: add ")"'),
        ("revenue(lbs zone=core)", 12, 'expected "," or ")"'),
        ("revenue(zone=core, lbs)", 19, "positional argument cannot follow a keyword"),
        ("f(a=1, a=2)", 7, 'keyword argument "a" is given twice'),
        ("1 +", 3, "formula ends where a value was expected"),
        ("", 0, "formula is empty"),
        ("a b", 2, "expected an operator"),
        ("f(a)(b)", 4, "only a function name can be called"),
        ("a = 1", 2, '"=" is allowed only for a keyword argument'),
        ("+a", 0, 'unary "+"'),
        ("True", 0, "write true"),
        ("a; b", 1, '";"'),
        ("12abc", 2, "right after the number"),
        ("1.", 1, "digits after its decimal point"),
        ("eval(x)", 0, '"eval" is not part'),
    ],
)
def test_refusals_name_the_position(text: str, pos: int, says: str) -> None:
    with pytest.raises(FormulaSyntaxError) as info:
        parse_formula(text)
    assert info.value.pos == pos
    assert says in info.value.msg


def test_length_is_bounded() -> None:
    parse_formula("a" * MAX_FORMULA_LENGTH)
    with pytest.raises(FormulaSyntaxError, match="at most 2000"):
        parse_formula("a" * (MAX_FORMULA_LENGTH + 1))


def test_depth_is_bounded() -> None:
    ok = "(" * (MAX_DEPTH - 1) + "1" + ")" * (MAX_DEPTH - 1)
    assert parse_formula(ok) == Number(1.0, MAX_DEPTH - 1)
    with pytest.raises(FormulaSyntaxError, match="nested more than 64"):
        parse_formula("(" * 200 + "1" + ")" * 200)
    with pytest.raises(FormulaSyntaxError, match="nested more than 64"):
        parse_formula("yoy(" * 200 + "a" + ")" * 200)
    with pytest.raises(FormulaSyntaxError, match="nested more than 64"):
        parse_formula("-" * 500 + "1")


@given(st.text(alphabet='abz_( )[],=+-*/."0123456789\\南', max_size=60))
def test_any_text_parses_or_raises_the_syntax_error(text: str) -> None:
    try:
        parse_formula(text)
    except FormulaSyntaxError as exc:
        assert 0 <= exc.pos <= len(text)
