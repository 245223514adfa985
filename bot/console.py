"""Console mode: chat with the bot in a terminal, no Telegram and no token needed.

Typed lines become Telegram updates in the in-process Bot API stand-in, and the very same
Application, handlers, tick and sender answer them, writing to the configured SQLite
file. The bot's messages and their buttons are printed; typing a button's number presses
it. Daily tips arrive here too, at the time set with /time.

The stand-in (the top-level ``standin`` package) is a development tool: the Docker image,
which runs with a real token, leaves it out. Asked for the console there, this module ends
the program with one line and exit code 2 (like every start-up problem) instead of a
traceback.
"""

from __future__ import annotations

import asyncio
import sys
from typing import TextIO

from telegram.ext import Application

from bot.app import attach_runtime, build_application, detach_runtime
from bot.config import Settings
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
Type a command such as /start, /tip or /foods almonds. Type a button's number to press it.
/quit or Ctrl-D leaves. (Set ADMIN_IDS={user} to try the admin commands.)
"""


class Transcript:
    """Prints what the bot sends and remembers the newest buttons so numbers can press them."""

    def __init__(self, standin: BotApiStandIn, out: TextIO) -> None:
        self._standin = standin
        self._out = out
        self._printed = 0
        self._notices = 0
        self._edits_seen: dict[tuple[int, int], int] = {}
        self.buttons: list[tuple[int, str]] = []  # (message_id, callback_data)
        self.changes = 0

    def _show(self, message: SentMessage, edited: bool) -> None:
        label = "bot (edited)" if edited else "bot"
        if message.media is not None:  # a chart or a CSV file: name and size, then caption
            size = len(message.file_bytes or b"")
            self._out.write(f"\n[{label} sent a {message.media}: {message.file_name}, "
                            f"{size:,} bytes]")
        self._out.write(f"\n[{label}] {message.text}\n")
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
                       catalog: list[Tip]) -> Application:  # type: ignore[type-arg]
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
    transcript = Transcript(standin, out)
    loop = asyncio.get_running_loop()
    async with application:
        await attach_runtime(application, settings, catalog=catalog, background=True)
        try:
            assert application.updater is not None
            await application.updater.start_polling(poll_interval=0.0, timeout=1)
            await application.start()
            out.write(BANNER.format(user=CONSOLE_USER))
            out.flush()
            printer = asyncio.create_task(_printer(transcript))
            try:
                await _chat(stdin, out, standin, transcript, loop)
            finally:
                printer.cancel()
            await application.updater.stop()
            await application.stop()
        finally:
            await detach_runtime(application)
    out.write("\nbye\n")
    out.flush()
    return 0


async def _chat(stdin: TextIO, out: TextIO, standin: BotApiStandIn, transcript: Transcript,
                loop: asyncio.AbstractEventLoop) -> None:
    while True:  # one turn per typed line; ends on EOF or /quit
        out.write("\nyou> ")
        out.flush()
        line = await loop.run_in_executor(None, stdin.readline)
        if not line:
            break
        text = line.strip()
        if text in ("/quit", "/exit"):
            break
        if not text:
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
