"""Does a tip fit Telegram's limits as the bot will actually send it?

Telegram refuses a message whose text, after its HTML is parsed, is longer than 4,096
characters, counted in UTF-16 code units (bot.htmlcheck counts them that way). A tip's
own text has a length limit, but what is sent is more: the topic header, the text, the
source line, for a guest's /tip the invitation to subscribe, and the reaction buttons.
So a tip is judged by its longest rendering: an admin's /newtip that would not fit is
refused with the reason, and a stored or catalogue tip that would not fit is kept out
of the rotation (bot.tipfeed) instead of failing every send.
"""

from __future__ import annotations

from bot.core.htmlcheck import check_html
from bot.ui import keyboards, texts
from tips.catalog import Tip


def tip_renderings(tip: Tip) -> tuple[str, ...]:
    """Every text the bot sends for this tip, each in its longest form: the tip of the day
    with the one-time sign-up reminder under it, and a guest's /tip with the invitation."""
    return (texts.tip_message(tip, daily=True) + texts.setup_reminder(),
            texts.tip_message(tip) + texts.tip_for_guest())


def tip_problem(tip: Tip) -> str | None:
    """Why Telegram would refuse this tip as the bot sends it; None when it fits."""
    for text in tip_renderings(tip):
        problem = check_html(text)
        if problem is not None:
            return f"as it will be sent (topic, text and source) {problem}"
    try:
        keyboards.tip_actions(tip.id)
    except ValueError as exc:
        return f"its buttons cannot be sent: {exc}"
    return None


def fits(text: str) -> bool:
    """True when Telegram accepts `text` as one HTML message."""
    return check_html(text) is None
