"""Open an HTML file in a real headless Chromium with the network disabled, and report what the
page did: every request, every console message and exception, and values computed in the page.

Drives the browser over the DevTools protocol on a pipe (``--remote-debugging-pipe``: JSON
messages separated by NUL on file descriptors 3 and 4), so it needs no Python package, only a
Chromium binary: Debian's ``chromium`` (``apt-get install chromium fonts-noto-cjk``), or the one
named by ``JINGAN_KPI_BROWSER``.

Run as a script it makes the README's screenshot (the top 2,400 CSS pixels of the page)::

    SOURCE_DATE_EPOCH=1764633600 jingan-kpi report data/samples/panel_2024_2026.csv \
        --reference data/samples/reference.csv --output /tmp/report.html
    python tests/report/browser.py /tmp/report.html docs/report.png 2400
"""

from __future__ import annotations

import base64
import fcntl
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

INSTALL_HINT = (
    "no headless browser found: install Debian's chromium (apt-get install -y chromium "
    "fonts-noto-cjk) or set JINGAN_KPI_BROWSER to a Chromium/Chrome binary"
)


def find_browser() -> str | None:
    """The Chromium binary to use, or None."""
    named = os.environ.get("JINGAN_KPI_BROWSER")
    if named:
        return named
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


@dataclass
class PageReport:
    requests: list[str] = field(default_factory=list)
    """Every URL the page asked for (the document itself included)."""
    failed: list[str] = field(default_factory=list)
    console: list[tuple[str, str]] = field(default_factory=list)
    """(level, text) of every console message, log entry and uncaught exception."""
    value: Any = None
    """What ``expression`` evaluated to in the loaded page."""
    screenshot: bytes | None = None

    @property
    def errors(self) -> list[str]:
        return [text for level, text in self.console if level in ("error", "exception")]


class _Pipe:
    def __init__(self, proc: subprocess.Popen[bytes], write_fd: int, read_fd: int) -> None:
        self.proc, self.write_fd, self.read_fd = proc, write_fd, read_fd
        self.buffer = b""
        self.next_id = 0
        self.events: list[dict[str, Any]] = []

    def send(
        self, method: str, params: dict[str, Any] | None = None, session: str | None = None
    ) -> dict[str, Any]:
        self.next_id += 1
        msg: dict[str, Any] = {"id": self.next_id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = session
        os.write(self.write_fd, json.dumps(msg).encode() + b"\0")
        wanted = self.next_id
        while True:
            reply = self._read(timeout=60)
            if reply.get("id") == wanted:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return dict(reply.get("result", {}))
            self.events.append(reply)

    def wait_for(self, method: str, timeout: float = 60) -> dict[str, Any]:
        for event in self.events:
            if event.get("method") == method:
                return event
        deadline = time.monotonic() + timeout
        while True:
            event = self._read(timeout=max(0.1, deadline - time.monotonic()))
            self.events.append(event)
            if event.get("method") == method:
                return event

    def _read(self, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while b"\0" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0 or self.proc.poll() is not None:
                raise TimeoutError("the browser did not answer")
            ready, _, _ = select.select([self.read_fd], [], [], left)
            if ready:
                chunk = os.read(self.read_fd, 1 << 20)
                if not chunk:
                    raise RuntimeError("the browser closed the pipe")
                self.buffer += chunk
        raw, self.buffer = self.buffer.split(b"\0", 1)
        return dict(json.loads(raw))


def open_page(
    html: Path,
    expression: str = "null",
    *,
    screenshot: bool = False,
    width: int = 1100,
    max_height: int | None = None,
    print_media: bool = False,
) -> PageReport:
    """Load ``html`` (a file) offline and evaluate ``expression`` (JSON-able) in the page."""
    browser = find_browser()
    if browser is None:
        raise FileNotFoundError(INSTALL_HINT)
    report = PageReport()
    with tempfile.TemporaryDirectory() as profile:
        to_browser_r, to_browser_w = os.pipe()
        from_browser_r, from_browser_w = os.pipe()
        args = [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-extensions",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--mute-audio",
            # Network disabled: every host resolves to nothing and any proxy use goes nowhere.
            "--host-resolver-rules=MAP * ~NOTFOUND",
            "--proxy-server=127.0.0.1:9",
            f"--user-data-dir={profile}",
            "--remote-debugging-pipe",
            "about:blank",
        ]

        # The browser reads commands on fd 3 and writes replies on fd 4: copies above 10 (closed
        # on exec) are moved there in the child, whatever numbers the pipes got here.
        high_r = fcntl.fcntl(to_browser_r, fcntl.F_DUPFD_CLOEXEC, 10)
        high_w = fcntl.fcntl(from_browser_w, fcntl.F_DUPFD_CLOEXEC, 10)

        def child_fds() -> None:
            os.dup2(high_r, 3)
            os.dup2(high_w, 4)

        proc = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=False,
            preexec_fn=child_fds,
        )
        for fd in (to_browser_r, from_browser_w, high_r, high_w):
            os.close(fd)
        pipe = _Pipe(proc, to_browser_w, from_browser_r)
        try:
            target = pipe.send("Target.createTarget", {"url": "about:blank"})["targetId"]
            session = pipe.send("Target.attachToTarget", {"targetId": target, "flatten": True})[
                "sessionId"
            ]
            for domain in ("Page", "Network", "Runtime", "Log"):
                pipe.send(f"{domain}.enable", session=session)
            pipe.send(
                "Emulation.setDeviceMetricsOverride",
                {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": False},
                session=session,
            )
            if print_media:
                pipe.send("Emulation.setEmulatedMedia", {"media": "print"}, session=session)
            pipe.send("Page.navigate", {"url": html.resolve().as_uri()}, session=session)
            pipe.wait_for("Page.loadEventFired")
            # Let late resources and console messages arrive.
            time.sleep(0.3)
            result = pipe.send(
                "Runtime.evaluate",
                {"expression": f"JSON.stringify({expression})", "returnByValue": True},
                session=session,
            )
            if "exceptionDetails" in result:
                raise RuntimeError(
                    f"evaluating the expression failed: {result['exceptionDetails']}"
                )
            report.value = json.loads(result["result"]["value"])
            if screenshot:
                metrics = pipe.send("Page.getLayoutMetrics", session=session)
                size = metrics.get("cssContentSize") or metrics["contentSize"]
                shot = pipe.send(
                    "Page.captureScreenshot",
                    {
                        "format": "png",
                        "captureBeyondViewport": True,
                        "clip": {
                            "x": 0,
                            "y": 0,
                            "width": width,
                            "height": min(size["height"], max_height or size["height"]),
                            "scale": 1,
                        },
                    },
                    session=session,
                )
                report.screenshot = base64.b64decode(shot["data"])
            pipe.send("Browser.close")
        finally:
            os.close(to_browser_w)
            os.close(from_browser_r)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    for event in pipe.events:
        method, params = event.get("method"), event.get("params", {})
        if method == "Network.requestWillBeSent":
            report.requests.append(params["request"]["url"])
        elif method == "Network.loadingFailed":
            report.failed.append(f"{params.get('errorText')} ({params.get('requestId')})")
        elif method == "Runtime.consoleAPICalled":
            text = " ".join(str(a.get("value", a.get("description", ""))) for a in params["args"])
            report.console.append((params["type"], text))
        elif method == "Runtime.exceptionThrown":
            report.console.append(("exception", json.dumps(params["exceptionDetails"])))
        elif method == "Log.entryAdded":
            entry = params["entry"]
            report.console.append((entry["level"], f"{entry.get('url', '')}: {entry['text']}"))
    return report


if __name__ == "__main__":
    page, out = Path(sys.argv[1]), Path(sys.argv[2])
    height = int(sys.argv[3]) if len(sys.argv) > 3 else None
    shot = open_page(page, screenshot=True, max_height=height)
    assert shot.screenshot is not None
    out.write_bytes(shot.screenshot)
    print(f"wrote {out} ({len(shot.screenshot):,} bytes); errors: {shot.errors or 'none'}")
