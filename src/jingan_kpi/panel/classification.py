"""GB/T 4754-2017 class codes, and the section L classes that exist only in GB/T 4754-2011.

The 2017 list is package data (``data/gbt4754_2017_classes.csv``, 1381 class codes). The plan
loader exposes it as :func:`jingan_kpi.plan.industry.class_codes`; this module uses that where it
exists and otherwise reads the same file, so the panel reader never depends on the plan stage
being importable.
"""

from __future__ import annotations

import csv
import io
from functools import cache
from importlib import resources

# Section L (租赁和商务服务业) classes of GB/T 4754-2011. Of these, the classes that are not 2017
# classes give a 2011-coded file away (reference README, "The trap"): computed, not typed, so a
# code that is valid in 2017 can never trigger the 2011 error.
SECTION_L_2011_CLASSES: tuple[str, ...] = (
    # 71 租赁业
    "7111",
    "7112",
    "7113",
    "7114",
    "7119",
    "7121",
    "7122",
    "7123",
    "7129",
    # 72 商务服务业: 721 企业管理服务, 722 法律服务, 723 咨询与调查, 724 广告业,
    # 725 知识产权服务, 726 人力资源服务, 727 旅行社及相关服务, 728 安全保护服务,
    # 729 其他商务服务业
    "7211",
    "7212",
    "7213",
    "7219",
    "7221",
    "7222",
    "7229",
    "7231",
    "7232",
    "7233",
    "7239",
    "7240",
    "7250",
    "7261",
    "7262",
    "7263",
    "7269",
    "7271",
    "7272",
    "7279",
    "7281",
    "7282",
    "7289",
    "7291",
    "7292",
    "7293",
    "7294",
    "7295",
    "7296",
    "7299",
)


@cache
def class_codes() -> frozenset[str]:
    """The 1381 four-digit class codes of GB/T 4754-2017."""
    try:
        from jingan_kpi.plan.industry import class_codes as plan_class_codes
    except ImportError:
        text = (
            resources.files("jingan_kpi")
            .joinpath("data/gbt4754_2017_classes.csv")
            .read_text(encoding="utf-8")
        )
        return frozenset(row["code"] for row in csv.DictReader(io.StringIO(text)))
    return frozenset(plan_class_codes())


@cache
def codes_2011_only() -> frozenset[str]:
    """Section L classes of GB/T 4754-2011 that are not GB/T 4754-2017 classes (7233, 7240, 7250)."""
    return frozenset(SECTION_L_2011_CLASSES) - class_codes()
