"""Settings from the environment (and an optional .env file).

Every value is checked here, once, at start-up: a typo in a deployment should stop the
bot with one line naming the variable, not surface hours later as a failed send.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import dotenv_values

from bot.core.database_url import DatabaseUrlError, PostgresUrl, parse_database_url
from bot.core.parsing import parse_send_time
from bot.core.zones import parse_zone

TELEGRAM_BASE_URL = "https://api.telegram.org/bot"
_TOKEN_RE = re.compile(r"^\d{3,20}:[A-Za-z0-9_-]{20,100}$")
MIN_WEBHOOK_SECRET = 16
_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_TRUE = ("true", "1", "yes", "on")
_FALSE = ("false", "0", "no", "off")
# Telegram's ceiling for a bot with paid broadcasts enabled (Bots FAQ, Bot API 7.11).
PAID_BROADCAST_MAX_RATE = 1000.0
# Without paid broadcasts Telegram allows about 30 bulk messages a second: more is a 429
# storm. Below one a second a cohort due in the same minute would outlast its grace window.
FREE_MAX_RATE = 30.0
MIN_RATE = 1.0


class ConfigError(Exception):
    """A setting is unusable; the message is one line and never contains the token."""


@dataclass(frozen=True, slots=True)
class Settings:
    """The validated configuration the rest of the bot depends on."""

    token: str | None = field(repr=False)
    api_base_url: str = TELEGRAM_BASE_URL
    admin_ids: frozenset[int] = frozenset()
    database_path: Path = Path("data/bot.sqlite3")
    # DATABASE_URL=postgresql://…: the data lives in PostgreSQL and database_path is unused.
    postgres: PostgresUrl | None = None
    default_timezone: str = "UTC"
    default_send_time: time = time(9, 0)
    send_rate_per_second: float = 25.0
    allow_paid_broadcast: bool = False
    missed_grace_hours: float = 3.0
    tick_seconds: float = 20.0
    stall_minutes: float = 10.0  # `run.py check` fails when the sender makes no progress
    # How long Telegram's 409 Conflict (another poller) is retried before the bot stops:
    # a rolling deploy overlaps old and new instance for a few seconds.
    conflict_retry_seconds: float = 60.0
    log_level: str = "INFO"
    webhook_url: str | None = None
    webhook_listen: str = "127.0.0.1"
    webhook_port: int = 8443
    webhook_secret: str | None = field(default=None, repr=False)
    # /healthz and /readyz (bot.runtime.health): off unless HEALTH_PORT (or PORT) is set.
    health_port: int | None = None
    health_listen: str = "127.0.0.1"

    @property
    def health_beside_webhook(self) -> bool:
        """The health checks share the webhook's port, so its server answers them too.

        Platforms give a service one PORT: the webhook and the checks both need it.
        """
        return self.webhook_url is not None and self.health_port == self.webhook_port


def _env(source: Mapping[str, str | None], name: str) -> str | None:
    value = source.get(name)
    if value is None:
        return None
    value = value.strip()
    return value or None


def path_setting(source: Mapping[str, str | None], name: str, default: str) -> str:
    """A file path setting: unset means the default, but a blank value is a mistake.

    `DATABASE_PATH=' '` would otherwise quietly mean data/bot.sqlite3 in whatever folder
    the bot was started from: a fresh, empty database instead of the one meant.
    """
    value = source.get(name)
    if value is None:
        return default
    if not value.strip():
        raise ConfigError(f"{name} is set but blank; give a file path or leave it unset, "
                          f"e.g. {name}={default}")
    return value.strip()


def _positive_float(source: Mapping[str, str | None], name: str, default: float,
                    example: str) -> float:
    raw = _env(source, name)
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, e.g. {name}={example}") from None
    if not value > 0 or value != value or value == float("inf"):
        raise ConfigError(f"{name} must be greater than 0, e.g. {name}={example}")
    return value


def _has_valid_port(url: str) -> bool:
    try:
        port = urlsplit(url).port  # raises ValueError for a port out of range
    except ValueError:
        return False
    return port != 0


def _flag(source: Mapping[str, str | None], name: str, default: bool) -> bool:
    raw = _env(source, name)
    if raw is None:
        return default
    if raw.lower() in _TRUE:
        return True
    if raw.lower() in _FALSE:
        return False
    raise ConfigError(f"{name} must be true or false, e.g. {name}=true")


def load_settings(environ: Mapping[str, str] | None = None,
                  env_file: Path | None = Path(".env")) -> Settings:
    """Build Settings from the process environment, falling back to .env values.

    Real environment variables win over the .env file so a deployment can override a
    developer's local file without editing it.
    """
    source: dict[str, str | None] = {}
    if env_file is not None and env_file.is_file():
        source.update(dotenv_values(env_file))
    source.update(os.environ if environ is None else environ)

    token = _env(source, "TELEGRAM_BOT_TOKEN")
    if token is not None and not _TOKEN_RE.match(token):
        raise ConfigError(
            "TELEGRAM_BOT_TOKEN does not look like a bot token: @BotFather gives digits, a "
            "colon and a long key, "
            "e.g. TELEGRAM_BOT_TOKEN=4839574812:AAFD39kkdpWt3ywyRZergyOLMaJhac60qc"
        )

    api_base_url = _env(source, "TELEGRAM_API_BASE_URL") or TELEGRAM_BASE_URL
    if not _has_valid_port(api_base_url):
        raise ConfigError("TELEGRAM_API_BASE_URL has an invalid port (1-65535), "
                          "e.g. TELEGRAM_API_BASE_URL=http://127.0.0.1:8081/bot")
    if not re.match(r"^https?://[^\s/]+(/\S*)?$", api_base_url):
        raise ConfigError(
            "TELEGRAM_API_BASE_URL must be an http(s) URL, "
            "e.g. TELEGRAM_API_BASE_URL=http://127.0.0.1:8081/bot"
        )

    admin_ids: set[int] = set()
    raw_admins = _env(source, "ADMIN_IDS")
    if raw_admins:
        for part in raw_admins.split(","):
            part = part.strip()
            if not part:
                continue
            if not re.fullmatch(r"-?\d{1,20}", part):
                raise ConfigError(
                    "ADMIN_IDS must be comma-separated numeric user ids, "
                    "e.g. ADMIN_IDS=123456789,987654321"
                )
            admin_ids.add(int(part))

    database_path, postgres = _database(source)
    health_port, health_listen = _health(source)

    # Checked with the same parser /timezone uses, so every accepted default is a zone a
    # subscriber row can hold (plain ZoneInfo() also takes legacy names like "CET").
    zone = parse_zone(_env(source, "DEFAULT_TIMEZONE") or "UTC")
    if zone is None:
        raise ConfigError(
            "DEFAULT_TIMEZONE must be an IANA time zone, e.g. DEFAULT_TIMEZONE=Europe/Berlin"
        )
    default_timezone = zone.name

    raw_time = _env(source, "DEFAULT_SEND_TIME")
    default_send_time = time(9, 0)
    if raw_time is not None:
        parsed = parse_send_time(raw_time)
        if parsed is None:
            raise ConfigError(
                "DEFAULT_SEND_TIME must be a time of day, e.g. DEFAULT_SEND_TIME=09:00")
        default_send_time = parsed

    log_level = (_env(source, "LOG_LEVEL") or "INFO").upper()
    if log_level not in _LOG_LEVELS:
        raise ConfigError(
            "LOG_LEVEL must be one of " + ", ".join(_LOG_LEVELS) + ", e.g. LOG_LEVEL=INFO")

    webhook_url = _env(source, "WEBHOOK_URL")
    if webhook_url is not None and not webhook_url.startswith("https://") and not \
            webhook_url.startswith("http://127.0.0.1"):
        raise ConfigError("WEBHOOK_URL must be an https:// URL, e.g. WEBHOOK_URL=https://bot.example.org/tg")
    webhook_port, webhook_listen = _webhook_address(source, webhook_url is not None)
    webhook_secret = _env(source, "WEBHOOK_SECRET")
    if webhook_secret is not None and not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", webhook_secret):
        raise ConfigError("WEBHOOK_SECRET may hold only letters, digits, _ and -, "
                          "e.g. WEBHOOK_SECRET=change-me-to-a-long-random-string")
    if webhook_secret is not None and len(webhook_secret) < MIN_WEBHOOK_SECRET:
        raise ConfigError(f"WEBHOOK_SECRET must be at least {MIN_WEBHOOK_SECRET} characters "
                          "(a short one can be guessed), "
                          "e.g. WEBHOOK_SECRET=change-me-to-a-long-random-string")

    # Paid broadcasts lift Telegram's bulk limit from about 30 to 1,000 messages a second;
    # above that even a paying bot gets 429s, so a higher rate is a typo, not a plan.
    allow_paid_broadcast = _flag(source, "ALLOW_PAID_BROADCAST", False)
    send_rate = _positive_float(source, "SEND_RATE_PER_SECOND", 25.0, "25")
    if allow_paid_broadcast and send_rate > PAID_BROADCAST_MAX_RATE:
        raise ConfigError("SEND_RATE_PER_SECOND can be at most 1000 with paid broadcasts "
                          "(Telegram's limit), e.g. SEND_RATE_PER_SECOND=1000")
    if not allow_paid_broadcast and send_rate > FREE_MAX_RATE:
        raise ConfigError("SEND_RATE_PER_SECOND can be at most 30 without "
                          "ALLOW_PAID_BROADCAST=true (Telegram's free limit), "
                          "e.g. SEND_RATE_PER_SECOND=25")
    if send_rate < MIN_RATE:
        raise ConfigError("SEND_RATE_PER_SECOND must be at least 1 (slower, a day's tips "
                          "would miss their time), e.g. SEND_RATE_PER_SECOND=25")

    return Settings(
        token=token,
        api_base_url=api_base_url,
        admin_ids=frozenset(admin_ids),
        database_path=database_path,
        postgres=postgres,
        default_timezone=default_timezone,
        default_send_time=default_send_time,
        send_rate_per_second=send_rate,
        allow_paid_broadcast=allow_paid_broadcast,
        missed_grace_hours=_positive_float(source, "MISSED_GRACE_HOURS", 3.0, "3"),
        tick_seconds=_positive_float(source, "TICK_SECONDS", 20.0, "20"),
        stall_minutes=_positive_float(source, "SENDER_STALL_MINUTES", 10.0, "10"),
        conflict_retry_seconds=_positive_float(source, "CONFLICT_RETRY_SECONDS", 60.0, "60"),
        log_level=log_level,
        webhook_url=webhook_url,
        webhook_listen=webhook_listen,
        webhook_port=webhook_port,
        webhook_secret=webhook_secret,
        health_port=health_port,
        health_listen=health_listen,
    )


DEFAULT_DATABASE_PATH = "data/bot.sqlite3"


def _sqlite_file(raw_path: str, name: str) -> Path:
    if raw_path == ":memory:" or raw_path.startswith("file:"):
        # An in-memory database forgets every subscriber at each restart.
        raise ConfigError(f"{name} must be a file path (not :memory: or a URI), "
                          "e.g. DATABASE_PATH=data/bot.sqlite3")
    database_path = Path(raw_path)
    if database_path.exists() and database_path.is_dir():
        raise ConfigError(f"{name} points to a folder; give a file path, "
                          "e.g. DATABASE_PATH=data/bot.sqlite3")
    return database_path


def _database(source: Mapping[str, str | None]) -> tuple[Path, PostgresUrl | None]:
    """DATABASE_PATH (the default) or DATABASE_URL; both set must mean the same file.

    A platform that fills in DATABASE_URL beside a DATABASE_PATH left over from a `.env`
    would otherwise start the bot on one of two databases, silently: that is refused.
    """
    raw_path = path_setting(source, "DATABASE_PATH", DEFAULT_DATABASE_PATH)
    path_given = source.get("DATABASE_PATH") is not None
    raw_url = _env(source, "DATABASE_URL")
    if raw_url is None:
        return _sqlite_file(raw_path, "DATABASE_PATH"), None
    try:
        target = parse_database_url(raw_url)
    except DatabaseUrlError as exc:
        raise ConfigError(str(exc)) from None
    if isinstance(target, PostgresUrl):
        if path_given:
            raise ConfigError("DATABASE_URL (PostgreSQL) and DATABASE_PATH (a SQLite file) are "
                              "both set; keep one, e.g. unset DATABASE_PATH")
        return Path(DEFAULT_DATABASE_PATH), target
    database_path = _sqlite_file(str(target), "DATABASE_URL")
    if path_given and Path(raw_path).resolve() != database_path.resolve():
        raise ConfigError("DATABASE_URL and DATABASE_PATH name different SQLite files; keep "
                          "one, e.g. DATABASE_URL=sqlite:///data/bot.sqlite3 alone")
    return database_path, None


def _port(source: Mapping[str, str | None], name: str, example: str) -> int | None:
    raw = _env(source, name)
    if raw is None:
        return None
    if not raw.isdigit() or not 0 < int(raw) < 65536:
        raise ConfigError(f"{name} must be a port number, e.g. {name}={example}")
    return int(raw)


def _webhook_address(source: Mapping[str, str | None], webhook: bool) -> tuple[int, str]:
    """Where the webhook server listens: WEBHOOK_PORT, else (in webhook mode) the platform's
    PORT on every interface, since the platform forwards its HTTPS there; else 8443."""
    port = _port(source, "WEBHOOK_PORT", "8443")
    default_listen = "127.0.0.1"
    if port is None and webhook:
        port = _port(source, "PORT", "8080")
        if port is not None:
            default_listen = "0.0.0.0"  # the platform's router must reach it
    return port or 8443, _env(source, "WEBHOOK_LISTEN") or default_listen


def _health(source: Mapping[str, str | None]) -> tuple[int | None, str]:
    """Where /healthz and /readyz listen: HEALTH_PORT, else the platform's PORT, else off.

    A platform that sets PORT routes its health checks to it from outside the container,
    so there the server listens on every interface; HEALTH_PORT keeps loopback unless
    HEALTH_LISTEN says otherwise (`0.0.0.0` in Docker).
    """
    health_port = _port(source, "HEALTH_PORT", "8080")
    default_listen = "127.0.0.1"
    if health_port is None:
        health_port = _port(source, "PORT", "8080")
        if health_port is not None:
            default_listen = "0.0.0.0"  # the platform's router must reach it
    return health_port, _env(source, "HEALTH_LISTEN") or default_listen
