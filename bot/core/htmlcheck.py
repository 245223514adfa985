"""Checks a broadcast's Telegram-HTML before anything is queued.

Telegram rejects the whole message when its HTML does not parse, so a broadcast with a
typo would fail for every subscriber; checking here lets the admin fix it first. Built on
the standard library's HTMLParser, with Telegram's own rules on top: its small tag list,
properly nested tags, and only the four named entities it knows.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

MAX_MESSAGE_LENGTH = 4096
ALLOWED_TAGS = frozenset({
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
    "tg-spoiler", "span", "blockquote", "tg-emoji",
})
_BAD_AMPERSAND = re.compile(r"&(?!(?:lt|gt|amp|quot|#\d{1,7}|#x[0-9a-fA-F]{1,6});)")
_BAD_LT = re.compile(r"<(?![a-zA-Z/])")


class _TelegramHtml(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.problem: str | None = None
        self.visible: list[str] = []

    def _fail(self, message: str) -> None:
        if self.problem is None:
            self.problem = message

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in ALLOWED_TAGS:
            self._fail(f"the tag <{tag}> is not supported by Telegram")
            return
        names = dict(attrs)
        if tag == "a" and not names.get("href"):
            self._fail("a link <a> needs an href")
        if tag == "span" and names.get("class") != "tg-spoiler":
            self._fail('<span> must be <span class="tg-spoiler">')
        self.stack.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._fail(f"<{tag}/> is not allowed; Telegram has no empty tags")

    def handle_endtag(self, tag: str) -> None:
        if not self.stack:
            self._fail(f"</{tag}> closes a tag that was never opened")
        elif self.stack[-1] != tag:
            self._fail(f"</{tag}> closes <{self.stack[-1]}> (tags must nest)")
        else:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.visible.append(data)


def check_html(text: str) -> str | None:
    """None when Telegram will accept `text` as an HTML message, else the reason."""
    if not text.strip():
        return "the message is empty"
    if _BAD_LT.search(text):
        return "a bare “<” must be written as &lt;"
    if _BAD_AMPERSAND.search(text):
        return "a bare “&” must be written as &amp; (Telegram knows only &lt; &gt; &amp; &quot;)"
    parser = _TelegramHtml()
    parser.feed(text)
    parser.close()
    if parser.problem:
        return parser.problem
    if parser.stack:
        return f"<{parser.stack[-1]}> is never closed"
    visible = "".join(parser.visible)
    length = len(visible.encode("utf-16-le")) // 2  # Telegram counts UTF-16 code units
    if not visible.strip():
        return "the message has no visible text"
    if length > MAX_MESSAGE_LENGTH:
        return f"it is {length} characters long; Telegram allows {MAX_MESSAGE_LENGTH}"
    return None
