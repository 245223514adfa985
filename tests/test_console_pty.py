"""Console mode in a real pseudo-terminal: Ctrl-C, Ctrl-D and /quit leave at once, cleanly."""

from __future__ import annotations

import os
import pty
import select
import signal
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pty")


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM_", "ADMIN_", "DATABASE_", "DEFAULT_", "LOG_"))}
    env.update({"DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
                "CONSOLE_DATABASE_PATH": str(tmp_path / "console.sqlite3"),
                "PYTHONUNBUFFERED": "1", "TERM": "xterm"})
    return env


class Console:
    """`run.py --console` on the child side of a pty; every wait is bounded."""

    def __init__(self, tmp_path: Path) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:  # the child: becomes the console
            os.chdir(REPO)
            os.execve(sys.executable, [sys.executable, "run.py", "--console"], _env(tmp_path))
        self.output = b""

    def read_until(self, marker: bytes, limit: float) -> bool:
        deadline = time.monotonic() + limit
        while marker not in self.output and time.monotonic() < deadline:
            ready, _, _ = select.select([self.fd], [], [], 0.05)
            if ready:
                try:
                    chunk = os.read(self.fd, 65536)
                except OSError:
                    return marker in self.output
                if not chunk:
                    break
                self.output += chunk
        return marker in self.output

    def exited_within(self, limit: float) -> int | None:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            self.read_until(b"\x00never", 0.05)
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status)
        return None

    def kill(self) -> None:
        try:
            os.kill(self.pid, signal.SIGKILL)
            os.waitpid(self.pid, 0)
        except (ProcessLookupError, ChildProcessError):
            pass
        os.close(self.fd)


@pytest.mark.parametrize("leave", [b"\x03", b"\x04", b"/quit\r"], ids=["ctrl-c", "ctrl-d", "quit"])
def test_console_leaves_at_once_without_a_traceback(tmp_path, leave):
    console = Console(tmp_path)
    try:
        assert console.read_until(b"you> ", 30), console.output.decode(errors="replace")
        os.write(console.fd, b"/start\r")
        assert console.read_until(b"Welcome to", 15)
        assert console.read_until(b"you> ", 15)
        started = time.monotonic()
        os.write(console.fd, leave)
        code = console.exited_within(2.0)
        took = time.monotonic() - started
        text = console.output.decode(errors="replace")
        assert code is not None, f"still running 2 s after {leave!r}:\n{text[-500:]}"
        assert took <= 2.0
        assert code == 0, text[-500:]
        assert "Traceback" not in text and "daily tick failed" not in text
        assert "\x1b[1mMagDaily\x1b[0m" in text  # bold rendered on a terminal
        assert "/tip" in text.split("Menu:", 1)[1].split("\n", 1)[0]  # the command menu
    finally:
        console.kill()
    assert not (tmp_path / "bot.sqlite3").exists()  # the console kept to its own database
