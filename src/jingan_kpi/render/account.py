"""``inspect``'s report: the row account of a panel (read = used + rejected + out of scope)."""

from __future__ import annotations

import json
from typing import Any

from jingan_kpi.panel.types import Panel


def panel_report(panel: Panel) -> dict[str, Any]:
    """The row account of a panel as plain data (what ``inspect --format json`` prints)."""
    return {
        "rows": panel.counts.to_dict(),
        "years": panel.years,
        "money_unit": panel.money_unit,
        "columns": sorted(panel.columns),
        "files": [
            {
                "path": s.path,
                "format": s.format,
                "encoding": s.encoding,
                "unit": s.unit,
                "unit_source": s.unit_source,
                "rows": s.rows,
            }
            for s in panel.sources
        ],
        "notes": list(panel.notes),
    }


def to_json(panel: Panel) -> str:
    return json.dumps(panel_report(panel), ensure_ascii=False, indent=2) + "\n"


def to_text(panel: Panel) -> str:
    report = panel_report(panel)
    rows = report["rows"]
    lines = [
        f"rows read      {rows['read']}",
        f"used           {rows['used']}",
        f"rejected       {rows['rejected']}",
    ]
    lines += [f"  {reason:<24}{count}" for reason, count in rows["rejected_by_reason"].items()]
    lines.append(f"out of scope   {rows['out_of_scope']}")
    lines.append(f"years          {', '.join(map(str, report['years'])) or '-'}")
    lines.append(f"money unit     {report['money_unit']}")
    lines.append(f"columns        {', '.join(report['columns']) or '-'}")
    for f in report["files"]:
        encoding = f" {f['encoding']}" if f["encoding"] else ""
        lines.append(
            f"file           {f['path']} ({f['format']}{encoding}, {f['rows']} rows, "
            f"unit {f['unit']} from {f['unit_source']})"
        )
    return "\n".join(lines) + "\n"
