"""Telegram's error answers: the exact wordings, and the body shape they travel in.

PTB turns these bodies into ``BadRequest`` / ``Forbidden`` / ``RetryAfter`` / ... by status code
and description, so the wordings here are Telegram's own (collected in one place so tests can
refer to them) and every refusal of the stand-in goes through :func:`error_answer`.
"""

from __future__ import annotations

from typing import Any

JSONDict = dict[str, Any]
#: One answer of the Bot API: (HTTP status, JSON body exactly as Telegram sends it).
ApiAnswer = tuple[int, JSONDict]

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


class ApiError(Exception):
    """Raised inside a method handler; the core turns it into Telegram's error body."""

    def __init__(self, status: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.status = status
        self.description = description
        self.retry_after = retry_after


def error_answer(status: int, description: str, *, retry_after: int | None = None,
                 migrate_to_chat_id: int | None = None) -> ApiAnswer:
    """Telegram's error body: ``ok: false``, the code, the description, maybe parameters
    (``retry_after`` for flood control, ``migrate_to_chat_id`` for an upgraded group)."""
    body: JSONDict = {"ok": False, "error_code": status, "description": description}
    if retry_after is not None:
        body["parameters"] = {"retry_after": retry_after}
    if migrate_to_chat_id is not None:
        body["parameters"] = {"migrate_to_chat_id": migrate_to_chat_id}
    return status, body


def bad(description: str) -> ApiError:
    """A 400 with Telegram's "Bad Request: " prefix."""
    return ApiError(400, f"Bad Request: {description}")
