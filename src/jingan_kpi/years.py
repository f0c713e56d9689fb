"""The years any input may name: a panel row, a reference series, a plan, ``sample --years``.

1949 is the first year of the People's Republic's statistics; 2100 bounds typing errors
(``20266``) without limiting any real plan. Written once here so the rules cannot drift apart.
"""

from __future__ import annotations

YEAR_MIN = 1949
YEAR_MAX = 2100
