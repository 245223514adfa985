"""Entry point: `python run.py` runs the bot (long polling).

    python run.py                 run against Telegram (or TELEGRAM_API_BASE_URL)
    python run.py --console       chat with the bot in this terminal, no Telegram needed
    python run.py check           validate config, database schema and tip catalogue
    python run.py health          Docker's HEALTHCHECK: GET /healthz if HEALTH_PORT/PORT, else check
    python run.py backup PATH     verified copy of the live database (works while the bot runs)
    python run.py restore PATH    replace the database with a verified backup (bot stopped)

A bad setting, a second process on the same database, a rejected token or a wrong
TELEGRAM_API_BASE_URL stops the bot with one line on stderr and exit code 2; an
unreachable Telegram is waited for (retrying in 1, 2, 4 … 60 s).
"""

from __future__ import annotations

import sys

from bot.runtime.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
