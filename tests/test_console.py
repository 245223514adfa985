"""Console mode in-process: replying to a bot message, sharing a location, plain output."""

from __future__ import annotations

import io

from bot.core.config import Settings
from bot.runtime.console import CONSOLE_USER, render_html, run_console
from tips.catalog import load_catalog


async def test_reply_mode_broadcast_and_location_from_the_console(tmp_path):
    settings = Settings(token=None, database_path=tmp_path / "console.sqlite3",
                        admin_ids=frozenset({CONSOLE_USER}))
    script = ("/start\n"
              "/location 19.07 72.88\n"         # Mumbai: Asia/Kolkata
              "/reply 2 /broadcast\n"           # message #2 is the welcome
              "/reply x\n"
              "/quit\n")
    out = io.StringIO()
    assert await run_console(settings, load_catalog(), io.StringIO(script), out) == 0
    text = out.getvalue()
    assert "[bot #2]" in text and "Welcome to MagDaily" in text
    assert "keyboard: [📍 Share location]" in text
    assert "Asia/Kolkata" in text
    # the reply made the welcome itself the broadcast: its preview repeats it
    after = text.split("preview of broadcast #1", 1)
    assert len(after) == 2 and after[0].count("Welcome to MagDaily") >= 2
    assert "usage: /reply N text" in text
    assert "\x1b[" not in text  # not a terminal: no ANSI codes
    assert "/tip /foods /causes /settings" in text  # the command menu


def test_html_becomes_ansi_on_a_terminal_and_plain_text_elsewhere():
    raw = "<b>Bold</b> <i>it</i> <code>x</code> &lt;ok&gt;"
    assert render_html(raw, color=True) == \
        "\x1b[1mBold\x1b[0m \x1b[3mit\x1b[0m \x1b[36mx\x1b[0m <ok>"
    assert render_html(raw, color=False) == "Bold it x <ok>"
