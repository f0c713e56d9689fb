"""The command-line adapter: each command parses options, makes one library call, renders the
result and maps exceptions to exit codes (contract §6). Nothing is computed here.

Exit codes: 0 done; 1 done and found problems (``validate``; ``check --fail-on``); 2 the input is
wrong (:class:`~jingan_kpi.errors.InputError`); 3 the tool itself failed (a bug).
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Callable
from functools import wraps
from typing import Annotated, Any, TypeVar

import typer

from jingan_kpi import interrupts
from jingan_kpi.errors import InputError

EXIT_OK, EXIT_PROBLEMS, EXIT_INPUT, EXIT_BUG = 0, 1, 2, 3
ISSUE_URL = "the jingan-kpi issue tracker"

app = typer.Typer(
    name="jingan-kpi",
    help="Check enterprise revenue panels against a district plan's targets: every indicator "
    "computed, every target assessed (the shipped plan, or any plan file given with --plan).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)

_state: dict[str, bool] = {"debug": False}

F = TypeVar("F", bound=Callable[..., Any])


def err(message: str) -> None:
    """A diagnostic line on stderr (results go to stdout)."""
    print(message, file=sys.stderr, flush=True)


def guarded(func: F) -> F:
    """Map library exceptions to exit codes: InputError → 2, anything unexpected → 3.

    Under ``--debug`` the traceback is shown instead of the one-line summary.
    """

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (typer.Exit, typer.Abort, SystemExit):
            raise
        except InputError as exc:
            if _state["debug"]:
                raise
            for problem in exc.problems:
                err(problem.format())
            # A lone problem that already says it all needs no summary line after it.
            if not (len(exc.problems) == 1 and str(exc) == exc.problems[0].message):
                err(f"error: {exc}")
            raise typer.Exit(EXIT_INPUT) from None
        except BrokenPipeError:
            # `jingan-kpi check ... | head`: the reader went away; not an error of ours.
            _silence_stdout()
            raise typer.Exit(EXIT_OK) from None
        except KeyboardInterrupt as exc:
            # Every file being written was removed on the way here (atomic writes, the
            # temporary directory); the exit code is the shell's for that signal.
            signum = exc.signum if isinstance(exc, interrupts.Interrupted) else signal.SIGINT
            err(f"interrupted ({signal.Signals(signum).name}); files being written were removed")
            raise typer.Exit(128 + signum) from None
        except Exception as exc:
            if _state["debug"]:
                raise
            summary = f"{type(exc).__name__}: {exc}".splitlines()[0][:300]
            err(
                f"internal error (a bug in jingan-kpi, not in your data): {summary}. "
                f"Please report it on {ISSUE_URL} with the command you ran; "
                "run again with --debug to see the traceback."
            )
            raise typer.Exit(EXIT_BUG) from None

    return wrapper  # type: ignore[return-value]


def _silence_stdout() -> None:
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except OSError:
        pass


def _version(value: bool) -> None:
    if value:
        from jingan_kpi import __version__

        print(f"jingan-kpi {__version__}")
        raise typer.Exit(EXIT_OK)


@app.callback()
def _root(
    debug: Annotated[
        bool, typer.Option("--debug", help="Show Python tracebacks instead of one-line errors.")
    ] = False,
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Print the version."),
    ] = False,
) -> None:
    _state["debug"] = debug


# Commands are registered by the modules below, each a thin adapter over one library call.
# (Imported for their side effect of registering on ``app``; they import heavy libraries lazily.)
from jingan_kpi.cli import check_commands, panel_commands, plan_commands  # noqa: E402,F401
from jingan_kpi.cli import report_commands as report_commands  # noqa: E402


def main() -> None:
    """Console-script entry point."""
    interrupts.install()
    try:
        app(prog_name="jingan-kpi")
    except BrokenPipeError:
        _silence_stdout()
        sys.exit(EXIT_OK)
    except KeyboardInterrupt as exc:
        # Outside a command (start-up, --debug): the same exit code, no traceback.
        signum = exc.signum if isinstance(exc, interrupts.Interrupted) else signal.SIGINT
        print(f"interrupted ({signal.Signals(signum).name})", file=sys.stderr)
        sys.exit(128 + signum)
    except Exception as exc:
        # Only under --debug does an exception get here (``guarded`` maps all others): show
        # its traceback, and keep the exit code contract (2 input, 3 bug), never Python's 1.
        import traceback

        traceback.print_exc()
        sys.exit(EXIT_INPUT if isinstance(exc, InputError) else EXIT_BUG)
