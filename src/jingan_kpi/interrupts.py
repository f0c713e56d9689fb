"""Signals that end a run (Ctrl-C's SIGINT, SIGTERM, SIGHUP) as an exception, so that every
``finally`` on the way out runs: atomic writes remove their temporary file, the temporary
directory of transcoded inputs is removed. (By default SIGTERM and SIGHUP end the process on
the spot and leave both behind.)

:func:`install` is called by the CLI's entry point (a library does not take over a program's
signals). :func:`hold` and :func:`release` bracket the few statements between creating a
temporary file and the ``try`` that removes it: a signal in between is kept and raised at
``release``, inside the ``try``. (Blocking the signal with ``pthread_sigmask`` would not do:
polars' worker threads would receive it instead, and Python runs the handler in the main
thread wherever it happens to be.)
"""

from __future__ import annotations

import signal
import sys

SIGNALS = ("SIGINT", "SIGTERM", "SIGHUP")


class Interrupted(KeyboardInterrupt):
    """A run ended by a signal; ``signum`` says which (exit code 128 + signum)."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


_state: dict[str, int] = {"held": 0, "pending": 0, "raised": 0}


def _on_signal(signum: int, _frame: object) -> None:
    if _state["held"]:
        _state["pending"] = _state["pending"] or signum
        return
    _raise(signum)


def _raise(signum: int) -> None:
    # Raised once: a second signal, or the same SIGINT seen again after polars has already
    # turned it into a KeyboardInterrupt (it watches Ctrl-C to cancel a query), must not cut
    # the clean-up of the first short.
    if _state["raised"] or isinstance(sys.exc_info()[1], KeyboardInterrupt):
        return
    _state["raised"] = signum
    raise Interrupted(signum)


def install() -> None:
    """Raise :class:`Interrupted` on SIGINT, SIGTERM and SIGHUP (those not ignored: under
    ``nohup`` SIGHUP stays ignored)."""
    _state.update(held=0, pending=0, raised=0)
    for name in SIGNALS:
        sig = getattr(signal, name, None)
        if sig is not None and signal.getsignal(sig) is not signal.SIG_IGN:
            signal.signal(sig, _on_signal)


def hold() -> None:
    """Keep an interrupting signal for :func:`release` instead of raising it now."""
    _state["held"] += 1


def release() -> None:
    """End a :func:`hold`; raise the signal that came meanwhile, if one did."""
    _state["held"] = max(0, _state["held"] - 1)
    if not _state["held"] and _state["pending"]:
        signum, _state["pending"] = _state["pending"], 0
        _raise(signum)
