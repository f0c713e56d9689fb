"""One output-format enum and one renderer registry for every command (issue 15 part 4), the
format taken from the --output extension and the CSV for Excel (issue 14 item 8)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jingan_kpi.cli import app
from jingan_kpi.errors import UsageError
from jingan_kpi.render.formats import RENDERERS, OutputFormat, resolve_format

TESTS = Path(__file__).parent.parent
PANEL = str(TESTS / "cli" / "small_panel.csv")
PLAN = str(TESTS / "compute" / "plan_small.yaml")
runner = CliRunner()


def invoke(*args: str | Path) -> tuple[int, str, str]:
    result = runner.invoke(app, [str(a) for a in args], env={"NO_COLOR": "1", "COLUMNS": "120"})
    return result.exit_code, result.stdout, result.stderr


def test_every_kind_has_a_table_and_json_and_every_renderer_loads() -> None:
    for kind, formats in RENDERERS.items():
        assert {OutputFormat.table, OutputFormat.json} <= set(formats), kind
        for renderer in formats.values():
            assert callable(renderer.load())
            if renderer.console is not None:
                assert callable(renderer.load(renderer.console))


@pytest.mark.parametrize(
    ("name", "expected"),
    [("r.xlsx", "xlsx"), ("r.JSON", "json"), ("r.csv", "csv"), ("r.md", "markdown"),
     ("r.txt", "table"), ("r.out", "table"), ("r", "table")],
)  # fmt: skip
def test_the_output_extension_gives_the_format(name: str, expected: str) -> None:
    assert resolve_format("evaluation", None, Path(name)) is OutputFormat(expected)


def test_csv_utf8_may_write_a_csv_file() -> None:
    assert resolve_format("evaluation", "csv-utf8", Path("x.csv")) is OutputFormat.csv_utf8


def test_a_format_that_contradicts_the_extension_is_refused() -> None:
    with pytest.raises(UsageError) as caught:
        resolve_format("evaluation", "table", Path("res.xlsx"))
    assert str(caught.value) == (
        '--format table does not match --output res.xlsx (a ".xlsx" file is xlsx); drop '
        "--format, or give the file a matching extension"
    )


def test_a_format_the_command_lacks_is_refused() -> None:
    with pytest.raises(UsageError, match="--format xlsx is not available here; use one of"):
        resolve_format("panel", "xlsx", Path("x.xlsx"))
    with pytest.raises(UsageError, match="this command does not write xlsx"):
        resolve_format("explanation", None, Path("x.xlsx"))


def test_check_o_xlsx_without_f_writes_a_workbook(tmp_path: Path) -> None:
    target = tmp_path / "res.xlsx"
    code, out, err = invoke("check", PANEL, "--plan", PLAN, "-o", target)
    assert code == 0, err
    assert out == ""
    assert target.read_bytes()[:4] == b"PK\x03\x04"


def test_check_refuses_f_table_with_an_xlsx_file(tmp_path: Path) -> None:
    target = tmp_path / "res.xlsx"
    code, _, err = invoke("check", PANEL, "--plan", PLAN, "-f", "table", "-o", target)
    assert code == 2
    assert "does not match --output" in err
    assert not target.exists()


def test_csv_for_excel_has_a_bom_and_csv_utf8_has_none(tmp_path: Path) -> None:
    excel, script = tmp_path / "excel.csv", tmp_path / "script.csv"
    assert invoke("check", PANEL, "--plan", PLAN, "-o", excel)[0] == 0
    assert invoke("check", PANEL, "--plan", PLAN, "-f", "csv-utf8", "-o", script)[0] == 0
    assert excel.read_bytes() == b"\xef\xbb\xbf" + script.read_bytes()
    assert script.read_bytes().startswith(b"id,name_zh,")
    # Standard output carries the same bytes as the file.
    _, out, _ = invoke("check", PANEL, "--plan", PLAN, "-f", "csv")
    assert out.encode("utf-8") == excel.read_bytes()


def test_inspect_and_validate_say_table_like_check_and_keep_text() -> None:
    _, table, _ = invoke("inspect", PANEL, "-f", "table")
    _, text, _ = invoke("inspect", PANEL, "-f", "text")
    assert table == text
    assert table.startswith("rows read      11\n")
    code, out, _ = invoke("validate", PLAN, "-f", "table")
    assert (code, out) == (0, "")
    code, out, _ = invoke("validate", PLAN, "-f", "json")
    assert json.loads(out)["files"] == [{"path": PLAN, "valid": True, "problems": []}]


@pytest.mark.parametrize("command", [["check"], ["inspect"], ["explain", "lbs_revenue"]])
def test_every_command_names_an_unknown_format_the_same_way(command: list[str]) -> None:
    code, _, err = invoke(*command, PANEL, "-f", "yaml")
    assert code == 2
    assert err == (
        'error: --format "yaml" is not one of table, json, csv, csv-utf8, markdown, xlsx\n'
    )


def test_explain_and_audit_write_json_to_a_file(tmp_path: Path) -> None:
    target = tmp_path / "ex.json"
    code, out, err = invoke("explain", "lbs_revenue", PANEL, "--plan", PLAN, "-o", target)
    assert code == 0, err
    assert out == ""
    assert json.loads(target.read_text(encoding="utf-8"))["indicator"]["id"] == "lbs_revenue"


def test_format_and_output_are_one_definition_on_every_command() -> None:
    """sqlite-utils' output_options: the same option, the same help, everywhere."""
    import typer.main

    group = typer.main.get_command(app)
    seen: dict[str, set[str]] = {"--format": set(), "--output": set()}
    for name in ("check", "explain", "audit-disclosure", "inspect", "validate"):
        command = group.commands[name]  # type: ignore[attr-defined]
        for param in command.params:
            for option in seen:
                if option in getattr(param, "opts", []):
                    seen[option].add(getattr(param, "help", "") or "")
    assert all(len(helps) == 1 for helps in seen.values()), seen
