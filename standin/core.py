"""The Bot API stand-in's core: one bot's Telegram state, the methods the bot calls, users.

Telegram is unreachable from the machines this project is built and tested on, so every test
and the console mode talk to this stand-in instead. It exists to make the *failure modes* of
the real server reproducible: the error bodies, HTTP status codes and validation rules are
modelled on what Telegram really answers, because python-telegram-bot (PTB) turns exactly
those into ``RetryAfter`` / ``Forbidden`` / ``BadRequest`` / ``NetworkError`` and the bot's
error handling must be exercised against them, not against an idealised API.

Only the methods the bot calls are modelled (getMe, getUpdates, setWebhook, deleteWebhook,
sendMessage, sendPhoto, sendDocument, editMessageText, answerCallbackQuery, setMyCommands,
getChatMember, setMyDescription, setMyShortDescription).
Uploads are recorded with file name, bytes and caption (``SentMessage.media``). Any other
method gets Telegram's answer to an unknown method, a 404 that PTB raises as an error: a bot
change that starts calling a new method fails loudly in the tests until it is modelled here.

The core is transport-free: :meth:`BotApiStandIn.call` maps (method, params) to (status, body).
``standin.request`` plugs it into PTB in-process; ``standin.http`` serves it over loopback HTTP.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from standin.errors import (
    ERR_BLOCKED,
    ERR_CHAT_NOT_FOUND,
    ERR_EDIT_NOT_FOUND,
    ERR_GETUPDATES_CONFLICT,
    ERR_NOT_MODIFIED,
    ERR_QUERY_INVALID,
    ERR_TEXT_EMPTY,
    ERR_TEXT_TOO_LONG,
    ERR_WEBHOOK_ACTIVE,
    ApiAnswer,
    ApiError,
    JSONDict,
    bad,
    error_answer,
)
from standin.faults import FaultPolicy, SimulatedTimeout
from standin.formatting import FormattedText, entity, parse_formatted_text, utf16_len
from standin.params import (
    chat_ref,
    opt_bool,
    opt_float,
    opt_int,
    opt_json,
    opt_str,
    parse_reply_markup,
    safe_chat_ref,
)
from standin.records import NO_ANSWER_STATUS, AnsweredCallback, CallRecord, Edit, SentMessage

__all__ = ["BotApiStandIn", "scope_key"]

_LOGGER = logging.getLogger(__name__)

MAX_TEXT_LENGTH = 4096
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_ANSWER_LENGTH = 200

# --------------------------------------------------------------------------------------------
# Chats and bot commands
# --------------------------------------------------------------------------------------------

_DEFAULT_GROUP_USER_ID = 424242
#: The user Telegram shows as the sender of an anonymous group administrator's message.
ANONYMOUS_ADMIN_USER_ID = 1087968824
_MEMBER_STATUSES = frozenset({"creator", "administrator", "member", "restricted", "left",
                              "kicked"})
_COMMAND_RE = re.compile(r"^[a-z0-9_]{1,32}$")
_DEFAULT_SKIPPED_UPDATES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


@dataclass
class _Chat:
    """What the stand-in knows about one chat: its identity and the bot's standing in it."""

    id: int
    type: str
    first_name: str | None = None
    title: str | None = None
    blocked: bool = False
    not_found: bool = False
    last_message_id: int = 0

    def to_dict(self) -> JSONDict:
        """The chat as a Telegram ``Chat`` object."""
        chat: JSONDict = {"id": self.id, "type": self.type}
        if self.type == "private":
            chat["first_name"] = self.first_name or "Test"
        else:
            chat["title"] = self.title or f"Group {self.id}"
        return chat

    def next_message_id(self) -> int:
        """Message ids are per chat and shared by the user's and the bot's messages."""
        self.last_message_id += 1
        return self.last_message_id

    def forbidden_description(self) -> str:
        """Telegram's 403 text for this chat: blocked in private, kicked from a group."""
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
        raise bad("wrong parameter scope")
    if kind in ("chat", "chat_administrators"):
        if scope.get("chat_id") in (None, ""):
            raise bad("chat_id is empty")
        return f"{kind}:{scope['chat_id']}"
    if kind == "chat_member":
        if scope.get("chat_id") in (None, "") or scope.get("user_id") in (None, ""):
            raise bad("chat_id or user_id is empty")
        return f"{kind}:{scope['chat_id']}:{scope['user_id']}"
    return str(kind)


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
        # Requests being answered right now, and the most ever at once, per method: how
        # many requests a client keeps under way (with `latency`, a round trip's worth).
        self.in_flight: collections.Counter[str] = collections.Counter()
        self.most_in_flight: collections.Counter[str] = collections.Counter()
        self.call_log: list[CallRecord] = []
        self.internal_errors: list[BaseException] = []
        self.fault_policy: FaultPolicy | None = None
        self.latency: float = 0.0
        self.auto_create_chats: bool = True
        self.webhook_url: str = ""
        self.webhook_params: JSONDict = {}
        self.allowed_updates: list[str] | None = None
        # (chat, user) -> status for getChatMember; anyone not listed is a plain "member".
        self._member_status: dict[tuple[int, int], str] = {}
        # setMyDescription / setMyShortDescription, by language code ("" = default)
        self.descriptions: dict[str, str] = {}
        self.short_descriptions: dict[str, str] = {}

        self._chats: dict[int, _Chat] = {}
        self._by_key: dict[tuple[int, int], SentMessage] = {}
        self._by_chat: dict[int, list[SentMessage]] = collections.defaultdict(list)
        # (chat, message id) of users' messages: the bot may not edit them.
        self._user_messages: set[tuple[int, int]] = set()
        self._callbacks: dict[str, tuple[int, int, str]] = {}
        self._updates: collections.deque[JSONDict] = collections.deque()
        self._last_update_id = 0
        self._next_callback_id = 4_000_000_000_000_000
        self._poll_waiters: set[asyncio.Future[str]] = set()
        self._handlers: dict[str, tuple[str, _Handler]] = {
            name.lower(): (name, handler)
            for name, handler in {
                "getMe": self._get_me,
                "getUpdates": self._get_updates,
                "setWebhook": self._set_webhook,
                "deleteWebhook": self._delete_webhook,
                "sendMessage": self._send_message,
                "sendPhoto": self._send_photo,
                "sendDocument": self._send_document,
                "editMessageText": self._edit_message_text,
                "answerCallbackQuery": self._answer_callback_query,
                "setMyCommands": self._set_my_commands,
                "getChatMember": self._get_chat_member,
                "setMyDescription": self._set_my_description,
                "setMyShortDescription": self._set_my_short_description,
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

    async def call(self, method: str, params: JSONDict) -> ApiAnswer:
        """Answer one Bot API request: (HTTP status, JSON body exactly as Telegram sends it).

        Raises :class:`SimulatedTimeout` for a "timeout" fault so that the transport can decide
        how "no answer" looks (see there). Any bug inside the stand-in becomes a 500 and is kept
        in ``internal_errors`` rather than vanishing into PTB's generic NetworkError retries.
        """
        entry = self._handlers.get(method.lower())
        name = entry[0] if entry else method
        self.calls[name] += 1
        self.in_flight[name] += 1
        self.most_in_flight[name] = max(self.most_in_flight[name], self.in_flight[name])
        try:
            return await self._answer(name, entry, params)
        finally:
            self.in_flight[name] -= 1

    async def _answer(self, name: str, entry: tuple[str, _Handler] | None,
                      params: JSONDict) -> ApiAnswer:
        target = safe_chat_ref(params)
        if self.latency > 0:
            await asyncio.sleep(self.latency)
        fault = self.fault_policy(name, params) if self.fault_policy else None
        if fault is not None and fault.kind == "timeout":
            late = await self._dispatch(entry, params) if (fault.deliver and entry) else None
            self.call_log.append(CallRecord(name, target, NO_ANSWER_STATUS))
            raise SimulatedTimeout(fault.delay, late)
        if fault is not None:
            status, body = fault.answer()
        elif entry is None:
            status, body = error_answer(404, "Not Found")
        else:
            status, body = await self._dispatch(entry, params)
        self.call_log.append(CallRecord(name, target, status))
        return status, body

    async def _dispatch(self, entry: tuple[str, _Handler], params: JSONDict) -> ApiAnswer:
        name, handler = entry
        try:
            result = await handler(params)
        except ApiError as exc:
            return error_answer(exc.status, exc.description, retry_after=exc.retry_after)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            _LOGGER.exception("stand-in bug while handling %s", name)
            self.internal_errors.append(exc)
            return error_answer(500, f"Internal Server Error: stand-in failed on {name}: {exc!r}")
        return 200, {"ok": True, "result": result}

    # ---------------------------------------------------------------- lookups for tests

    def messages_to(self, chat_id: int) -> list[SentMessage]:
        """Every message delivered to ``chat_id``, oldest first."""
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
        anonymous: bool = False,
        reply_to: int | None = None,
    ) -> JSONDict:
        """A user writes ``text`` in ``chat_id``; returns the queued Update dict.

        ``reply_to`` makes it a reply to the bot's message with that id (console /reply).

        A leading "/command" (with optional @botname) gets a ``bot_command`` entity just as
        Telegram adds one, which is what PTB's CommandHandler looks for. A user who had blocked
        the bot unblocks it first, because Telegram clients do that when the user writes again.
        ``anonymous`` sends as an anonymous group administrator: Telegram then names the group
        itself as ``sender_chat`` and a placeholder user as ``from``.
        """
        message = self._user_message(
            chat_id,
            user_id=ANONYMOUS_ADMIN_USER_ID if anonymous else user_id,
            first_name="Group" if anonymous else first_name,
            chat_type=chat_type,
            language_code=language_code,
        )
        if anonymous:
            message["from"]["is_bot"] = True
            message["from"]["username"] = "GroupAnonymousBot"
            message["sender_chat"] = message["chat"]
        message["text"] = text
        replied = self._by_key.get((chat_id, reply_to)) if reply_to is not None else None
        if replied is not None:
            message["reply_to_message"] = self._message_dict(replied)
        command = text.split(maxsplit=1)[0] if text.strip() else ""
        if command.startswith("/") and len(command) > 1:
            message["entities"] = [entity("bot_command", 0, utf16_len(command))]
        return self._enqueue("message", message)

    def user_sends_location(
        self, chat_id: int, latitude: float, longitude: float, *,
        user_id: int | None = None, first_name: str = "Test", language_code: str = "en",
    ) -> JSONDict:
        """A user shares a location (what a request_location button sends)."""
        message = self._user_message(chat_id, user_id=user_id, first_name=first_name,
                                     chat_type="private", language_code=language_code)
        message["location"] = {"latitude": latitude, "longitude": longitude}
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
        self._user_messages.add((chat_id, message["message_id"]))
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
        if sent is None:
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

    def set_member_status(self, chat_id: int, user_id: int, status: str) -> None:
        """What getChatMember answers for ``user_id`` in ``chat_id`` (default "member")."""
        if status not in _MEMBER_STATUSES:
            raise ValueError(f"unknown member status {status!r}")
        self._member_status[(chat_id, user_id)] = status

    def push_update(self, kind: str, payload: JSONDict) -> JSONDict:
        """Queue an update of any kind as given (a channel post, an edit, a migration ...).

        For the update kinds no simulated user action produces; ``payload`` is the
        object Telegram would put under ``kind``.
        """
        return self._enqueue(kind, payload)

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
            raise ApiError(409, ERR_WEBHOOK_ACTIVE)
        offset = opt_int(params, "offset")
        limit = opt_int(params, "limit") or 100
        limit = max(1, min(limit, 100))
        timeout = max(opt_float(params, "timeout") or 0.0, 0.0)
        allowed = opt_json(params, "allowed_updates")
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
                raise ApiError(409, ERR_GETUPDATES_CONFLICT)
            if reason in ("release", "timeout"):
                return self._confirm_and_take(offset, limit)

    async def _set_webhook(self, params: JSONDict) -> bool:
        self.webhook_url = opt_str(params, "url") or ""
        self.webhook_params = {key: value for key, value in params.items() if key != "url"}
        allowed = opt_json(params, "allowed_updates")
        if isinstance(allowed, list):
            self.allowed_updates = [str(kind) for kind in allowed]
        if opt_bool(params, "drop_pending_updates"):
            self._updates.clear()
        return True

    async def _delete_webhook(self, params: JSONDict) -> bool:
        self.webhook_url = ""
        self.webhook_params = {}
        if opt_bool(params, "drop_pending_updates"):
            self._updates.clear()
        return True

    def _resolve_chat(self, params: JSONDict) -> _Chat:
        """The target chat, or the 400/403 Telegram answers for it."""
        ref = chat_ref(params)
        if ref is None:
            raise bad("chat_id is empty")
        chat: _Chat | None
        if isinstance(ref, str):
            chat = None  # no simulated chat has a public @username
        elif ref in self._chats:
            chat = self._chats[ref]
        elif self.auto_create_chats and ref != 0:
            chat = self._chat(ref)
        else:
            chat = None
        if chat is None or chat.not_found:
            raise ApiError(400, ERR_CHAT_NOT_FOUND)
        if chat.blocked:
            raise ApiError(403, chat.forbidden_description())
        return chat

    @staticmethod
    def _formatted(params: JSONDict) -> tuple[str, str | None, FormattedText]:
        raw = opt_str(params, "text")
        parse_mode = opt_str(params, "parse_mode")
        entities = opt_json(params, "entities")
        if raw is None or raw == "":
            raise ApiError(400, ERR_TEXT_EMPTY)
        if entities is not None and not isinstance(entities, list):
            raise bad("can't parse entities JSON object")
        try:
            formatted = parse_formatted_text(raw, parse_mode, entities)
        except ValueError as exc:
            raise bad(str(exc)) from None
        if not formatted.text:
            raise ApiError(400, ERR_TEXT_EMPTY)
        if utf16_len(formatted.text) > MAX_TEXT_LENGTH:  # Telegram counts UTF-16 code units
            raise ApiError(400, ERR_TEXT_TOO_LONG)
        return raw, parse_mode, formatted

    def _message_dict(self, sent: SentMessage) -> JSONDict:
        """The bot message as a Telegram ``Message`` object, in its current state."""
        chat = self._chat(sent.chat_id)
        message: JSONDict = {
            "message_id": sent.message_id,
            "from": self.bot_user,
            "chat": chat.to_dict(),
            "date": sent.date,
        }
        file_id = f"standin-{sent.chat_id}-{sent.message_id}"
        if sent.media == "photo":
            message["photo"] = [{"file_id": file_id, "file_unique_id": file_id,
                                 "width": 960, "height": 600,
                                 "file_size": len(sent.file_bytes or b"")}]
        elif sent.media == "document":
            message["document"] = {"file_id": file_id, "file_unique_id": file_id,
                                   "file_name": sent.file_name,
                                   "file_size": len(sent.file_bytes or b"")}
        if sent.media is None:
            message["text"] = sent.text
        elif sent.text:
            message["caption"] = sent.text
        if sent.entities:
            message["caption_entities" if sent.media else "entities"] = sent.entities
        # Telegram only ever returns inline keyboards as Message.reply_markup.
        if sent.reply_markup and "inline_keyboard" in sent.reply_markup:
            message["reply_markup"] = sent.reply_markup
        if sent.link_preview_options:
            message["link_preview_options"] = sent.link_preview_options
        if sent.edit_date is not None:
            message["edit_date"] = sent.edit_date
        return message

    async def _send_message(self, params: JSONDict) -> JSONDict:
        chat = self._resolve_chat(params)
        raw, parse_mode, formatted = self._formatted(params)
        markup = parse_reply_markup(params)
        preview = opt_json(params, "link_preview_options")
        if preview is None and params.get("disable_web_page_preview") is not None:
            preview = {"is_disabled": opt_bool(params, "disable_web_page_preview")}
        sent = SentMessage(
            chat_id=chat.id,
            message_id=chat.next_message_id(),
            text=formatted.text,
            parse_mode=parse_mode,
            reply_markup=markup,
            raw_text=raw,
            entities=formatted.entities,
            date=int(time.time()),
            link_preview_options=preview if isinstance(preview, dict) else None,
            allow_paid_broadcast=opt_bool(params, "allow_paid_broadcast"),
        )
        self.sent.append(sent)
        self._by_key[(chat.id, sent.message_id)] = sent
        self._by_chat[chat.id].append(sent)
        return self._message_dict(sent)

    async def _send_photo(self, params: JSONDict) -> JSONDict:
        return self._send_media(params, "photo")

    async def _send_document(self, params: JSONDict) -> JSONDict:
        return self._send_media(params, "document")

    def _send_media(self, params: JSONDict, media: str) -> JSONDict:
        """sendPhoto / sendDocument with an uploaded file (multipart) and an optional caption."""
        chat = self._resolve_chat(params)
        upload = params.get(media)
        if not isinstance(upload, dict) or not isinstance(upload.get("bytes"), bytes):
            raise bad(f"there is no {media} in the request")
        if not upload["bytes"]:
            raise bad("file must be non-empty")
        caption_raw = opt_str(params, "caption") or ""
        parse_mode = opt_str(params, "parse_mode")
        try:
            caption = parse_formatted_text(caption_raw, parse_mode, None) if caption_raw \
                else FormattedText("", [])
        except ValueError as exc:
            raise bad(str(exc)) from None
        if len(caption.text) > MAX_CAPTION_LENGTH:
            raise bad("message caption is too long")
        markup = parse_reply_markup(params)
        sent = SentMessage(
            chat_id=chat.id, message_id=chat.next_message_id(), text=caption.text,
            parse_mode=parse_mode, reply_markup=markup, raw_text=caption_raw,
            entities=caption.entities, date=int(time.time()), media=media,
            file_name=str(upload.get("filename") or media), file_bytes=upload["bytes"])
        self.sent.append(sent)
        self._by_key[(chat.id, sent.message_id)] = sent
        self._by_chat[chat.id].append(sent)
        return self._message_dict(sent)

    def _editable(self, params: JSONDict) -> SentMessage:
        if params.get("inline_message_id"):
            raise bad("MESSAGE_ID_INVALID")
        chat = self._resolve_chat(params)
        message_id = opt_int(params, "message_id")
        if message_id is None:
            raise bad("message identifier is not specified")
        sent = self._by_key.get((chat.id, message_id))
        if sent is None:
            if (chat.id, message_id) in self._user_messages:
                raise bad("message can't be edited")
            raise ApiError(400, ERR_EDIT_NOT_FOUND)
        return sent

    def _apply_edit(
        self,
        sent: SentMessage,
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
            raise ApiError(400, ERR_NOT_MODIFIED)
        now = int(time.time())
        sent.text, sent.raw_text, sent.parse_mode = formatted.text, raw, parse_mode
        sent.entities, sent.reply_markup, sent.edit_date = formatted.entities, markup, now
        sent.edits.append(Edit(formatted.text, raw, parse_mode, markup, now))
        return self._message_dict(sent)

    async def _edit_message_text(self, params: JSONDict) -> JSONDict:
        sent = self._editable(params)
        raw, parse_mode, formatted = self._formatted(params)
        # As on Telegram, omitting reply_markup in an edit removes the inline keyboard.
        markup = parse_reply_markup(params, inline_only=True)
        return self._apply_edit(sent, raw, parse_mode, formatted, markup)

    async def _answer_callback_query(self, params: JSONDict) -> bool:
        query_id = opt_str(params, "callback_query_id")
        if not query_id or query_id not in self._callbacks:
            raise ApiError(400, ERR_QUERY_INVALID)
        text = opt_str(params, "text")
        if text is not None and len(text) > MAX_CALLBACK_ANSWER_LENGTH:
            raise bad("MESSAGE_TOO_LONG")
        chat_id, message_id, data = self._callbacks[query_id]
        self.answered_callbacks.append(
            AnsweredCallback(
                callback_query_id=query_id,
                text=text,
                show_alert=opt_bool(params, "show_alert"),
                url=opt_str(params, "url"),
                cache_time=opt_int(params, "cache_time"),
                chat_id=chat_id,
                message_id=message_id,
                data=data,
            )
        )
        return True

    @staticmethod
    def _scope_and_language(params: JSONDict) -> tuple[str, str]:
        scope = opt_json(params, "scope")
        if scope is not None and not isinstance(scope, dict):
            raise bad("wrong parameter scope")
        language = opt_str(params, "language_code") or ""
        if language and not re.fullmatch(r"[a-z]{2}", language):
            raise bad("invalid language code specified")
        return scope_key(scope), language

    async def _get_chat_member(self, params: JSONDict) -> JSONDict:
        chat = self._resolve_chat(params)
        user_id = opt_int(params, "user_id")
        if user_id is None:
            raise bad("user_id is empty")
        if chat.type == "private":
            status = "member" if user_id in (chat.id, self.bot_id) else "left"
        else:
            status = self._member_status.get((chat.id, user_id), "member")
        user = self.bot_user if user_id == self.bot_id else self._user(user_id, "Test", None)
        member: JSONDict = {"user": user, "status": status}
        if status == "administrator":
            member.update(can_be_edited=False, is_anonymous=False, can_manage_chat=True,
                          can_delete_messages=True, can_manage_video_chats=True,
                          can_restrict_members=True, can_promote_members=False,
                          can_change_info=True, can_invite_users=True, can_post_stories=False,
                          can_edit_stories=False, can_delete_stories=False)
        elif status == "creator":
            member["is_anonymous"] = False
        elif status == "restricted":
            member.update(is_member=True, until_date=0, can_send_messages=True,
                          can_send_audios=True, can_send_documents=True,
                          can_send_photos=True, can_send_videos=True,
                          can_send_video_notes=True, can_send_voice_notes=True,
                          can_send_polls=True, can_send_other_messages=True,
                          can_add_web_page_previews=True, can_change_info=False,
                          can_invite_users=False, can_pin_messages=False,
                          can_manage_topics=False, can_edit_tag=False,
                          can_react_to_messages=True)
        elif status == "kicked":
            member["until_date"] = 0
        return member

    async def _set_my_commands(self, params: JSONDict) -> bool:
        commands = opt_json(params, "commands")
        if not isinstance(commands, list) or len(commands) > 100:
            raise bad("can't parse commands JSON object")
        cleaned: list[JSONDict] = []
        for command in commands:
            if not isinstance(command, dict):
                raise bad("can't parse BotCommand JSON object")
            name = str(command.get("command", ""))
            description = str(command.get("description", ""))
            if not _COMMAND_RE.fullmatch(name):
                raise bad("BOT_COMMAND_INVALID")
            if not 1 <= len(description.strip()) <= 256:
                raise bad("BOT_COMMAND_DESCRIPTION_INVALID")
            cleaned.append({"command": name, "description": description})
        key = self._scope_and_language(params)
        if cleaned:
            self.commands[key] = cleaned
        else:
            self.commands.pop(key, None)
        return True

    async def _set_my_description(self, params: JSONDict) -> bool:
        text = opt_str(params, "description") or ""
        if len(text) > 512:
            raise bad("BOT_DESCRIPTION_INVALID")
        self.descriptions[opt_str(params, "language_code") or ""] = text
        return True

    async def _set_my_short_description(self, params: JSONDict) -> bool:
        text = opt_str(params, "short_description") or ""
        if len(text) > 120:
            raise bad("BOT_SHORT_DESCRIPTION_INVALID")
        self.short_descriptions[opt_str(params, "language_code") or ""] = text
        return True
