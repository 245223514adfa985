"""Telegram's HTML parse mode: a bot's message text into the (text, entities) Telegram stores.

Modelled on tdlib's ``parse_html``, error texts included, because a send with broken markup is
refused by Telegram and must be refused here too: unknown tags, a stray ``<``, crossed or
unclosed tags fail with Telegram's description. Entity offsets count UTF-16 code units, as
Telegram's do; surrounding whitespace is trimmed before storing, as Telegram trims it.

Only HTML, the bot's one parse mode, is modelled. MarkdownV2 and legacy Markdown are refused
("unsupported parse_mode"), so a change of parse mode fails loudly in the tests instead of
passing unchecked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar

from standin.errors import JSONDict

__all__ = ["FormattedText", "entity", "parse_formatted_text", "utf16_len"]


def utf16_len(text: str) -> int:
    """Telegram measures entity offsets in UTF-16 code units, not code points."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-16-le")) // 2


def _byte_offset(text: str, index: int) -> int:
    """Telegram reports parse errors at UTF-8 byte offsets."""
    return len(text[:index].encode("utf-8"))


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
            self.pos += utf16_len(chunk)

    def build(self) -> str:
        return "".join(self.parts)


class _EntityParseError(Exception):
    """A markup error; its message is Telegram's text after "can't parse entities: "."""


def entity(kind: str, offset: int, length: int, **extra: Any) -> JSONDict:
    """A Telegram ``MessageEntity`` dict; ``extra`` fields that are None are left out."""
    result: JSONDict = {"type": kind, "offset": offset, "length": length}
    result.update({key: value for key, value in extra.items() if value is not None})
    return result


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
                self.entities.append(entity("text_link", frame.start, length, url=href))
            else:
                self.entities.append(entity("url", frame.start, length))
        elif frame.tag == "code":
            css = frame.attrs.get("class", "")
            parent = self.stack[-1] if self.stack else None
            if parent is not None and parent.tag == "pre" and css.startswith("language-"):
                parent.language = css.removeprefix("language-")
            else:
                self.entities.append(entity("code", frame.start, length))
        elif frame.tag == "pre":
            self.entities.append(entity("pre", frame.start, length, language=frame.language))
        elif frame.tag == "tg-emoji":
            emoji_id = frame.attrs.get("emoji-id")
            if emoji_id:
                self.entities.append(
                    entity("custom_emoji", frame.start, length, custom_emoji_id=emoji_id)
                )
        elif frame.tag == "blockquote":
            quote = "expandable_blockquote" if "expandable" in frame.attrs else "blockquote"
            self.entities.append(entity(quote, frame.start, length))
        else:
            self.entities.append(entity(kind, frame.start, length))


def _trim(formatted: FormattedText) -> FormattedText:
    """Strip surrounding whitespace and shift entities, as Telegram does before storing."""
    text = formatted.text
    stripped = text.strip(_SPACE)
    if stripped == text:
        return formatted
    lead = utf16_len(text[: len(text) - len(text.lstrip(_SPACE))])
    total = utf16_len(stripped)
    entities: list[JSONDict] = []
    for item in formatted.entities:
        start = max(item["offset"] - lead, 0)
        end = min(item["offset"] + item["length"] - lead, total)
        if end > start:
            entities.append({**item, "offset": start, "length": end - start})
    return FormattedText(stripped, entities)


def parse_formatted_text(
    text: str, parse_mode: str | None, entities: list[JSONDict] | None = None
) -> FormattedText:
    """Turn a message text as sent by a bot into Telegram's stored (text, entities).

    Raises ``ValueError`` with Telegram's description (without the "Bad Request: " prefix) when
    Telegram would refuse the text, so the bot's formatting is checked the way production
    checks it. Explicit ``entities`` are taken as given, as Telegram takes them.
    """
    if entities is not None:
        result = FormattedText(text, [dict(item) for item in entities])
    elif parse_mode is None or parse_mode == "":
        result = FormattedText(text, [])
    elif parse_mode.lower() == "html":
        try:
            result = _HtmlParser(text).parse()
        except _EntityParseError as exc:
            raise ValueError(f"can't parse entities: {exc}") from None
    else:
        raise ValueError("unsupported parse_mode (the stand-in models HTML only)")
    result = _trim(result)
    result.entities.sort(key=lambda item: (item["offset"], -item["length"]))
    return result
