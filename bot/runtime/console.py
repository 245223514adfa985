"""Console mode: chat with the bot in a terminal, no Telegram and no token needed.

Typed lines become Telegram updates in the in-process Bot API stand-in, and the very same
Application, handlers, tick and sender answer them, writing to the configured SQLite
file. The bot's messages and their buttons are printed (bold and italics in ANSI on a
terminal); typing a button's number presses it, "/reply N text" answers the bot's message
#N, "/location LAT LON" shares a location. Daily tips arrive here too, at the time set.

It uses its own database (CONSOLE_DATABASE_PATH, default data/console.sqlite3; see
bot.cli), so trying the bot never adds a fake subscriber to the real one. Ctrl-C, Ctrl-D
and /quit all leave at once: input is read from the terminal's file descriptor in the
event loop (not a thread that would wait for Enter), and SIGINT just sets a quit flag.

The stand-in (the top-level ``standin`` package) is a development tool: the Docker image,
which runs with a real token, leaves it out. Asked for the console there, this module ends
the program with one line and exit code 2 (like every start-up problem) instead of a
traceback.
"""

from __future__ import annotations

import asyncio
import contextlib
import html
import os
import re
import signal
import sys
from collections.abc import AsyncIterator
from typing import TextIO

from bot.core.config import Settings
from bot.core.telegram_app import TelegramApp
from bot.runtime.app import attach_runtime, build_application, detach_runtime
from tips.catalog import Tip

try:
    from standin import BotApiStandIn, SentMessage, StandInRequest
except ModuleNotFoundError as missing:
    if missing.name != "standin":
        raise
    print("magdaily: console mode needs the Bot API stand-in (the standin package), which this "
          "installation leaves out; run it from a source checkout with `make run`",
          file=sys.stderr)
    raise SystemExit(2) from None

CONSOLE_USER = 1000
QUIET_PERIOD = 0.25  # seconds without new output that count as "the bot has answered"
ANSWER_TIMEOUT = 10.0

BANNER = """\
MagDaily console — you are chatting with the bot as user {user} (no Telegram involved).
Database: {database} (the console's own, not the bot's).
Menu: {menu}
Type a command such as /start, /tip or /foods almonds. Type a button's number to press it.
/reply N text answers the bot's message #N; /location 48.14 11.58 shares a location.
/quit, Ctrl-D or Ctrl-C leaves. Admin commands: run with ADMIN_IDS={user} make run
"""

_ANSI = {"b": "\033[1m", "strong": "\033[1m", "i": "\033[3m", "em": "\033[3m",
         "u": "\033[4m", "code": "\033[36m", "pre": "\033[36m"}
_TAG = re.compile(r"<(/?)([a-z\-]+)[^>]*>")


def render_html(raw: str, color: bool) -> str:
    """Telegram HTML for a terminal: ANSI bold/italics/code with `color`, plain without."""
    def tag(match: re.Match[str]) -> str:
        closing, name = match.group(1), match.group(2)
        if not color or name not in _ANSI:
            return ""
        return "\033[0m" if closing else _ANSI[name]

    return html.unescape(_TAG.sub(tag, raw))


class Transcript:
    """Prints what the bot sends and remembers the newest buttons so numbers can press them."""

    def __init__(self, standin: BotApiStandIn, out: TextIO, color: bool = False) -> None:
        self._standin = standin
        self._out = out
        self._color = color
        self._printed = 0
        self._notices = 0
        self._edits_seen: dict[tuple[int, int], int] = {}
        self.buttons: list[tuple[int, str]] = []  # (message_id, callback_data)
        self.changes = 0

    def _show(self, message: SentMessage, edited: bool) -> None:
        label = f"bot #{message.message_id}" + (" (edited)" if edited else "")
        if message.media is not None:  # a chart or a CSV file: name and size, then caption
            size = len(message.file_bytes or b"")
            self._out.write(f"\n[{label} sent a {message.media}: {message.file_name}, "
                            f"{size:,} bytes]")
        text = render_html(message.raw_text, self._color) if message.raw_text else message.text
        self._out.write(f"\n[{label}] {text}\n")
        keyboard = (message.reply_markup or {}).get("keyboard")
        if keyboard:  # a reply keyboard: its buttons are typed (or /location)
            labels = [b.get("text", "") for row in keyboard for b in row]
            self._out.write("   keyboard: " + "   ".join(f"[{t}]" for t in labels) + "\n")
        numbered: list[tuple[int, str]] = []
        for row in message.inline_keyboard:
            cells = []
            for button in row:
                if "callback_data" not in button:
                    continue
                numbered.append((message.message_id, button["callback_data"]))
                cells.append(f"[{len(numbered)}] {button['text']}")
            if cells:
                self._out.write("   " + "   ".join(cells) + "\n")
        if numbered:
            self.buttons = numbered
        self._out.flush()

    def poll(self) -> None:
        answers = self._standin.answered_callbacks
        for answer in answers[self._notices:]:
            if answer.text:
                self._out.write(f"\n[bot notice] {answer.text}\n")
                self.changes += 1
        self._notices = len(answers)
        sent = [m for m in self._standin.sent if m.chat_id == CONSOLE_USER]
        for message in sent[self._printed:]:
            self._show(message, edited=False)
            self._edits_seen[(message.chat_id, message.message_id)] = len(message.edits)
            self.changes += 1
        self._printed = len(sent)
        for message in sent:
            key = (message.chat_id, message.message_id)
            if len(message.edits) > self._edits_seen.get(key, 0):
                self._edits_seen[key] = len(message.edits)
                self._show(message, edited=True)
                self.changes += 1


async def _wait_for_answer(standin: BotApiStandIn, transcript: Transcript) -> None:
    """Wait until the update was taken and the output has gone quiet (bounded).

    Piped input then reads like a conversation: each line's answer is printed before
    the next line is sent.
    """
    loop = asyncio.get_running_loop()
    started = seen = transcript.changes
    last_change = loop.time()
    deadline = last_change + ANSWER_TIMEOUT
    while loop.time() < deadline:
        await asyncio.sleep(0.05)
        transcript.poll()
        if transcript.changes != seen:
            last_change, seen = loop.time(), transcript.changes
        quiet_needed = QUIET_PERIOD if seen != started else 1.0
        if standin.updates_pending == 0 and loop.time() - last_change >= quiet_needed:
            return


async def _printer(transcript: Transcript) -> None:
    while True:
        transcript.poll()
        await asyncio.sleep(0.2)


def _start_application(settings: Settings, standin: BotApiStandIn,
                       catalog: list[Tip]) -> TelegramApp:
    return build_application(
        settings, request=StandInRequest(standin), updates_request=StandInRequest(standin),
        catalog=catalog,
    )


async def run_console(settings: Settings, catalog: list[Tip], stdin: TextIO | None = None,
                      out: TextIO | None = None) -> int:
    stdin = stdin or sys.stdin
    out = out or sys.stdout
    standin = BotApiStandIn()
    application = _start_application(settings, standin, catalog)
    color = bool(getattr(out, "isatty", lambda: False)()) and not os.environ.get("NO_COLOR")
    transcript = Transcript(standin, out, color)
    loop = asyncio.get_running_loop()
    quit_now = asyncio.Event()
    with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
        loop.add_signal_handler(signal.SIGINT, quit_now.set)
    async with application:
        await attach_runtime(application, settings, catalog=catalog, background=True)
        try:
            assert application.updater is not None
            await application.updater.start_polling(poll_interval=0.0, timeout=1)
            await application.start()
            menu = " ".join(f"/{c['command']}" for c in standin.commands_for("default") or [])
            out.write(BANNER.format(user=CONSOLE_USER, menu=menu,
                                    database=settings.database_path))
            out.flush()
            printer = asyncio.create_task(_printer(transcript))
            chat = asyncio.create_task(_chat(stdin, out, standin, transcript, loop))
            stop = asyncio.create_task(quit_now.wait())
            try:
                await asyncio.wait({chat, stop}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in (printer, chat, stop):
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await task
            standin.release_pollers()
            await application.updater.stop()
            await application.stop()
        finally:
            with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
                loop.remove_signal_handler(signal.SIGINT)
            await detach_runtime(application)
    out.write("\nbye\n")
    out.flush()
    return 0


async def _lines(stdin: TextIO, loop: asyncio.AbstractEventLoop) -> AsyncIterator[str]:
    """Typed lines, read in the event loop from the file descriptor when there is one.

    A thread blocked in readline() would keep the process waiting for Enter after Ctrl-C;
    a reader on the descriptor is simply dropped. Objects without one (tests) use a thread.
    """
    try:
        fd = stdin.fileno()
    except (AttributeError, OSError, ValueError):
        fd = -1
    if fd < 0:
        while line := await loop.run_in_executor(None, stdin.readline):
            yield line
        return
    buffer, ready = b"", asyncio.Event()
    loop.add_reader(fd, ready.set)
    try:
        while True:
            while b"\n" not in buffer:
                ready.clear()
                await ready.wait()
                try:
                    chunk = os.read(fd, 4096)
                except BlockingIOError:
                    continue
                if not chunk:  # Ctrl-D / end of input
                    if buffer:
                        yield buffer.decode("utf-8", "replace")
                    return
                buffer += chunk
            raw, buffer = buffer.split(b"\n", 1)
            yield raw.decode("utf-8", "replace") + "\n"
    finally:
        loop.remove_reader(fd)


def _console_command(text: str, standin: BotApiStandIn, out: TextIO) -> bool:
    """/reply N text and /location LAT LON; True when the line was one of them."""
    parts = text.split(maxsplit=2)
    if parts[0] == "/reply":
        if len(parts) < 3 or not parts[1].lstrip("#").isdigit():
            out.write("(usage: /reply N text — N is the bot message's #number, e.g. "
                      "/reply 12 /broadcast)\n")
            return True
        standin.user_sends(CONSOLE_USER, parts[2], first_name="Console",
                           reply_to=int(parts[1].lstrip("#")))
        return True
    if parts[0] == "/location":
        try:
            latitude, longitude = float(parts[1]), float(parts[2])
        except (IndexError, ValueError):
            out.write("(usage: /location LAT LON, e.g. /location 48.14 11.58)\n")
            return True
        standin.user_sends_location(CONSOLE_USER, latitude, longitude, first_name="Console")
        return True
    return False


async def _chat(stdin: TextIO, out: TextIO, standin: BotApiStandIn, transcript: Transcript,
                loop: asyncio.AbstractEventLoop) -> None:
    lines = _lines(stdin, loop)
    while True:  # one turn per typed line; ends on EOF or /quit
        out.write("\nyou> ")
        out.flush()
        line = await anext(lines, "")
        if not line:
            break
        text = line.strip()
        if text in ("/quit", "/exit"):
            break
        if not text:
            continue
        if text.startswith(("/reply", "/location")) and _console_command(text, standin, out):
            await _wait_for_answer(standin, transcript)
            continue
        if text.isdigit() and transcript.buttons:
            index = int(text) - 1
            if not 0 <= index < len(transcript.buttons):
                out.write(f"(no button {text}; choose 1–{len(transcript.buttons)})\n")
                continue
            message_id, data = transcript.buttons[index]
            standin.user_presses(CONSOLE_USER, message_id, data, strict=False)
        else:
            standin.user_sends(CONSOLE_USER, text, first_name="Console")
        await _wait_for_answer(standin, transcript)
