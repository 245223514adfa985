"""The one type name for python-telegram-bot's Application as this bot uses it.

PTB's Application is generic over six type parameters (context, bot and user/chat data
types) that this bot leaves at their defaults; one alias keeps every signature short and
any type checker satisfied without suppression comments.
"""

from __future__ import annotations

from typing import Any, TypeAlias

from telegram.ext import Application

TelegramApp: TypeAlias = Application[Any, Any, Any, Any, Any, Any]
