"""The handler list (bot.handlers.handlers) routes each kind of button once."""

from __future__ import annotations

from telegram.ext import CallbackQueryHandler

from bot.handlers import handlers


def test_each_kind_of_button_has_exactly_one_handler():
    # A second handler for one prefix is dead code at best (PTB stops at the first
    # match in a group) and, at worst, the one that wins after a reorder.
    patterns = [handler.pattern for handler in handlers()
                if isinstance(handler, CallbackQueryHandler)]
    twice = {getattr(pattern, "__self__", pattern) for pattern in patterns
             if patterns.count(pattern) > 1}
    assert twice == set()
