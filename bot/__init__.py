"""MagDaily: the Telegram side of the bot."""

import os

# Opt in to python-telegram-bot's announced behaviour (time periods as timedelta) now,
# instead of a deprecation warning on every 429 the sender handles.
os.environ.setdefault("PTB_TIMEDELTA", "1")
