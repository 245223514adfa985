"""An in-memory stand-in for the Telegram Bot API server, and a PTB request adapter for it.

Telegram is unreachable from the machines this project is built and tested on, so every test
and demo of MagDaily talks to this stand-in instead. It exists to make the *failure modes* of
the real server reproducible: the error bodies, HTTP status codes and validation rules below
are modelled on what Telegram really answers, because python-telegram-bot (PTB) turns exactly
those into ``RetryAfter`` / ``Forbidden`` / ``BadRequest`` / ``NetworkError`` and the bot's
error handling must be exercised against them, not against an idealised API.

Two transports share one core (:class:`BotApiStandIn`):

* :class:`StandInRequest` plugs the core straight into PTB (``ApplicationBuilder().request``)
  without any socket, for fast unit and integration tests;
* ``bot.standin_http`` serves the same core over HTTP on loopback, for end-to-end tests,
  benchmarks and manual demos.
"""

from __future__ import annotations

import asyncio
import collections
import json
import logging
import random
import re
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Literal, NamedTuple, get_args

from telegram._utils.defaultvalue import DefaultValue
from telegram.error import TimedOut
from telegram.request import BaseRequest, RequestData

__all__ = [
    "AnsweredCallback",
    "BotApiStandIn",
    "CallRecord",
    "Edit",
    "Fault",
    "FaultKind",
    "FaultPolicy",
    "FormattedText",
    "SentMessage",
    "SimulatedTimeout",
    "StandInRequest",
    "parse_formatted_text",
    "random_faults",
]

_LOGGER = logging.getLogger(__name__)

JSONDict = dict[str, Any]
ApiAnswer = tuple[int, JSONDict]

MAX_TEXT_LENGTH = 4096
MAX_CALLBACK_DATA_BYTES = 64
MAX_CALLBACK_ANSWER_LENGTH = 200
#: Status recorded in ``call_log`` for a call whose client got no answer (a "timeout" fault).
NO_ANSWER_STATUS = 0

# Exact Telegram wordings, collected in one place so tests can refer to them.
ERR_CHAT_NOT_FOUND = "Bad Request: chat not found"
ERR_BLOCKED = "Forbidden: bot was blocked by the user"
ERR_TEXT_EMPTY = "Bad Request: message text is empty"
ERR_TEXT_TOO_LONG = "Bad Request: message is too long"
ERR_BUTTON_DATA = "Bad Request: BUTTON_DATA_INVALID"
ERR_MARKUP_JSON = "Bad Request: can't parse reply keyboard markup JSON object"
ERR_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are"
    " exactly the same as a current content and reply markup of the message"
)
ERR_EDIT_NOT_FOUND = "Bad Request: message to edit not found"
ERR_DELETE_NOT_FOUND = "Bad Request: message to delete not found"
ERR_QUERY_INVALID = (
    "Bad Request: query is too old and response timeout expired or query ID is invalid"
)
ERR_GETUPDATES_CONFLICT = (
    "Conflict: terminated by other getUpdates request; make sure that only one bot instance is"
    " running"
)
ERR_WEBHOOK_ACTIVE = (
    "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete"
    " the webhook first"
)


# --------------------------------------------------------------------------------------------
# Records kept for assertions
# --------------------------------------------------------------------------------------------


@dataclass
class Edit:
    """One applied edit of a bot message; kept so tests can assert on the edit *sequence*."""

    method: str
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
    Deleted messages stay in the record with ``deleted=True`` so a test can see that the bot
    cleaned up after itself.
    """

    chat_id: int
    message_id: int
    text: str
    parse_mode: str | None
    reply_markup: JSONDict | None
    method: str = "sendMessage"
    edits: list[Edit] = field(default_factory=list)
    raw_text: str = ""
    entities: list[JSONDict] = field(default_factory=list)
    date: int = 0
    edit_date: int | None = None
    reply_to_message_id: int | None = None
    link_preview_options: JSONDict | None = None
    deleted: bool = False
    params: JSONDict = field(default_factory=dict)

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


# --------------------------------------------------------------------------------------------
# Fault injection
# --------------------------------------------------------------------------------------------

FaultKind = Literal[
    "retry_after", "forbidden", "chat_not_found", "bad_request", "server_error", "timeout"
]
_FAULT_KINDS: frozenset[str] = frozenset(get_args(FaultKind))


@dataclass(frozen=True)
class Fault:
    """A failure the stand-in should answer with instead of doing the call.

    ``deliver`` only matters for ``timeout``: a real timeout leaves the client unsure whether
    Telegram acted, so ``deliver=True`` performs the call although the client never hears back
    (the duplicate-message hazard of retrying a timed-out send).
    """

    kind: FaultKind
    retry_after: int = 3
    description: str | None = None
    delay: float = 2.0
    deliver: bool = False

    def __post_init__(self) -> None:
        if self.kind not in _FAULT_KINDS:
            raise ValueError(f"unknown fault kind {self.kind!r}; expected one of {_FAULT_KINDS}")

    def answer(self) -> ApiAnswer:
        """The HTTP status and body Telegram would send for this fault (not for ``timeout``)."""
        if self.kind == "retry_after":
            return _error(
                429,
                f"Too Many Requests: retry after {self.retry_after}",
                retry_after=self.retry_after,
            )
        if self.kind == "forbidden":
            return _error(403, self.description or ERR_BLOCKED)
        if self.kind == "chat_not_found":
            return _error(400, ERR_CHAT_NOT_FOUND)
        if self.kind == "bad_request":
            text = self.description or "invalid request"
            return _error(400, text if text.startswith("Bad Request") else f"Bad Request: {text}")
        if self.kind == "server_error":
            return _error(502, self.description or "Bad Gateway")
        raise ValueError("a timeout fault has no answer")


FaultPolicy = Callable[[str, JSONDict], Fault | None]


def random_faults(
    rate: float,
    seed: int,
    kinds: Sequence[FaultKind] = ("retry_after", "server_error", "timeout"),
    *,
    retry_after: int = 1,
    delay: float = 0.05,
) -> FaultPolicy:
    """A policy failing about ``rate`` of sendMessage calls, reproducibly for a given ``seed``.

    Only sendMessage is faulted so that polling, startup and edits keep working: the point is
    to test the bot's delivery/retry path, not to make the whole bot unusable. The sequence of
    faults depends only on the seed and the order of sendMessage calls, so a failing run can be
    replayed exactly.
    """
    if not 0.0 <= rate <= 1.0:
        raise ValueError("rate must be between 0 and 1")
    unknown = set(kinds) - _FAULT_KINDS
    if unknown or not kinds:
        raise ValueError(f"bad fault kinds: {sorted(unknown) or 'none given'}")
    rng = random.Random(seed)
    choices = tuple(kinds)

    def policy(method: str, params: JSONDict) -> Fault | None:
        if method != "sendMessage":
            return None
        if rng.random() >= rate:
            return None
        return Fault(rng.choice(choices), retry_after=retry_after, delay=delay)

    return policy


class SimulatedTimeout(Exception):
    """Raised by :meth:`BotApiStandIn.call` for a "timeout" fault.

    The core cannot express "no answer" as a (status, body) pair, so it hands the decision to
    the transport: the in-process adapter raises ``TimedOut`` at once, the HTTP server stalls
    for ``delay`` seconds and then sends ``late_answer`` (or a 504) to whoever still listens.
    """

    def __init__(self, delay: float, late_answer: ApiAnswer | None) -> None:
        super().__init__(f"simulated timeout ({delay}s)")
        self.delay = delay
        self.late_answer = late_answer


# --------------------------------------------------------------------------------------------
# Errors and parameter decoding
# --------------------------------------------------------------------------------------------


class _ApiError(Exception):
    """Raised inside method handlers; turned into Telegram's error body by ``call``."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


def _error(status: int, description: str, *, retry_after: int | None = None) -> ApiAnswer:
    body: JSONDict = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    return status, body


def _bad(description: str) -> _ApiError:
    return _ApiError(400, f"Bad Request: {description}")


# Parameters arrive either JSON-typed (in-process adapter, JSON bodies) or as the strings of a
# form-encoded body (PTB's HTTPXRequest sends every non-string value JSON-dumped as a form
# field). Decoding per field, as Telegram does, makes both work and keeps a text like "42" or
# "true" a string.


def _opt_str(params: JSONDict, name: str) -> str | None:
    value = params.get(name)
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def _opt_int(params: JSONDict, name: str) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise _bad(f"invalid {name} specified")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    try:
        return int(str(value).strip())
    except ValueError:
        raise _bad(f"invalid {name} specified") from None


def _opt_float(params: JSONDict, name: str) -> float | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise _bad(f"invalid {name} specified") from None


def _opt_bool(params: JSONDict, name: str) -> bool:
    value = params.get(name)
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1")
    return bool(value)


def _opt_json(params: JSONDict, name: str, error: str | None = None) -> Any:
    """A structured parameter given as object or as JSON text (form-encoded requests)."""
    value = params.get(name)
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            return json.loads(value)
        except ValueError:
            raise _ApiError(400, error or f"Bad Request: can't parse {name} JSON object") from None
    return value


def _chat_ref(params: JSONDict, name: str = "chat_id") -> int | str | None:
    """A chat id (int) or public @username, in whichever form it was sent."""
    value = params.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip()
    try:
        return int(text)
    except ValueError:
        return text


def _utf16_len(text: str) -> int:
    """Telegram measures entity offsets in UTF-16 code units, not code points."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    """Telegram reports parse errors at UTF-8 byte offsets."""
    return len(text[:index].encode("utf-8"))


# --------------------------------------------------------------------------------------------
# Formatted text: HTML, MarkdownV2 and legacy Markdown into (text, entities)
# --------------------------------------------------------------------------------------------


@dataclass
class FormattedText:
    """Plain text plus Telegram message entities, as Telegram stores a formatted message."""

    text: str
    entities: list[JSONDict]


class _TextBuilder:
    """Accumulates output text while tracking the UTF-16 position for entity offsets."""

    __slots__ = ("parts", "pos")

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos = 0

    def add(self, chunk: str) -> None:
        if chunk:
            self.parts.append(chunk)
            self.pos += _utf16_len(chunk)

    def build(self) -> str:
        return "".join(self.parts)


class _EntityParseError(Exception):
    """A markup error; its message is Telegram's text after "can't parse entities: "."""


def _entity(kind: str, offset: int, length: int, **extra: Any) -> JSONDict:
    entity: JSONDict = {"type": kind, "offset": offset, "length": length}
    entity.update({key: value for key, value in extra.items() if value is not None})
    return entity


_SPACE = " \t\n\r\f\v"


_HTML_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}


def _html_entity_at(text: str, i: int) -> tuple[str, int]:
    """Decode ``&...;`` at ``i``; unknown entities stay literal text, as in Telegram."""
    end = text.find(";", i + 1, i + 12)
    if end == -1:
        return "&", i + 1
    name = text[i + 1 : end]
    if name in _HTML_NAMED_ENTITIES:
        return _HTML_NAMED_ENTITIES[name], end + 1
    if name.startswith("#") and len(name) > 1:
        digits, base = (name[2:], 16) if name[1] in "xX" else (name[1:], 10)
        try:
            code_point = int(digits, base)
        except ValueError:
            return "&", i + 1
        if 0 < code_point <= 0x10FFFF and not 0xD800 <= code_point <= 0xDFFF:
            return chr(code_point), end + 1
    return "&", i + 1


@dataclass
class _HtmlFrame:
    tag: str
    start: int
    begin: int
    attrs: dict[str, str]
    language: str | None = None


class _HtmlParser:
    """Telegram's HTML subset, modelled on tdlib's ``parse_html`` including its error texts.

    Only the tags Telegram supports are accepted; unknown tags, stray ``<`` and crossed or
    unclosed tags are errors, exactly the mistakes that make a real send fail.
    """

    TAGS: ClassVar[dict[str, str]] = {
        "b": "bold",
        "strong": "bold",
        "i": "italic",
        "em": "italic",
        "u": "underline",
        "ins": "underline",
        "s": "strikethrough",
        "strike": "strikethrough",
        "del": "strikethrough",
        "a": "text_link",
        "code": "code",
        "pre": "pre",
        "tg-spoiler": "spoiler",
        "span": "spoiler",
        "blockquote": "blockquote",
        "tg-emoji": "custom_emoji",
    }
    _SPECIAL = re.compile(r"[<&]")

    def __init__(self, source: str) -> None:
        self.src = source
        self.out = _TextBuilder()
        self.stack: list[_HtmlFrame] = []
        self.entities: list[JSONDict] = []

    def parse(self) -> FormattedText:
        src, i, n = self.src, 0, len(self.src)
        while i < n:
            match = self._SPECIAL.search(src, i)
            if match is None:
                self.out.add(src[i:])
                break
            self.out.add(src[i : match.start()])
            i = match.start()
            if src[i] == "&":
                decoded, i = _html_entity_at(src, i)
                self.out.add(decoded)
            elif i + 1 < n and src[i + 1] == "/":
                i = self._end_tag(i)
            else:
                i = self._start_tag(i)
        if self.stack:
            raise _EntityParseError(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].tag}"'
            )
        return FormattedText(self.out.build(), self.entities)

    def _decode_attr(self, value: str) -> str:
        parts: list[str] = []
        i = 0
        while i < len(value):
            if value[i] == "&":
                decoded, i = _html_entity_at(value, i)
                parts.append(decoded)
            else:
                parts.append(value[i])
                i += 1
        return "".join(parts)

    def _skip_spaces(self, i: int) -> int:
        while i < len(self.src) and self.src[i] in _SPACE:
            i += 1
        return i

    def _start_tag(self, begin: int) -> int:
        src, n = self.src, len(self.src)
        i = begin + 1
        while i < n and src[i] not in _SPACE and src[i] != ">":
            i += 1
        tag = src[begin + 1 : i].lower()
        offset = _byte_offset(src, begin)
        if tag not in self.TAGS:
            raise _EntityParseError(f'Unsupported start tag "{tag}" at byte offset {offset}')
        attrs: dict[str, str] = {}
        while True:
            i = self._skip_spaces(i)
            if i >= n:
                raise _EntityParseError(f"Unclosed start tag at byte offset {offset}")
            if src[i] == ">":
                i += 1
                break
            name_start = i
            while i < n and src[i] not in _SPACE and src[i] not in "=>":
                i += 1
            name = src[name_start:i].lower()
            if not name:
                raise _EntityParseError(
                    f'Empty attribute name in the tag "{tag}" at byte offset {offset}'
                )
            i = self._skip_spaces(i)
            if i < n and src[i] != "=" and tag == "blockquote" and name == "expandable":
                attrs[name] = ""
                continue
            if i >= n or src[i] != "=":
                raise _EntityParseError(
                    "Expected equal sign in declaration of an attribute of the tag"
                    f' "{tag}" at byte offset {offset}'
                )
            i = self._skip_spaces(i + 1)
            if i >= n:
                raise _EntityParseError(f"Unclosed start tag at byte offset {offset}")
            if src[i] in "\"'":
                close = src.find(src[i], i + 1)
                if close == -1:
                    raise _EntityParseError(f"Unclosed start tag at byte offset {offset}")
                value = src[i + 1 : close]
                i = close + 1
            else:
                value_start = i
                while i < n and src[i] not in _SPACE and src[i] != ">":
                    i += 1
                value = src[value_start:i]
            attrs[name] = self._decode_attr(value)
        if tag == "span" and attrs.get("class") != "tg-spoiler":
            raise _EntityParseError(
                f'Tag "span" must have class "tg-spoiler" at byte offset {offset}'
            )
        self.stack.append(_HtmlFrame(tag, self.out.pos, begin, attrs))
        return i

    def _end_tag(self, begin: int) -> int:
        src, n = self.src, len(self.src)
        offset = _byte_offset(src, begin)
        i = begin + 2
        while i < n and src[i] not in _SPACE and src[i] != ">":
            i += 1
        tag = src[begin + 2 : i].lower()
        i = self._skip_spaces(i)
        if i >= n or src[i] != ">":
            raise _EntityParseError(f"Unclosed end tag at byte offset {offset}")
        if not self.stack:
            raise _EntityParseError(f"Unexpected end tag at byte offset {offset}")
        frame = self.stack[-1]
        if tag != frame.tag:
            raise _EntityParseError(
                f'Unmatched end tag at byte offset {offset}, expected "</{frame.tag}>", found'
                f' "</{tag}>"'
            )
        self.stack.pop()
        self._close(frame)
        return i + 1

    def _close(self, frame: _HtmlFrame) -> None:
        length = self.out.pos - frame.start
        if length <= 0:
            return
        kind = self.TAGS[frame.tag]
        if frame.tag == "a":
            href = frame.attrs.get("href", "")
            if href:
                self.entities.append(_entity("text_link", frame.start, length, url=href))
            else:
                self.entities.append(_entity("url", frame.start, length))
        elif frame.tag == "code":
            css = frame.attrs.get("class", "")
            parent = self.stack[-1] if self.stack else None
            if parent is not None and parent.tag == "pre" and css.startswith("language-"):
                parent.language = css.removeprefix("language-")
            else:
                self.entities.append(_entity("code", frame.start, length))
        elif frame.tag == "pre":
            self.entities.append(_entity("pre", frame.start, length, language=frame.language))
        elif frame.tag == "tg-emoji":
            emoji_id = frame.attrs.get("emoji-id")
            if emoji_id:
                self.entities.append(
                    _entity("custom_emoji", frame.start, length, custom_emoji_id=emoji_id)
                )
        elif frame.tag == "blockquote":
            quote = "expandable_blockquote" if "expandable" in frame.attrs else "blockquote"
            self.entities.append(_entity(quote, frame.start, length))
        else:
            self.entities.append(_entity(kind, frame.start, length))


@dataclass
class _MdFrame:
    kind: str
    start: int
    begin: int
    marker: str
    language: str | None = None


class _MarkdownV2Parser:
    """Telegram's MarkdownV2, strict about unescaped reserved characters like the real one.

    The classic MarkdownV2 bug is an unescaped ``.`` or ``-`` in dynamic text; that must fail
    here exactly as it fails in production.
    """

    RESERVED = frozenset("_*[]()~`>#+-=|{}.!")
    NAMES: ClassVar[dict[str, str]] = {
        "bold": "Bold",
        "italic": "Italic",
        "underline": "Underline",
        "strikethrough": "Strikethrough",
        "spoiler": "Spoiler",
        "code": "Code",
        "pre": "Pre",
        "text_link": "TextUrl",
        "custom_emoji": "CustomEmoji",
    }

    def __init__(self, source: str) -> None:
        self.src = source
        self.out = _TextBuilder()
        self.stack: list[_MdFrame] = []
        self.entities: list[JSONDict] = []
        self.quote_start: int | None = None

    def _reserved(self, i: int) -> _EntityParseError:
        char = self.src[i]
        return _EntityParseError(
            f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
        )

    def parse(self) -> FormattedText:
        src, n, i = self.src, len(self.src), 0
        while i < n:
            char = src[i]
            top = self.stack[-1] if self.stack else None
            if char == "\\" and i + 1 < n and 0 < ord(src[i + 1]) <= 126:
                self.out.add(src[i + 1])
                i += 2
                continue
            if top is not None and top.kind in ("code", "pre"):
                i = self._inside_code(top, i)
                continue
            if char == "\n":
                self.out.add(char)
                i += 1
                if self.quote_start is not None and not src.startswith(">", i):
                    self._close_quote(self.out.pos - 1)
                continue
            if char not in self.RESERVED:
                self.out.add(char)
                i += 1
                continue
            i = self._reserved_char(i, top)
        if self.stack:
            frame = self.stack[-1]
            raise _EntityParseError(
                f"Can't find end of {self.NAMES[frame.kind]} entity at byte offset"
                f" {_byte_offset(src, frame.begin)}"
            )
        if self.quote_start is not None:
            self._close_quote(self.out.pos)
        return FormattedText(self.out.build(), self.entities)

    def _inside_code(self, top: _MdFrame, i: int) -> int:
        if top.kind == "pre" and self.src.startswith("```", i):
            self._close(top)
            return i + 3
        if top.kind == "code" and self.src[i] == "`":
            self._close(top)
            return i + 1
        self.out.add(self.src[i])
        return i + 1

    def _reserved_char(self, i: int, top: _MdFrame | None) -> int:
        src = self.src
        char = src[i]
        if char == "*":
            return self._toggle("bold", "*", i)
        if char == "~":
            return self._toggle("strikethrough", "~", i)
        if char == "_":
            if top is not None and top.kind == "italic":
                return self._toggle("italic", "_", i)
            if src.startswith("__", i):
                return self._toggle("underline", "__", i)
            return self._toggle("italic", "_", i)
        if char == "|":
            if src.startswith("||", i):
                return self._toggle("spoiler", "||", i)
            raise self._reserved(i)
        if char == "`":
            if src.startswith("```", i):
                return self._open_pre(i)
            self.stack.append(_MdFrame("code", self.out.pos, i, "`"))
            return i + 1
        if char == "[":
            self.stack.append(_MdFrame("text_link", self.out.pos, i, "["))
            return i + 1
        if char == "!" and src.startswith("![", i):
            self.stack.append(_MdFrame("custom_emoji", self.out.pos, i, "!["))
            return i + 2
        if char == "]" and top is not None and top.kind in ("text_link", "custom_emoji"):
            return self._close_link(top, i)
        if char == ">" and (i == 0 or src[i - 1] == "\n"):
            if self.quote_start is None:
                self.quote_start = self.out.pos
            return i + 1
        raise self._reserved(i)

    def _toggle(self, kind: str, marker: str, i: int) -> int:
        top = self.stack[-1] if self.stack else None
        if top is not None and top.kind == kind:
            self.stack.pop()
            self._close(top)
        elif any(frame.kind == kind for frame in self.stack):
            inner = self.stack[-1]
            raise _EntityParseError(
                f"Can't find end of {self.NAMES[inner.kind]} entity at byte offset"
                f" {_byte_offset(self.src, inner.begin)}"
            )
        else:
            self.stack.append(_MdFrame(kind, self.out.pos, i, marker))
        return i + len(marker)

    def _open_pre(self, i: int) -> int:
        body = i + 3
        newline = self.src.find("\n", body)
        language: str | None = None
        closing = self.src.find("```", body)
        if newline != -1 and (closing == -1 or newline < closing):
            first_line = self.src[body:newline]
            if first_line and not any(c in _SPACE for c in first_line):
                language = first_line
                body = newline + 1
        self.stack.append(_MdFrame("pre", self.out.pos, i, "```", language))
        return body

    def _close_link(self, frame: _MdFrame, i: int) -> int:
        src, n = self.src, len(self.src)
        if not src.startswith("(", i + 1):
            raise self._reserved(i)
        j, url_chars = i + 2, []
        while j < n and src[j] != ")":
            if src[j] == "\\" and j + 1 < n:
                j += 1
            url_chars.append(src[j])
            j += 1
        if j >= n:
            raise _EntityParseError(
                f"Can't find end of a URL at byte offset {_byte_offset(src, i + 2)}"
            )
        self.stack.pop()
        length = self.out.pos - frame.start
        url = "".join(url_chars)
        if length > 0:
            if frame.kind == "custom_emoji":
                emoji_id = url.removeprefix("tg://emoji?id=")
                self.entities.append(
                    _entity("custom_emoji", frame.start, length, custom_emoji_id=emoji_id)
                )
            else:
                self.entities.append(_entity("text_link", frame.start, length, url=url))
        return j + 1

    def _close(self, frame: _MdFrame) -> None:
        if self.stack and self.stack[-1] is frame:
            self.stack.pop()
        length = self.out.pos - frame.start
        if length > 0:
            self.entities.append(
                _entity(frame.kind, frame.start, length, language=frame.language)
            )

    def _close_quote(self, end: int) -> None:
        start = self.quote_start
        self.quote_start = None
        if start is not None and end > start:
            self.entities.append(_entity("blockquote", start, end - start))


class _LegacyMarkdownParser:
    """Telegram's old "Markdown" mode: no nesting, only the marker characters are special."""

    MARKERS: ClassVar[dict[str, str]] = {"*": "bold", "_": "italic", "`": "code"}

    def __init__(self, source: str) -> None:
        self.src = source
        self.out = _TextBuilder()
        self.entities: list[JSONDict] = []

    def _unclosed(self, i: int) -> _EntityParseError:
        return _EntityParseError(
            f"Can't find end of the entity starting at byte offset {_byte_offset(self.src, i)}"
        )

    def parse(self) -> FormattedText:
        src, n, i = self.src, len(self.src), 0
        while i < n:
            char = src[i]
            if char == "\\" and i + 1 < n and src[i + 1] in "*_`[":
                self.out.add(src[i + 1])
                i += 2
            elif src.startswith("```", i):
                end = src.find("```", i + 3)
                if end == -1:
                    raise self._unclosed(i)
                self._emit("pre", src[i + 3 : end])
                i = end + 3
            elif char in self.MARKERS:
                end = src.find(char, i + 1)
                if end == -1:
                    raise self._unclosed(i)
                self._emit(self.MARKERS[char], src[i + 1 : end])
                i = end + 1
            elif char == "[":
                close = src.find("](", i + 1)
                end = src.find(")", close + 2) if close != -1 else -1
                if end == -1:
                    raise self._unclosed(i)
                self._emit("text_link", src[i + 1 : close], url=src[close + 2 : end])
                i = end + 1
            else:
                self.out.add(char)
                i += 1
        return FormattedText(self.out.build(), self.entities)

    def _emit(self, kind: str, content: str, **extra: Any) -> None:
        start = self.out.pos
        self.out.add(content)
        if self.out.pos > start:
            self.entities.append(_entity(kind, start, self.out.pos - start, **extra))


def _trim(formatted: FormattedText) -> FormattedText:
    """Strip surrounding whitespace and shift entities, as Telegram does before storing."""
    text = formatted.text
    stripped = text.strip(_SPACE)
    if stripped == text:
        return formatted
    lead = _utf16_len(text[: len(text) - len(text.lstrip(_SPACE))])
    total = _utf16_len(stripped)
    entities: list[JSONDict] = []
    for entity in formatted.entities:
        start = max(entity["offset"] - lead, 0)
        end = min(entity["offset"] + entity["length"] - lead, total)
        if end > start:
            entities.append({**entity, "offset": start, "length": end - start})
    return FormattedText(stripped, entities)


def parse_formatted_text(
    text: str, parse_mode: str | None, entities: list[JSONDict] | None = None
) -> FormattedText:
    """Turn a message text as sent by a bot into Telegram's stored (text, entities).

    Raises ``ValueError`` with Telegram's description (without the "Bad Request: " prefix) when
    Telegram would refuse the text, so the bot's formatting is checked the way production
    checks it.
    """
    if entities is not None:
        result = FormattedText(text, [dict(entity) for entity in entities])
    elif parse_mode is None or parse_mode == "":
        result = FormattedText(text, [])
    else:
        mode = parse_mode.lower()
        parser: _HtmlParser | _MarkdownV2Parser | _LegacyMarkdownParser
        if mode == "html":
            parser = _HtmlParser(text)
        elif mode == "markdownv2":
            parser = _MarkdownV2Parser(text)
        elif mode == "markdown":
            parser = _LegacyMarkdownParser(text)
        else:
            raise ValueError("unsupported parse_mode")
        try:
            result = parser.parse()
        except _EntityParseError as exc:
            raise ValueError(f"can't parse entities: {exc}") from None
    result = _trim(result)
    result.entities.sort(key=lambda entity: (entity["offset"], -entity["length"]))
    return result


# --------------------------------------------------------------------------------------------
# Reply markup validation
# --------------------------------------------------------------------------------------------

_INLINE_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)


def _validate_inline_keyboard(markup: JSONDict) -> None:
    rows = markup.get("inline_keyboard")
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise _ApiError(400, ERR_MARKUP_JSON)
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise _ApiError(400, ERR_MARKUP_JSON)
            actions = [key for key in _INLINE_ACTIONS if key in button]
            if not actions:
                raise _bad(
                    "can't parse inline keyboard button: Text buttons are unallowed in the"
                    " inline keyboard"
                )
            if "callback_data" in button:
                data = button["callback_data"]
                size = len(data.encode("utf-8")) if isinstance(data, str) else 0
                if not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
                    raise _ApiError(400, ERR_BUTTON_DATA)
            if "url" in button and not button["url"]:
                raise _bad("BUTTON_URL_INVALID")


def _validate_reply_keyboard(markup: JSONDict) -> None:
    rows = markup.get("keyboard")
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise _ApiError(400, ERR_MARKUP_JSON)
    for row in rows:
        for button in row:
            if isinstance(button, str):
                continue
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise _ApiError(400, ERR_MARKUP_JSON)


def _parse_reply_markup(params: JSONDict, *, inline_only: bool = False) -> JSONDict | None:
    """Decode and validate ``reply_markup`` (a dict, or JSON text from a form body)."""
    markup = _opt_json(params, "reply_markup", ERR_MARKUP_JSON)
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise _ApiError(400, ERR_MARKUP_JSON)
    if "inline_keyboard" in markup:
        _validate_inline_keyboard(markup)
    elif inline_only:
        raise _bad("inline keyboard expected")
    elif "keyboard" in markup:
        _validate_reply_keyboard(markup)
    elif "remove_keyboard" not in markup and "force_reply" not in markup:
        raise _ApiError(400, ERR_MARKUP_JSON)
    return markup


# --------------------------------------------------------------------------------------------
# Chats and bot commands
# --------------------------------------------------------------------------------------------

_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
_DEFAULT_GROUP_USER_ID = 424242
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_DEFAULT_SKIPPED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


@dataclass
class _Chat:
    """What the stand-in knows about one chat: its identity and the bot's standing in it."""

    id: int
    type: str
    first_name: str | None = None
    title: str | None = None
    username: str | None = None
    blocked: bool = False
    not_found: bool = False
    last_message_id: int = 0

    def to_dict(self) -> JSONDict:
        chat: JSONDict = {"id": self.id, "type": self.type}
        if self.type == "private":
            chat["first_name"] = self.first_name or "Test"
        else:
            chat["title"] = self.title or f"Group {self.id}"
        if self.username:
            chat["username"] = self.username
        return chat

    def next_message_id(self) -> int:
        """Message ids are per chat and shared by the user's and the bot's messages."""
        self.last_message_id += 1
        return self.last_message_id

    def forbidden_description(self) -> str:
        if self.type == "private":
            return ERR_BLOCKED
        return f"Forbidden: bot was kicked from the {self.type} chat"


_SCOPE_TYPES = frozenset(
    {
        "default",
        "all_private_chats",
        "all_group_chats",
        "all_chat_administrators",
        "chat",
        "chat_administrators",
        "chat_member",
    }
)


def scope_key(scope: JSONDict | str | None) -> str:
    """A stable string for a BotCommandScope, e.g. "default", "chat:42", "chat_member:42:7"."""
    if scope is None:
        return "default"
    if isinstance(scope, str):
        return scope
    kind = scope.get("type")
    if kind not in _SCOPE_TYPES:
        raise _bad("wrong parameter scope")
    if kind in ("chat", "chat_administrators"):
        if scope.get("chat_id") in (None, ""):
            raise _bad("chat_id is empty")
        return f"{kind}:{scope['chat_id']}"
    if kind == "chat_member":
        if scope.get("chat_id") in (None, "") or scope.get("user_id") in (None, ""):
            raise _bad("chat_id or user_id is empty")
        return f"{kind}:{scope['chat_id']}:{scope['user_id']}"
    return str(kind)


# --------------------------------------------------------------------------------------------
# The stand-in server
# --------------------------------------------------------------------------------------------

_Handler = Callable[[JSONDict], Awaitable[Any]]


class BotApiStandIn:
    """An in-memory Bot API server for one bot: what PTB calls, and what users do.

    The bot-facing side is :meth:`call` (method name + decoded params -> HTTP status + JSON
    body exactly as Telegram shapes it). The test-facing side simulates users
    (:meth:`user_sends`, :meth:`user_presses`, :meth:`user_blocks` ...) and records what the
    bot did (``sent``, ``answered_callbacks``, ``commands``, ``calls``, ``call_log``).

    Unknown chats are treated as users who once started the bot (``auto_create_chats``), so a
    daily broadcast to stored subscribers works without replaying their first message; use
    :meth:`chat_not_found` to make a chat unknown to Telegram.
    """

    def __init__(
        self,
        bot_id: int = 700000001,
        username: str = "MagDailyBot",
        first_name: str = "MagDaily",
    ) -> None:
        self.bot_id = bot_id
        self.username = username
        self.first_name = first_name
        self.sent: list[SentMessage] = []
        self.answered_callbacks: list[AnsweredCallback] = []
        self.commands: dict[tuple[str, str], list[JSONDict]] = {}
        self.calls: collections.Counter[str] = collections.Counter()
        self.call_log: list[CallRecord] = []
        self.chat_actions: list[tuple[int, str]] = []
        self.menu_buttons: dict[int | None, JSONDict] = {}
        self.bot_texts: dict[tuple[str, str], str] = {}
        self.internal_errors: list[BaseException] = []
        self.fault_policy: FaultPolicy | None = None
        self.latency: float = 0.0
        self.auto_create_chats: bool = True
        self.webhook_url: str = ""
        self.webhook_params: JSONDict = {}
        self.allowed_updates: list[str] | None = None

        self._chats: dict[int, _Chat] = {}
        self._by_key: dict[tuple[int, int], SentMessage] = {}
        self._by_chat: dict[int, list[SentMessage]] = collections.defaultdict(list)
        self._user_messages: dict[tuple[int, int], JSONDict] = {}
        self._callbacks: dict[str, tuple[int, int, str]] = {}
        self._updates: collections.deque[JSONDict] = collections.deque()
        self._last_update_id = 0
        self._next_callback_id = 4_000_000_000_000_000
        self._poll_waiters: set[asyncio.Future[str]] = set()
        self._handlers: dict[str, tuple[str, _Handler]] = {
            name.lower(): (name, handler)
            for name, handler in {
                "getMe": self._get_me,
                "logOut": self._accept,
                "close": self._accept,
                "getUpdates": self._get_updates,
                "setWebhook": self._set_webhook,
                "deleteWebhook": self._delete_webhook,
                "getWebhookInfo": self._get_webhook_info,
                "sendMessage": self._send_message,
                "editMessageText": self._edit_message_text,
                "editMessageReplyMarkup": self._edit_message_reply_markup,
                "deleteMessage": self._delete_message,
                "answerCallbackQuery": self._answer_callback_query,
                "setMyCommands": self._set_my_commands,
                "getMyCommands": self._get_my_commands,
                "deleteMyCommands": self._delete_my_commands,
                "setMyDescription": self._set_bot_text("description"),
                "getMyDescription": self._get_bot_text("description"),
                "setMyShortDescription": self._set_bot_text("short_description"),
                "getMyShortDescription": self._get_bot_text("short_description"),
                "setMyName": self._set_bot_text("name"),
                "getMyName": self._get_bot_text("name"),
                "sendChatAction": self._send_chat_action,
                "getChat": self._get_chat,
                "setChatMenuButton": self._set_chat_menu_button,
                "getChatMenuButton": self._get_chat_menu_button,
            }.items()
        }

    # ---------------------------------------------------------------- bot-facing entry point

    @property
    def bot_user(self) -> JSONDict:
        """The bot as a Telegram ``User`` object (the ``from`` of its messages)."""
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.first_name,
            "username": self.username,
        }

    def canonical_method(self, method: str) -> str:
        """Telegram's spelling of a method name, which is matched case-insensitively."""
        entry = self._handlers.get(method.lower())
        return entry[0] if entry else method

    async def call(self, method: str, params: JSONDict) -> ApiAnswer:
        """Answer one Bot API request: (HTTP status, JSON body exactly as Telegram sends it).

        Raises :class:`SimulatedTimeout` for a "timeout" fault so that the transport can decide
        how "no answer" looks (see there). Any bug inside the stand-in becomes a 500 and is kept
        in ``internal_errors`` rather than vanishing into PTB's generic NetworkError retries.
        """
        entry = self._handlers.get(method.lower())
        name = entry[0] if entry else method
        self.calls[name] += 1
        chat_ref = _safe_chat_ref(params)
        if self.latency > 0:
            await asyncio.sleep(self.latency)
        fault = self.fault_policy(name, params) if self.fault_policy else None
        if fault is not None and fault.kind == "timeout":
            late = await self._dispatch(entry, params) if (fault.deliver and entry) else None
            self.call_log.append(CallRecord(name, chat_ref, NO_ANSWER_STATUS))
            raise SimulatedTimeout(fault.delay, late)
        if fault is not None:
            status, body = fault.answer()
        elif entry is None:
            status, body = _error(404, "Not Found")
        else:
            status, body = await self._dispatch(entry, params)
        self.call_log.append(CallRecord(name, chat_ref, status))
        return status, body

    async def _dispatch(self, entry: tuple[str, _Handler], params: JSONDict) -> ApiAnswer:
        name, handler = entry
        try:
            result = await handler(params)
        except _ApiError as exc:
            return _error(exc.status, exc.description, retry_after=exc.retry_after)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            _LOGGER.exception("stand-in bug while handling %s", name)
            self.internal_errors.append(exc)
            return _error(500, f"Internal Server Error: stand-in failed on {name}: {exc!r}")
        return 200, {"ok": True, "result": result}

    # ---------------------------------------------------------------- lookups for tests

    def messages_to(self, chat_id: int) -> list[SentMessage]:
        """Every message delivered to ``chat_id``, oldest first (deleted ones flagged)."""
        return list(self._by_chat.get(chat_id, ()))

    def last_message(self, chat_id: int) -> SentMessage | None:
        """The newest message delivered to ``chat_id``, or None."""
        messages = self._by_chat.get(chat_id)
        return messages[-1] if messages else None

    def message(self, chat_id: int, message_id: int) -> SentMessage | None:
        """A delivered bot message by id."""
        return self._by_key.get((chat_id, message_id))

    def commands_for(
        self, scope: JSONDict | str = "default", language_code: str = ""
    ) -> list[JSONDict] | None:
        """Commands stored for exactly this scope and language (None if never set)."""
        return self.commands.get((scope_key(scope), language_code))

    def visible_commands(
        self, chat_id: int, *, user_id: int | None = None, language_code: str = ""
    ) -> list[JSONDict]:
        """The command list a user would see in ``chat_id``, using Telegram's scope precedence.

        Administrator scopes are not considered: simulated users are plain members.
        """
        chat = self._chats.get(chat_id)
        is_private = chat is None or chat.type == "private"
        keys = []
        if user_id is not None and not is_private:
            keys.append(f"chat_member:{chat_id}:{user_id}")
        keys.append(f"chat:{chat_id}")
        keys.append("all_private_chats" if is_private else "all_group_chats")
        keys.append("default")
        for key in keys:
            for language in ((language_code, "") if language_code else ("",)):
                commands = self.commands.get((key, language))
                if commands:
                    return commands
        return []

    # ---------------------------------------------------------------- simulated users

    def _chat(self, chat_id: int, chat_type: str | None = None, name: str | None = None) -> _Chat:
        chat = self._chats.get(chat_id)
        if chat is None:
            if chat_type is None:
                if chat_id > 0:
                    chat_type = "private"
                elif str(chat_id).startswith("-100"):
                    chat_type = "supergroup"
                else:
                    chat_type = "group"
            if chat_type == "private":
                chat = _Chat(chat_id, chat_type, first_name=name or "Test")
            else:
                chat = _Chat(chat_id, chat_type, title=name or f"Group {chat_id}")
            self._chats[chat_id] = chat
        return chat

    def _user(self, user_id: int, first_name: str, language_code: str | None) -> JSONDict:
        user: JSONDict = {"id": user_id, "is_bot": False, "first_name": first_name}
        if language_code:
            user["language_code"] = language_code
        return user

    def _enqueue(self, kind: str, payload: JSONDict) -> JSONDict:
        self._last_update_id += 1
        update = {"update_id": self._last_update_id, kind: payload}
        self._updates.append(update)
        self._wake_pollers("update")
        return update

    def user_sends(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        first_name: str = "Test",
        chat_type: str = "private",
        language_code: str = "en",
    ) -> JSONDict:
        """A user writes ``text`` in ``chat_id``; returns the queued Update dict.

        A leading "/command" (with optional @botname) gets a ``bot_command`` entity just as
        Telegram adds one, which is what PTB's CommandHandler looks for. A user who had blocked
        the bot unblocks it first, because Telegram clients do that when the user writes again.
        """
        message = self._user_message(
            chat_id,
            user_id=user_id,
            first_name=first_name,
            chat_type=chat_type,
            language_code=language_code,
        )
        message["text"] = text
        command = text.split(maxsplit=1)[0] if text.strip() else ""
        if command.startswith("/") and len(command) > 1:
            message["entities"] = [_entity("bot_command", 0, _utf16_len(command))]
        return self._enqueue("message", message)

    def user_sends_sticker(
        self,
        chat_id: int,
        *,
        emoji: str = "👍",
        user_id: int | None = None,
        first_name: str = "Test",
        chat_type: str = "private",
        language_code: str = "en",
    ) -> JSONDict:
        """A user sends a sticker: the non-text input every bot must survive."""
        message = self._user_message(
            chat_id,
            user_id=user_id,
            first_name=first_name,
            chat_type=chat_type,
            language_code=language_code,
        )
        unique = f"AgADstandin{message['message_id']}"
        message["sticker"] = {
            "file_id": f"CAACAgIAAxkBAAE{chat_id}_{message['message_id']}",
            "file_unique_id": unique,
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "type": "regular",
            "emoji": emoji,
            "file_size": 24_000,
        }
        return self._enqueue("message", message)

    def _user_message(
        self,
        chat_id: int,
        *,
        user_id: int | None,
        first_name: str,
        chat_type: str,
        language_code: str,
    ) -> JSONDict:
        chat = self._chat(chat_id, chat_type, first_name if chat_type == "private" else None)
        uid = user_id if user_id is not None else self._default_user(chat)
        if chat.blocked:
            self.user_unblocks(chat_id, user_id=uid)
        message: JSONDict = {
            "message_id": chat.next_message_id(),
            "from": self._user(uid, first_name, language_code),
            "chat": chat.to_dict(),
            "date": int(time.time()),
        }
        self._user_messages[(chat_id, message["message_id"])] = message
        return message

    @staticmethod
    def _default_user(chat: _Chat) -> int:
        return chat.id if chat.type == "private" else _DEFAULT_GROUP_USER_ID

    def user_presses(
        self,
        chat_id: int,
        message_id: int,
        callback_data: str,
        *,
        user_id: int | None = None,
        first_name: str = "Test",
        language_code: str = "en",
        strict: bool = True,
    ) -> JSONDict:
        """A user presses an inline button of the bot's message; returns the queued Update.

        With ``strict`` the data must belong to a button the message *currently* shows, since a
        real user cannot press a button that was edited away. Pass ``strict=False`` to simulate
        a stale client or forged data.
        """
        sent = self._by_key.get((chat_id, message_id))
        if sent is None or sent.deleted:
            raise ValueError(f"no bot message {message_id} in chat {chat_id} to press")
        if strict and callback_data not in sent.callback_data:
            raise ValueError(
                f"message {message_id} has no button with callback_data {callback_data!r};"
                f" it shows {sent.callback_data}"
            )
        chat = self._chat(chat_id)
        uid = user_id if user_id is not None else self._default_user(chat)
        self._next_callback_id += 1
        query_id = str(self._next_callback_id)
        self._callbacks[query_id] = (chat_id, message_id, callback_data)
        query = {
            "id": query_id,
            "from": self._user(uid, first_name, language_code),
            "chat_instance": str(abs(chat_id) * 7919 + 1_000_003),
            "data": callback_data,
            "message": self._message_dict(sent),
        }
        return self._enqueue("callback_query", query)

    def user_blocks(self, chat_id: int, *, user_id: int | None = None) -> JSONDict:
        """The user blocks the bot: a my_chat_member update, then sends to the chat get 403."""
        return self._set_blocked(chat_id, True, user_id)

    def user_unblocks(self, chat_id: int, *, user_id: int | None = None) -> JSONDict:
        """The user unblocks the bot: the reverse my_chat_member update; sends work again."""
        return self._set_blocked(chat_id, False, user_id)

    def _set_blocked(self, chat_id: int, blocked: bool, user_id: int | None) -> JSONDict:
        chat = self._chat(chat_id)
        chat.blocked = blocked
        uid = user_id if user_id is not None else self._default_user(chat)
        member: JSONDict = {"user": self.bot_user, "status": "member"}
        kicked: JSONDict = {"user": self.bot_user, "status": "kicked", "until_date": 0}
        old, new = (member, kicked) if blocked else (kicked, member)
        payload = {
            "chat": chat.to_dict(),
            "from": self._user(uid, chat.first_name or "Test", None),
            "date": int(time.time()),
            "old_chat_member": old,
            "new_chat_member": new,
        }
        return self._enqueue("my_chat_member", payload)

    def chat_not_found(self, chat_id: int, not_found: bool = True) -> None:
        """Make Telegram not know ``chat_id`` (deleted account, never started the bot ...)."""
        self._chat(chat_id).not_found = not_found

    # ---------------------------------------------------------------- update queue helpers

    @property
    def updates_pending(self) -> int:
        """How many updates are queued and not yet confirmed."""
        return len(self._updates)

    def next_update_nowait(self) -> JSONDict | None:
        """Take (and confirm) the oldest queued update, bypassing getUpdates.

        Lets a test feed ``application.process_update(Update.de_json(d, bot))`` directly.
        """
        return self._updates.popleft() if self._updates else None

    def release_pollers(self) -> None:
        """Make any waiting long-poll return now (empty), e.g. before shutting a server down."""
        self._wake_pollers("release")

    def _wake_pollers(self, reason: str) -> None:
        for waiter in self._poll_waiters:
            if not waiter.done():
                waiter.set_result(reason)
        self._poll_waiters.clear()

    # ---------------------------------------------------------------- method handlers

    async def _accept(self, params: JSONDict) -> bool:
        return True

    async def _get_me(self, params: JSONDict) -> JSONDict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _confirm_and_take(self, offset: int | None, limit: int) -> list[JSONDict]:
        if offset is not None:
            if offset < 0:
                while len(self._updates) > -offset:
                    self._updates.popleft()
            else:
                while self._updates and self._updates[0]["update_id"] < offset:
                    self._updates.popleft()
        allowed = self.allowed_updates
        taken: list[JSONDict] = []
        for update in list(self._updates):
            kind = next(key for key in update if key != "update_id")
            skipped = kind not in allowed if allowed else kind in _DEFAULT_SKIPPED_UPDATES
            if skipped:
                # Telegram never creates updates the bot did not subscribe to.
                self._updates.remove(update)
                continue
            taken.append(update)
            if len(taken) >= limit:
                break
        return taken

    async def _get_updates(self, params: JSONDict) -> list[JSONDict]:
        if self.webhook_url:
            raise _ApiError(409, ERR_WEBHOOK_ACTIVE)
        offset = _opt_int(params, "offset")
        limit = _opt_int(params, "limit") or 100
        limit = max(1, min(limit, 100))
        timeout = max(_opt_float(params, "timeout") or 0.0, 0.0)
        allowed = _opt_json(params, "allowed_updates")
        if isinstance(allowed, list):
            self.allowed_updates = [str(kind) for kind in allowed]
        # A new getUpdates supersedes a waiting one, which Telegram answers with 409.
        self._wake_pollers("conflict")
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            updates = self._confirm_and_take(offset, limit)
            remaining = deadline - loop.time()
            if updates or remaining <= 0:
                return updates
            waiter: asyncio.Future[str] = loop.create_future()
            self._poll_waiters.add(waiter)
            try:
                done, _ = await asyncio.wait({waiter}, timeout=remaining)
            finally:
                self._poll_waiters.discard(waiter)
                if not waiter.done():
                    waiter.cancel()
            reason = waiter.result() if done else "timeout"
            if reason == "conflict":
                raise _ApiError(409, ERR_GETUPDATES_CONFLICT)
            if reason in ("release", "timeout"):
                return self._confirm_and_take(offset, limit)

    async def _set_webhook(self, params: JSONDict) -> bool:
        self.webhook_url = _opt_str(params, "url") or ""
        self.webhook_params = {key: value for key, value in params.items() if key != "url"}
        allowed = _opt_json(params, "allowed_updates")
        if isinstance(allowed, list):
            self.allowed_updates = [str(kind) for kind in allowed]
        if _opt_bool(params, "drop_pending_updates"):
            self._updates.clear()
        return True

    async def _delete_webhook(self, params: JSONDict) -> bool:
        self.webhook_url = ""
        self.webhook_params = {}
        if _opt_bool(params, "drop_pending_updates"):
            self._updates.clear()
        return True

    async def _get_webhook_info(self, params: JSONDict) -> JSONDict:
        info: JSONDict = {
            "url": self.webhook_url,
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self.allowed_updates is not None and self.webhook_url:
            info["allowed_updates"] = self.allowed_updates
        return info

    def _resolve_chat(self, params: JSONDict, *, writing: bool = True) -> _Chat:
        """The target chat, or the 400/403 Telegram answers for it."""
        ref = _chat_ref(params)
        if ref is None:
            raise _bad("chat_id is empty")
        chat: _Chat | None
        if isinstance(ref, str):
            username = ref.removeprefix("@").lower()
            chat = next(
                (c for c in self._chats.values() if (c.username or "").lower() == username),
                None,
            )
        elif ref in self._chats:
            chat = self._chats[ref]
        elif self.auto_create_chats and ref != 0:
            chat = self._chat(ref)
        else:
            chat = None
        if chat is None or chat.not_found:
            raise _ApiError(400, ERR_CHAT_NOT_FOUND)
        if writing and chat.blocked:
            raise _ApiError(403, chat.forbidden_description())
        return chat

    @staticmethod
    def _formatted(params: JSONDict) -> tuple[str, str | None, FormattedText]:
        raw = _opt_str(params, "text")
        parse_mode = _opt_str(params, "parse_mode")
        entities = _opt_json(params, "entities")
        if raw is None or raw == "":
            raise _ApiError(400, ERR_TEXT_EMPTY)
        if entities is not None and not isinstance(entities, list):
            raise _bad("can't parse entities JSON object")
        try:
            formatted = parse_formatted_text(raw, parse_mode, entities)
        except ValueError as exc:
            raise _bad(str(exc)) from None
        if not formatted.text:
            raise _ApiError(400, ERR_TEXT_EMPTY)
        if len(formatted.text) > MAX_TEXT_LENGTH:
            raise _ApiError(400, ERR_TEXT_TOO_LONG)
        return raw, parse_mode, formatted

    def _message_dict(self, sent: SentMessage) -> JSONDict:
        """The bot message as a Telegram ``Message`` object, in its current state."""
        chat = self._chat(sent.chat_id)
        message: JSONDict = {
            "message_id": sent.message_id,
            "from": self.bot_user,
            "chat": chat.to_dict(),
            "date": sent.date,
            "text": sent.text,
        }
        if sent.entities:
            message["entities"] = sent.entities
        # Telegram only ever returns inline keyboards as Message.reply_markup.
        if sent.reply_markup and "inline_keyboard" in sent.reply_markup:
            message["reply_markup"] = sent.reply_markup
        if sent.link_preview_options:
            message["link_preview_options"] = sent.link_preview_options
        if sent.edit_date is not None:
            message["edit_date"] = sent.edit_date
        if sent.reply_to_message_id is not None:
            replied = self._find_message(sent.chat_id, sent.reply_to_message_id)
            if replied is not None:
                message["reply_to_message"] = replied
        return message

    def _find_message(self, chat_id: int, message_id: int) -> JSONDict | None:
        sent = self._by_key.get((chat_id, message_id))
        if sent is not None:
            return None if sent.deleted else {
                key: value
                for key, value in self._message_dict(sent).items()
                if key != "reply_to_message"
            }
        return self._user_messages.get((chat_id, message_id))

    def _reply_target(self, chat: _Chat, params: JSONDict) -> int | None:
        reply = _opt_json(params, "reply_parameters")
        if reply is None and params.get("reply_to_message_id") is not None:
            reply = {
                "message_id": _opt_int(params, "reply_to_message_id"),
                "allow_sending_without_reply": _opt_bool(params, "allow_sending_without_reply"),
            }
        if reply is None:
            return None
        if not isinstance(reply, dict) or reply.get("message_id") in (None, ""):
            raise _bad("can't parse reply parameters JSON object")
        message_id = _opt_int(reply, "message_id")
        if message_id is not None and self._find_message(chat.id, message_id) is not None:
            return message_id
        if _opt_bool(reply, "allow_sending_without_reply"):
            return None
        raise _bad("message to be replied not found")

    async def _send_message(self, params: JSONDict) -> JSONDict:
        chat = self._resolve_chat(params)
        raw, parse_mode, formatted = self._formatted(params)
        markup = _parse_reply_markup(params)
        reply_to = self._reply_target(chat, params)
        preview = _opt_json(params, "link_preview_options")
        if preview is None and params.get("disable_web_page_preview") is not None:
            preview = {"is_disabled": _opt_bool(params, "disable_web_page_preview")}
        sent = SentMessage(
            chat_id=chat.id,
            message_id=chat.next_message_id(),
            text=formatted.text,
            parse_mode=parse_mode,
            reply_markup=markup,
            raw_text=raw,
            entities=formatted.entities,
            date=int(time.time()),
            reply_to_message_id=reply_to,
            link_preview_options=preview if isinstance(preview, dict) else None,
            params=dict(params),
        )
        self.sent.append(sent)
        self._by_key[(chat.id, sent.message_id)] = sent
        self._by_chat[chat.id].append(sent)
        return self._message_dict(sent)

    def _editable(self, params: JSONDict) -> SentMessage:
        if params.get("inline_message_id"):
            raise _bad("MESSAGE_ID_INVALID")
        chat = self._resolve_chat(params)
        message_id = _opt_int(params, "message_id")
        if message_id is None:
            raise _bad("message identifier is not specified")
        sent = self._by_key.get((chat.id, message_id))
        if sent is None or sent.deleted:
            if (chat.id, message_id) in self._user_messages:
                raise _bad("message can't be edited")
            raise _ApiError(400, ERR_EDIT_NOT_FOUND)
        return sent

    def _apply_edit(
        self,
        sent: SentMessage,
        method: str,
        raw: str,
        parse_mode: str | None,
        formatted: FormattedText,
        markup: JSONDict | None,
    ) -> JSONDict:
        if (
            formatted.text == sent.text
            and formatted.entities == sent.entities
            and markup == sent.reply_markup
        ):
            raise _ApiError(400, ERR_NOT_MODIFIED)
        now = int(time.time())
        sent.text, sent.raw_text, sent.parse_mode = formatted.text, raw, parse_mode
        sent.entities, sent.reply_markup, sent.edit_date = formatted.entities, markup, now
        sent.edits.append(Edit(method, formatted.text, raw, parse_mode, markup, now))
        return self._message_dict(sent)

    async def _edit_message_text(self, params: JSONDict) -> JSONDict:
        sent = self._editable(params)
        raw, parse_mode, formatted = self._formatted(params)
        # As on Telegram, omitting reply_markup in an edit removes the inline keyboard.
        markup = _parse_reply_markup(params, inline_only=True)
        return self._apply_edit(sent, "editMessageText", raw, parse_mode, formatted, markup)

    async def _edit_message_reply_markup(self, params: JSONDict) -> JSONDict:
        sent = self._editable(params)
        markup = _parse_reply_markup(params, inline_only=True)
        formatted = FormattedText(sent.text, sent.entities)
        return self._apply_edit(
            sent, "editMessageReplyMarkup", sent.raw_text, sent.parse_mode, formatted, markup
        )

    async def _delete_message(self, params: JSONDict) -> bool:
        chat = self._resolve_chat(params)
        message_id = _opt_int(params, "message_id")
        if message_id is None:
            raise _bad("message identifier is not specified")
        sent = self._by_key.get((chat.id, message_id))
        if sent is not None and not sent.deleted:
            sent.deleted = True
            return True
        if self._user_messages.pop((chat.id, message_id), None) is not None:
            return True
        raise _ApiError(400, ERR_DELETE_NOT_FOUND)

    async def _answer_callback_query(self, params: JSONDict) -> bool:
        query_id = _opt_str(params, "callback_query_id")
        if not query_id or query_id not in self._callbacks:
            raise _ApiError(400, ERR_QUERY_INVALID)
        text = _opt_str(params, "text")
        if text is not None and len(text) > MAX_CALLBACK_ANSWER_LENGTH:
            raise _bad("MESSAGE_TOO_LONG")
        chat_id, message_id, data = self._callbacks[query_id]
        self.answered_callbacks.append(
            AnsweredCallback(
                callback_query_id=query_id,
                text=text,
                show_alert=_opt_bool(params, "show_alert"),
                url=_opt_str(params, "url"),
                cache_time=_opt_int(params, "cache_time"),
                chat_id=chat_id,
                message_id=message_id,
                data=data,
            )
        )
        return True

    @staticmethod
    def _scope_and_language(params: JSONDict) -> tuple[str, str]:
        scope = _opt_json(params, "scope")
        if scope is not None and not isinstance(scope, dict):
            raise _bad("wrong parameter scope")
        language = _opt_str(params, "language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise _bad("invalid language code specified")
        return scope_key(scope), language

    async def _set_my_commands(self, params: JSONDict) -> bool:
        commands = _opt_json(params, "commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise _bad("can't parse commands JSON object")
        cleaned: list[JSONDict] = []
        for command in commands:
            if not isinstance(command, dict):
                raise _bad("can't parse BotCommand JSON object")
            name = str(command.get("command", ""))
            description = str(command.get("description", ""))
            if not _COMMAND_RE.fullmatch(name):
                raise _bad("BOT_COMMAND_INVALID")
            if not 1 <= len(description.strip()) <= 256:
                raise _bad("BOT_COMMAND_DESCRIPTION_INVALID")
            cleaned.append({"command": name, "description": description})
        key = self._scope_and_language(params)
        if cleaned:
            self.commands[key] = cleaned
        else:
            self.commands.pop(key, None)
        return True

    async def _get_my_commands(self, params: JSONDict) -> list[JSONDict]:
        return list(self.commands.get(self._scope_and_language(params), []))

    async def _delete_my_commands(self, params: JSONDict) -> bool:
        self.commands.pop(self._scope_and_language(params), None)
        return True

    def _set_bot_text(self, field_name: str) -> _Handler:
        async def handler(params: JSONDict) -> bool:
            language = _opt_str(params, "language_code") or ""
            value = _opt_str(params, field_name) or ""
            if value:
                self.bot_texts[(field_name, language)] = value
            else:
                self.bot_texts.pop((field_name, language), None)
            return True

        return handler

    def _get_bot_text(self, field_name: str) -> _Handler:
        async def handler(params: JSONDict) -> JSONDict:
            language = _opt_str(params, "language_code") or ""
            value = self.bot_texts.get((field_name, language))
            if value is None:
                value = self.bot_texts.get((field_name, ""), "")
            if field_name == "name" and not value:
                value = self.first_name
            return {field_name: value}

        return handler

    async def _send_chat_action(self, params: JSONDict) -> bool:
        chat = self._resolve_chat(params)
        action = _opt_str(params, "action")
        if action not in _CHAT_ACTIONS:
            raise _bad("wrong parameter action in request")
        self.chat_actions.append((chat.id, action))
        return True

    async def _get_chat(self, params: JSONDict) -> JSONDict:
        chat = self._resolve_chat(params, writing=False)
        return {
            **chat.to_dict(),
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": True,
                "limited_gifts": True,
                "unique_gifts": True,
                "premium_subscription": True,
                "gifts_from_channels": True,
            },
        }

    async def _set_chat_menu_button(self, params: JSONDict) -> bool:
        chat_id = _opt_int(params, "chat_id")
        button = _opt_json(params, "menu_button") or {"type": "default"}
        if not isinstance(button, dict) or button.get("type") not in (
            "commands",
            "web_app",
            "default",
        ):
            raise _bad("can't parse menu button JSON object")
        self.menu_buttons[chat_id] = button
        return True

    async def _get_chat_menu_button(self, params: JSONDict) -> JSONDict:
        chat_id = _opt_int(params, "chat_id")
        return self.menu_buttons.get(chat_id) or self.menu_buttons.get(None) or {
            "type": "commands"
        }


def _safe_chat_ref(params: JSONDict) -> int | str | None:
    """The chat a call targets, for ``call_log``; never raises on odd input."""
    try:
        return _chat_ref(params)
    except Exception:  # pragma: no cover - defensive, call_log must not break a call
        return None


# --------------------------------------------------------------------------------------------
# The in-process PTB adapter
# --------------------------------------------------------------------------------------------


class StandInRequest(BaseRequest):
    """A PTB request backend that calls a :class:`BotApiStandIn` directly, without sockets.

    Used as ``ApplicationBuilder().request(StandInRequest(s)).get_updates_request(
    StandInRequest(s))``. It honours PTB's read timeout (a stalled stand-in raises
    ``TimedOut`` as a stalled HTTP connection would) and turns "timeout" faults into
    ``TimedOut`` immediately so fault tests stay fast. Everything else (status codes, error
    bodies) goes through PTB's own parsing in ``BaseRequest.post``, so the exceptions the bot
    sees are the ones the real HTTP stack would raise.
    """

    __slots__ = ("_read_timeout", "_standin")

    def __init__(self, standin: BotApiStandIn, *, read_timeout: float | None = 5.0) -> None:
        self._standin = standin
        self._read_timeout = read_timeout

    @property
    def standin(self) -> BotApiStandIn:
        """The stand-in this adapter talks to."""
        return self._standin

    @property
    def read_timeout(self) -> float | None:
        """Default read timeout; PTB adds the long-poll timeout to it for getUpdates."""
        return self._read_timeout

    async def initialize(self) -> None:
        """Nothing to open: the stand-in lives in this process."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: float | DefaultValue[None] | None = BaseRequest.DEFAULT_NONE,
        write_timeout: float | DefaultValue[None] | None = BaseRequest.DEFAULT_NONE,
        connect_timeout: float | DefaultValue[None] | None = BaseRequest.DEFAULT_NONE,
        pool_timeout: float | DefaultValue[None] | None = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Route ``url``'s last path segment (the API method) to the stand-in."""
        api_method = url.split("?", 1)[0].rstrip("/").rsplit("/", 1)[-1]
        # A JSON round trip gives the stand-in plain JSON types and its own copy of the data,
        # as a real server would have, instead of objects the caller may still mutate.
        params: JSONDict = (
            json.loads(json.dumps(request_data.parameters)) if request_data else {}
        )
        timeout = self._read_timeout if isinstance(read_timeout, DefaultValue) else read_timeout
        try:
            if timeout is None:
                status, body = await self._standin.call(api_method, params)
            else:
                async with asyncio.timeout(timeout):
                    status, body = await self._standin.call(api_method, params)
        except SimulatedTimeout as exc:
            raise TimedOut("Timed out (simulated by the Bot API stand-in)") from exc
        except TimeoutError as exc:
            raise TimedOut(f"Timed out after {timeout}s waiting for the stand-in") from exc
        return status, json.dumps(body).encode("utf-8")
