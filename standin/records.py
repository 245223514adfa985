"""What the stand-in records of the bot's calls, for tests to assert on.

``SentMessage`` is a delivered message in its current state, with its edit history;
``AnsweredCallback`` is the toast a button press got; ``CallRecord`` is one call as the server
saw it, failures included, so a test can count attempts as well as results.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from standin.errors import JSONDict

__all__ = ["NO_ANSWER_STATUS", "AnsweredCallback", "CallRecord", "Edit", "SentMessage"]

#: Status recorded in ``call_log`` for a call whose client got no answer (a "timeout" fault).
NO_ANSWER_STATUS = 0


@dataclass
class Edit:
    """One applied edit of a bot message; kept so tests can assert on the edit *sequence*."""

    text: str
    raw_text: str
    parse_mode: str | None
    reply_markup: JSONDict | None
    date: int


@dataclass
class SentMessage:
    """A message the stand-in *delivered* for the bot, in its current (possibly edited) state.

    ``text`` is what a user would see (entities parsed out, like Telegram's ``Message.text``);
    ``raw_text`` is the string the bot sent, markup included, for asserting on formatting.
    """

    chat_id: int
    message_id: int
    text: str
    parse_mode: str | None
    reply_markup: JSONDict | None
    edits: list[Edit] = field(default_factory=list)
    raw_text: str = ""
    entities: list[JSONDict] = field(default_factory=list)
    date: int = 0
    edit_date: int | None = None
    link_preview_options: JSONDict | None = None
    #: Sent with Bot API's allow_paid_broadcast (paid bulk sending above the free limit).
    allow_paid_broadcast: bool = False
    # sendPhoto / sendDocument: the upload as received (``text`` holds the caption).
    media: str | None = None  # "photo" | "document"; None for a text message
    file_name: str | None = None
    file_bytes: bytes | None = None

    @property
    def inline_keyboard(self) -> list[list[JSONDict]]:
        """The inline keyboard rows, or ``[]``; saves tests from digging through dicts."""
        if self.reply_markup and "inline_keyboard" in self.reply_markup:
            return self.reply_markup["inline_keyboard"]
        return []

    @property
    def callback_data(self) -> list[str]:
        """All callback_data values of the inline keyboard, row by row."""
        return [
            button["callback_data"]
            for row in self.inline_keyboard
            for button in row
            if "callback_data" in button
        ]


@dataclass
class AnsweredCallback:
    """What the bot answered to a button press (the toast/alert the user would see)."""

    callback_query_id: str
    text: str | None
    show_alert: bool
    url: str | None
    cache_time: int | None
    chat_id: int | None
    message_id: int | None
    data: str | None


class CallRecord(NamedTuple):
    """One API call as the server saw it; ``status`` is the HTTP status it answered with."""

    method: str
    chat_id: int | str | None
    status: int
