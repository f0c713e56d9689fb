"""Generated enterprise panels for the property tests, with an oracle for every figure.

A :class:`GenPanel` is a list of clean enterprise-year rows (valid GB 32100-2015 credit codes,
GB/T 4754-2017 class codes, years, revenue in 万元 as integers, so scaling by an integer is
exact), some of them outside section L. It can be written as a polars frame of text, as CSV text
(in any order, in several files), and it answers the questions the tests check the tool against:
the revenue of a set of code prefixes in a year, the number of enterprises in a year.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import polars as pl
from hypothesis import strategies as st

from jingan_kpi.panel.classification import class_codes
from jingan_kpi.panel.credit_code import CHARSET, check_character

HEADER = ("credit_code", "name", "industry_code", "year", "revenue", "zone", "hq_type")
SECTION_L = tuple(sorted(c for c in class_codes() if c[:2] in ("71", "72")))
# Valid GB/T 4754-2017 classes outside section L (out of the shipped plan's scope).
OUT_OF_SCOPE = ("0111", "1311", "5191", "6513", "7020", "7340", "7484", "8710")
ZONES = ("南京西路", "苏河湾", "市北高新", "大宁", "其他")
YEARS = tuple(range(2023, 2029))
WAN_PER_YI = 10_000  # the panel is written in 万元; the plan's money unit is 亿元


@dataclass(frozen=True)
class Row:
    credit_code: str
    industry_code: str
    year: int
    revenue: int
    """万元, an integer."""
    zone: str | None
    hq_type: str | None

    def text(self) -> dict[str, str | None]:
        return {
            "credit_code": self.credit_code,
            "name": f"企业{self.credit_code[-4:]}",
            "industry_code": self.industry_code,
            "year": str(self.year),
            "revenue": str(self.revenue),
            "zone": self.zone,
            "hq_type": self.hq_type,
        }


@dataclass(frozen=True)
class GenPanel:
    rows: tuple[Row, ...]

    def __repr__(self) -> str:
        # Short: Hypothesis prints the failing example, and a long repr is an error under
        # filterwarnings = error. Each row as code[-4:]/class/year/revenue/zone/hq.
        shown = ", ".join(
            f"{r.credit_code[-4:]}/{r.industry_code}/{r.year}/{r.revenue}/{r.zone}/{r.hq_type}"
            for r in self.rows[:40]
        )
        more = f" +{len(self.rows) - 40}" if len(self.rows) > 40 else ""
        return f"GenPanel[{len(self.rows)}]({shown}{more})"

    # -- oracle ------------------------------------------------------------------------------
    def in_scope(self, prefixes: Sequence[str] = ("71", "72")) -> list[Row]:
        return [r for r in self.rows if r.industry_code.startswith(tuple(prefixes))]

    @property
    def years(self) -> list[int]:
        """The years the panel covers: those of its rows in section L (the used rows)."""
        return sorted({r.year for r in self.in_scope()})

    def class_revenue(self, year: int, zones: Sequence[str | None] | None = None) -> dict[str, int]:
        """万元 by GB/T 4754-2017 class in a year (only the zones given, where given)."""
        by_class: dict[str, int] = {}
        for r in self.rows:
            if r.year == year and (zones is None or r.zone in zones):
                by_class[r.industry_code] = by_class.get(r.industry_code, 0) + r.revenue
        return by_class

    def revenue(
        self, prefixes: Sequence[str], year: int, zones: Sequence[str | None] | None = None
    ) -> float:
        """Revenue in 亿元 of the classes starting with a prefix: the sum of its classes."""
        classes = self.class_revenue(year, zones)
        return (
            sum(v for code, v in classes.items() if code.startswith(tuple(prefixes))) / WAN_PER_YI
        )

    def enterprises(self, prefixes: Sequence[str], year: int) -> int:
        return sum(1 for r in self.in_scope(prefixes) if r.year == year)

    # -- forms ---------------------------------------------------------------------------------
    def frame(self) -> pl.DataFrame:
        return pl.DataFrame([r.text() for r in self.rows], schema=dict.fromkeys(HEADER, pl.String))

    def scaled(self, factor: int) -> GenPanel:
        return GenPanel(tuple(replace(r, revenue=r.revenue * factor) for r in self.rows))

    def with_row(self, row: Row) -> GenPanel:
        return GenPanel((*self.rows, row))


def csv_text(lines: Iterable[dict[str, str | None]]) -> str:
    """CSV text with the canonical header; values are quoted where they hold a comma."""

    def cell(value: str | None) -> str:
        if value is None:
            return ""
        return f'"{value}"' if "," in value or '"' in value else value

    out = [",".join(HEADER)]
    out += [",".join(cell(line[h]) for h in HEADER) for line in lines]
    return "\n".join(out) + "\n"


def write_csv(path: Path, lines: Iterable[dict[str, str | None]]) -> Path:
    path.write_text(csv_text(lines), encoding="utf-8")
    return path


def credit_code(body: str) -> str:
    return body + check_character(body)


bodies = st.text(alphabet=CHARSET, min_size=17, max_size=17)
revenues = st.one_of(st.integers(0, 10**7), st.integers(1, 500))


@st.composite
def panels(draw: st.DrawFn, *, max_enterprises: int = 10, out_of_scope: bool = True) -> GenPanel:
    """A clean panel: 1–``max_enterprises`` enterprises over a few of the years 2023–2028.

    The first enterprise is in section L and present in the first year drawn, so the panel
    always has a used row. Each (credit_code, year) pair occurs once.
    """
    n = draw(st.integers(1, max_enterprises))
    codes = [credit_code(b) for b in draw(st.lists(bodies, min_size=n, max_size=n, unique=True))]
    years = sorted(draw(st.sets(st.sampled_from(YEARS), min_size=1, max_size=4)))
    rows: list[Row] = []
    for i, code in enumerate(codes):
        in_l = i == 0 or not out_of_scope or draw(st.integers(0, 4)) > 0
        industry = draw(st.sampled_from(SECTION_L if in_l else OUT_OF_SCOPE))
        zone = draw(st.sampled_from((*ZONES, None)))
        hq = draw(st.sampled_from((None, None, "跨国公司地区总部")))
        for j, year in enumerate(years):
            if (i == 0 and j == 0) or draw(st.booleans()):
                rows.append(Row(code, industry, year, draw(revenues), zone, hq))
    return GenPanel(tuple(rows))
