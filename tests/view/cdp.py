"""Headless Chromium driven over the Chrome DevTools Protocol (CDP) on a local websocket.

A small synchronous client: enough to open a page, run JavaScript in the page and in the
view's iframe, press keys, type text and take screenshots. The tests use Chromium from
Debian's `chromium` package; no browser is downloaded.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import signal
import subprocess
import time
from collections import deque
from pathlib import Path
from typing import Any

from websockets.sync.client import ClientConnection, connect

# Chromium writes the port and path of its DevTools endpoint to this file in the profile folder.
DEVTOOLS_PORT_FILE = "DevToolsActivePort"
START_TIMEOUT_SECONDS = 20.0
COMMAND_TIMEOUT_SECONDS = 15.0

# Keys as Input.dispatchKeyEvent expects them: key, code, Windows virtual key code, text.
KEYS = {
    "Tab": ("Tab", "Tab", 9, None),
    "Enter": ("Enter", "Enter", 13, "\r"),
    "Space": (" ", "Space", 32, " "),
    "ArrowLeft": ("ArrowLeft", "ArrowLeft", 37, None),
    "ArrowRight": ("ArrowRight", "ArrowRight", 39, None),
}


class CdpError(RuntimeError):
    """A DevTools command failed, timed out, or the page threw."""


class ViewNotLoaded(CdpError):
    """The host page has no iframe yet, or the iframe has not loaded the view yet."""


class Browser:
    """A headless Chromium process and a CDP connection to it."""

    def __init__(
        self, process: subprocess.Popen[bytes], connection: ClientConnection, log_path: Path
    ) -> None:
        self.process = process
        self.connection = connection
        self.log_path = log_path
        self._next_id = 0
        self._events: deque[dict[str, Any]] = deque()

    @classmethod
    def launch(cls, executable: Path, profile_dir: Path) -> Browser:
        """Start Chromium with a fresh profile in `profile_dir` and connect to its DevTools endpoint."""
        profile_dir.mkdir(parents=True, exist_ok=True)
        log_path = profile_dir / "chromium.log"
        arguments = [
            str(executable),
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--no-default-browser-check",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            # Every host name except 127.0.0.1 fails to resolve, so the browser reaches nothing else.
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
            f"--user-data-dir={profile_dir}",
            "--remote-debugging-port=0",
            "about:blank",
        ]
        with log_path.open("wb") as log:
            # A session of its own lets stop() end Chromium's helper processes with it.
            process = subprocess.Popen(
                arguments, stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True
            )
        try:
            url = _wait_for_devtools_url(profile_dir / DEVTOOLS_PORT_FILE, process, log_path)
            # Entering the connection as a context manager is what websockets 17.1 and later expect.
            connection = connect(url, max_size=None, open_timeout=START_TIMEOUT_SECONDS).__enter__()
        except BaseException:
            _end_process_group(process)
            raise
        return cls(process, connection, log_path)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.connection.close()
        _end_process_group(self.process)

    def send(self, method: str, params: dict[str, Any] | None = None, session: str | None = None) -> Any:
        """Send one command and return its result. Events that arrive meanwhile are queued."""
        self._next_id += 1
        command_id = self._next_id
        message: dict[str, Any] = {"id": command_id, "method": method, "params": params or {}}
        if session:
            message["sessionId"] = session
        self.connection.send(json.dumps(message))
        deadline = time.monotonic() + COMMAND_TIMEOUT_SECONDS
        while True:
            data = self._receive(deadline, f"{method} timed out after {COMMAND_TIMEOUT_SECONDS} s")
            if data.get("id") == command_id:
                if "error" in data:
                    raise CdpError(f"{method} failed: {data['error']}")
                return data.get("result", {})
            self._events.append(data)

    def drain_events(self) -> list[dict[str, Any]]:
        """Return the queued events plus those already waiting on the socket, and clear the queue."""
        while True:
            try:
                raw = self.connection.recv(timeout=0)
            except TimeoutError:
                break
            self._events.append(json.loads(raw))
        events = list(self._events)
        self._events.clear()
        return events

    def wait_for_event(self, method: str, session: str | None, timeout: float) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            for event in list(self._events):
                if event.get("method") == method and event.get("sessionId") == session:
                    self._events.remove(event)
                    return event
            self._events.append(self._receive(deadline, f"no {method} event within {timeout} s"))

    def _receive(self, deadline: float, timeout_message: str) -> dict[str, Any]:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise CdpError(timeout_message)
        try:
            return json.loads(self.connection.recv(timeout=remaining))
        except TimeoutError:
            raise CdpError(timeout_message) from None

    def open_page(self, width: int, height: int) -> Page:
        """Open a new tab of the given viewport size, with iframes auto-attached."""
        target = self.send("Target.createTarget", {"url": "about:blank"})
        attached = self.send("Target.attachToTarget", {"targetId": target["targetId"], "flatten": True})
        page = Page(self, target["targetId"], attached["sessionId"])
        page.setup(width, height)
        return page


class Page:
    """One tab: the host page at the top and the view in its iframe."""

    def __init__(self, browser: Browser, target_id: str, session: str) -> None:
        self.browser = browser
        self.target_id = target_id
        self.session = session
        self.exceptions: list[str] = []
        self.console_messages: list[str] = []
        self._frame_session: str | None = None
        self._frame_context: int | None = None

    def send(self, method: str, params: dict[str, Any] | None = None) -> Any:
        return self.browser.send(method, params, self.session)

    def setup(self, width: int, height: int) -> None:
        self.send("Page.enable")
        self.send("Runtime.enable")
        self.send("Emulation.setFocusEmulationEnabled", {"enabled": True})
        self.resize(width, height)
        # An iframe from another site can run in its own process (site isolation). Auto-attach
        # gives such a frame its own session, which evaluate_in_view() then uses.
        self.send(
            "Target.setAutoAttach", {"autoAttach": True, "waitForDebuggerOnStart": False, "flatten": True}
        )

    def resize(self, width: int, height: int) -> None:
        self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )

    def navigate(self, url: str) -> None:
        self.send("Page.navigate", {"url": url})
        self.browser.wait_for_event("Page.loadEventFired", self.session, COMMAND_TIMEOUT_SECONDS)

    def close(self) -> None:
        with contextlib.suppress(CdpError):
            self.browser.send("Target.closeTarget", {"targetId": self.target_id})

    # ---- JavaScript ----

    def evaluate(self, expression: str) -> Any:
        """Evaluate in the host page and return the value (promises are awaited)."""
        return self._evaluate(expression, session=self.session)

    def evaluate_in_view(self, expression: str) -> Any:
        """Evaluate against the view's document, in the iframe.

        The expression can read the iframe's DOM. When the iframe runs in the page's process it runs
        in an isolated world, so it shares the DOM but not the view's JavaScript variables.
        """
        self._collect_events()
        if self._frame_session:
            return self._evaluate(expression, session=self._frame_session)
        if self._frame_context is not None:
            try:
                return self._evaluate(expression, session=self.session, context=self._frame_context)
            except CdpError as error:
                # The iframe navigated since the world was made, which destroys the world.
                if "Cannot find context" not in str(error):
                    raise
        self._frame_context = self._isolated_world_in_view()
        return self._evaluate(expression, session=self.session, context=self._frame_context)

    def _isolated_world_in_view(self) -> int:
        tree = self.send("Page.getFrameTree")["frameTree"]
        children = tree.get("childFrames") or []
        if not children or children[0]["frame"].get("url", "about:blank") == "about:blank":
            raise ViewNotLoaded("the host page has not loaded the view into its iframe yet")
        world = self.send(
            "Page.createIsolatedWorld", {"frameId": children[0]["frame"]["id"], "worldName": "view-test"}
        )
        return world["executionContextId"]

    def _evaluate(self, expression: str, session: str, context: int | None = None) -> Any:
        params: dict[str, Any] = {"expression": expression, "returnByValue": True, "awaitPromise": True}
        if context is not None:
            params["contextId"] = context
        result = self.browser.send("Runtime.evaluate", params, session)
        if "exceptionDetails" in result:
            raise CdpError(f"{expression!r} threw: {result['exceptionDetails']}")
        return result["result"].get("value")

    def wait_in_view(self, expression: str, timeout: float = 10.0) -> Any:
        """Poll a view expression until it returns a truthy value, and return that value."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                value = self.evaluate_in_view(expression)
            except ViewNotLoaded:
                value = None
            if value:
                return value
            if time.monotonic() > deadline:
                raise CdpError(f"timed out after {timeout} s waiting for {expression!r}")
            time.sleep(0.05)

    def wait_in_host(self, expression: str, timeout: float = 10.0) -> Any:
        deadline = time.monotonic() + timeout
        while True:
            value = self.evaluate(expression)
            if value:
                return value
            if time.monotonic() > deadline:
                raise CdpError(f"timed out after {timeout} s waiting for {expression!r}")
            time.sleep(0.05)

    def _collect_events(self) -> None:
        for event in self.browser.drain_events():
            method = event.get("method")
            if method == "Target.attachedToTarget" and event["params"]["targetInfo"]["type"] == "iframe":
                self._frame_session = event["params"]["sessionId"]
                self.browser.send("Runtime.enable", None, self._frame_session)
            elif method == "Runtime.exceptionThrown":
                details = event["params"]["exceptionDetails"]
                self.exceptions.append(str(details.get("exception", {}).get("description") or details))
            elif method == "Runtime.consoleAPICalled":
                arguments = event["params"].get("args", [])
                self.console_messages.append(" ".join(str(item.get("value", "")) for item in arguments))

    def uncaught_exceptions(self) -> list[str]:
        self._collect_events()
        return list(self.exceptions)

    def console_output(self) -> list[str]:
        self._collect_events()
        return list(self.console_messages)

    # ---- Keyboard and screenshots ----

    def press(self, name: str, shift: bool = False) -> None:
        key, code, key_code, text = KEYS[name]
        modifiers = 8 if shift else 0
        down: dict[str, Any] = {
            "type": "keyDown" if text else "rawKeyDown",
            "key": key,
            "code": code,
            "windowsVirtualKeyCode": key_code,
            "modifiers": modifiers,
        }
        if text:
            down["text"] = text
        self.send("Input.dispatchKeyEvent", down)
        self.send(
            "Input.dispatchKeyEvent",
            {
                "type": "keyUp",
                "key": key,
                "code": code,
                "windowsVirtualKeyCode": key_code,
                "modifiers": modifiers,
            },
        )

    def type_text(self, text: str) -> None:
        """Type into the focused element, as an input method would."""
        self.send("Input.insertText", {"text": text})

    def type_character(self, character: str) -> None:
        """Press one printable key, for example to pick a select option by its first letter."""
        params = {"key": character, "text": character, "unmodifiedText": character}
        self.send("Input.dispatchKeyEvent", {"type": "keyDown", **params})
        self.send("Input.dispatchKeyEvent", {"type": "keyUp", "key": character})

    def screenshot(self, path: Path) -> Path:
        """Save a PNG of the whole host page, grown to the height of its content."""
        height = int(self.evaluate("Math.ceil(document.documentElement.scrollHeight)"))
        width = int(self.evaluate("window.innerWidth"))
        self.resize(width, max(height, 200))
        data = self.send("Page.captureScreenshot", {"format": "png"})["data"]
        path.write_bytes(base64.b64decode(data))
        return path


def _wait_for_devtools_url(port_file: Path, process: subprocess.Popen[bytes], log_path: Path) -> str:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise CdpError(f"Chromium exited with code {process.returncode}. Its output is in {log_path}")
        if port_file.exists():
            lines = port_file.read_text().splitlines()
            if len(lines) >= 2:
                return f"ws://127.0.0.1:{lines[0]}{lines[1]}"
        time.sleep(0.05)
    raise CdpError(
        f"Chromium did not open its DevTools port within {START_TIMEOUT_SECONDS} s. Its output is in {log_path}"
    )


def _end_process_group(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
    # Helper processes may outlive the browser process by a moment, so end the rest of the group.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
