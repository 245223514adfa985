"""Request parameters decoded per field, and reply markup validated, as Telegram does both.

Parameters arrive either JSON-typed (the in-process adapter, JSON bodies) or as the strings of
a form-encoded body (PTB's HTTP clients send every non-string value JSON-dumped as a form
field). Decoding per field, as Telegram does, makes both work and keeps a text like "42" or
"true" a string. Undecodable values are refused with Telegram's 400 descriptions.
"""

from __future__ import annotations

import json
from typing import Any

from standin.errors import ERR_BUTTON_DATA, ERR_MARKUP_JSON, ApiError, JSONDict, bad

__all__ = [
    "MAX_CALLBACK_DATA_BYTES",
    "chat_ref",
    "opt_bool",
    "opt_float",
    "opt_int",
    "opt_json",
    "opt_str",
    "parse_reply_markup",
    "safe_chat_ref",
]

MAX_CALLBACK_DATA_BYTES = 64


def opt_str(params: JSONDict, name: str) -> str | None:
    """A string parameter, or None when absent."""
    value = params.get(name)
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def opt_int(params: JSONDict, name: str) -> int | None:
    """An integer parameter, or None when absent; a non-integer is a 400."""
    value = params.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise bad(f"invalid {name} specified")
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    try:
        return int(str(value).strip())
    except ValueError:
        raise bad(f"invalid {name} specified") from None


def opt_float(params: JSONDict, name: str) -> float | None:
    """A number parameter, or None when absent; a non-number is a 400."""
    value = params.get(name)
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        raise bad(f"invalid {name} specified") from None


def opt_bool(params: JSONDict, name: str) -> bool:
    """A flag: true, "true" or "1"; absent is False."""
    value = params.get(name)
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1")
    return bool(value)


def opt_json(params: JSONDict, name: str, error: str | None = None) -> Any:
    """A structured parameter given as object or as JSON text (form-encoded requests)."""
    value = params.get(name)
    if isinstance(value, str):
        if not value.strip():
            return None
        try:
            return json.loads(value)
        except ValueError:
            raise ApiError(400, error or f"Bad Request: can't parse {name} JSON object") from None
    return value


def chat_ref(params: JSONDict, name: str = "chat_id") -> int | str | None:
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


def safe_chat_ref(params: JSONDict) -> int | str | None:
    """The chat a call targets, for ``call_log``; never raises on odd input."""
    try:
        return chat_ref(params)
    except Exception:  # pragma: no cover - defensive, call_log must not break a call
        return None


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
        raise ApiError(400, ERR_MARKUP_JSON)
    for row in rows:
        for button in row:
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise ApiError(400, ERR_MARKUP_JSON)
            actions = [key for key in _INLINE_ACTIONS if key in button]
            if not actions:
                raise bad(
                    "can't parse inline keyboard button: Text buttons are unallowed in the"
                    " inline keyboard"
                )
            if "callback_data" in button:
                data = button["callback_data"]
                size = len(data.encode("utf-8")) if isinstance(data, str) else 0
                if not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
                    raise ApiError(400, ERR_BUTTON_DATA)
            if "url" in button and not button["url"]:
                raise bad("BUTTON_URL_INVALID")


def _validate_reply_keyboard(markup: JSONDict) -> None:
    rows = markup.get("keyboard")
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise ApiError(400, ERR_MARKUP_JSON)
    for row in rows:
        for button in row:
            if isinstance(button, str):
                continue
            if not isinstance(button, dict) or not isinstance(button.get("text"), str):
                raise ApiError(400, ERR_MARKUP_JSON)


def parse_reply_markup(params: JSONDict, *, inline_only: bool = False) -> JSONDict | None:
    """Decode and validate ``reply_markup`` (a dict, or JSON text from a form body)."""
    markup = opt_json(params, "reply_markup", ERR_MARKUP_JSON)
    if markup is None:
        return None
    if not isinstance(markup, dict):
        raise ApiError(400, ERR_MARKUP_JSON)
    if "inline_keyboard" in markup:
        _validate_inline_keyboard(markup)
    elif inline_only:
        raise bad("inline keyboard expected")
    elif "keyboard" in markup:
        _validate_reply_keyboard(markup)
    elif "remove_keyboard" not in markup and "force_reply" not in markup:
        raise ApiError(400, ERR_MARKUP_JSON)
    return markup
