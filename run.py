"""Entry point: `python run.py` runs the bot (long polling).

    python run.py                 run against Telegram (or TELEGRAM_API_BASE_URL)
    python run.py --console       chat with the bot in this terminal, no Telegram needed
    python run.py check           validate config, database schema and tip catalogue
    python run.py backup PATH     consistent copy of the live database

A bad setting stops the bot with one line on stderr and exit code 2.
"""

from __future__ import annotations

import sys

from bot.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
