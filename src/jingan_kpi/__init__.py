"""jingan-kpi: check enterprise revenue data against Jing'an district's 2026–2028 plan for
leasing and business services.

The public API (the CLI is a thin adapter over it)::

    from jingan_kpi import load_plan, read_panel, read_reference, evaluate
"""

from __future__ import annotations

__version__ = "0.1.0"
