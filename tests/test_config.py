"""Start-up settings: sensible defaults, and one clear line for every bad value."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import time
from pathlib import Path

import pytest

from bot.core.config import TELEGRAM_BASE_URL, ConfigError, Settings, load_settings
from bot.core.zones import resolve_zone

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def no_env_file(tmp_path):
    return tmp_path / "missing.env"


def load(environ, env_file):
    return load_settings(environ=environ, env_file=env_file)


def test_defaults_without_any_environment(no_env_file):
    settings = load({}, no_env_file)
    assert isinstance(settings, Settings)
    assert settings.token is None
    assert settings.default_timezone == "UTC"
    assert settings.default_send_time == time(9, 0)
    assert settings.database_path == Path("data/bot.sqlite3")
    assert settings.api_base_url == TELEGRAM_BASE_URL == "https://api.telegram.org/bot"
    assert settings.admin_ids == frozenset()
    assert settings.send_rate_per_second == 25.0
    assert settings.log_level == "INFO"
    assert settings.webhook_url is None
    assert settings.webhook_port == 8443
    assert settings.conflict_retry_seconds == 60.0


def test_env_file_none_is_allowed():
    settings = load({"LOG_LEVEL": "DEBUG"}, None)
    assert settings.log_level == "DEBUG"


def test_good_values_are_read(no_env_file, tmp_path):
    settings = load(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": "http://127.0.0.1:8081/bot",
            "ADMIN_IDS": "123456789,987654321",
            "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
            "DEFAULT_TIMEZONE": "Europe/Berlin",
            "DEFAULT_SEND_TIME": "7:30pm",
            "SEND_RATE_PER_SECOND": "12.5",
            "MISSED_GRACE_HOURS": "1",
            "TICK_SECONDS": "5",
            "CONFLICT_RETRY_SECONDS": "90",
            "LOG_LEVEL": "debug",
            "WEBHOOK_URL": "https://bot.example.org/tg",
            "WEBHOOK_PORT": "8080",
            "WEBHOOK_SECRET": "abc_DEF-123-4567",
        },
        no_env_file,
    )
    assert settings.token == TOKEN
    assert settings.api_base_url == "http://127.0.0.1:8081/bot"
    assert settings.admin_ids == frozenset({123456789, 987654321})
    assert settings.database_path == tmp_path / "bot.sqlite3"
    assert settings.default_timezone == "Europe/Berlin"
    assert settings.default_send_time == time(19, 30)
    assert settings.send_rate_per_second == 12.5
    assert settings.missed_grace_hours == 1.0
    assert settings.tick_seconds == 5.0
    assert settings.conflict_retry_seconds == 90.0
    assert settings.log_level == "DEBUG"
    assert settings.webhook_url == "https://bot.example.org/tg"
    assert settings.webhook_port == 8080
    assert settings.webhook_secret == "abc_DEF-123-4567"


def test_settings_repr_hides_secrets(no_env_file):
    settings = load({"TELEGRAM_BOT_TOKEN": TOKEN, "WEBHOOK_SECRET": "s3cret-value-0123456"},
                    no_env_file)
    assert TOKEN not in repr(settings)
    assert "s3cret-value-0123456" not in repr(settings)


def test_whitespace_around_values_is_tolerated(no_env_file):
    settings = load(
        {
            "TELEGRAM_BOT_TOKEN": f"  {TOKEN}\n",
            "ADMIN_IDS": " 1 , 2 ,, 3 , ",
            "DEFAULT_TIMEZONE": "  Europe/Berlin  ",
            "DEFAULT_SEND_TIME": " 07:30 ",
            "SEND_RATE_PER_SECOND": " 10 ",
            "LOG_LEVEL": " warning ",
            "TELEGRAM_API_BASE_URL": "  https://api.telegram.org/bot  ",
        },
        no_env_file,
    )
    assert settings.token == TOKEN
    assert settings.admin_ids == frozenset({1, 2, 3})
    assert settings.default_timezone == "Europe/Berlin"
    assert settings.default_send_time == time(7, 30)
    assert settings.send_rate_per_second == 10.0
    assert settings.log_level == "WARNING"
    assert settings.api_base_url == TELEGRAM_BASE_URL


def test_blank_values_mean_the_default(no_env_file):
    settings = load({"DEFAULT_TIMEZONE": "   ", "LOG_LEVEL": "", "ADMIN_IDS": " ",
                     "TELEGRAM_BOT_TOKEN": ""}, no_env_file)
    assert settings.default_timezone == "UTC"
    assert settings.log_level == "INFO"
    assert settings.admin_ids == frozenset()
    assert settings.token is None


def test_negative_admin_ids_are_numbers_too(no_env_file):
    assert load({"ADMIN_IDS": "-1001234567890"}, no_env_file).admin_ids == frozenset(
        {-1001234567890})


def test_env_file_values_are_used(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(
        f"TELEGRAM_BOT_TOKEN={TOKEN}\n"
        "# a comment\n"
        'DEFAULT_TIMEZONE="America/New_York"\n'
        "DEFAULT_SEND_TIME=06:45\n"
        "export LOG_LEVEL=ERROR\n"
        "ADMIN_IDS='42'\n"
        "EMPTY_WITHOUT_VALUE\n",
        encoding="utf-8",
    )
    settings = load({}, env_file)
    assert settings.token == TOKEN
    assert settings.default_timezone == "America/New_York"
    assert settings.default_send_time == time(6, 45)
    assert settings.log_level == "ERROR"
    assert settings.admin_ids == frozenset({42})


def test_real_environment_wins_over_env_file(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(
        "DEFAULT_TIMEZONE=America/New_York\nLOG_LEVEL=ERROR\nDEFAULT_SEND_TIME=06:45\n",
        encoding="utf-8",
    )
    settings = load({"DEFAULT_TIMEZONE": "Asia/Tokyo", "LOG_LEVEL": "DEBUG"}, env_file)
    assert settings.default_timezone == "Asia/Tokyo"
    assert settings.log_level == "DEBUG"
    assert settings.default_send_time == time(6, 45)  # only in .env: still used


def test_bad_value_in_env_file_is_reported_too(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("LOG_LEVEL=LOUD\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="LOG_LEVEL"):
        load({}, env_file)
    # ...unless the real environment overrides it
    assert load({"LOG_LEVEL": "INFO"}, env_file).log_level == "INFO"


BAD_VALUES = [
    ("ADMIN_IDS", "12,abc"),
    ("ADMIN_IDS", "@someone"),
    ("ADMIN_IDS", "1.5"),
    ("DEFAULT_TIMEZONE", "Mars/Base"),
    ("DEFAULT_TIMEZONE", "../../etc/passwd"),
    ("DEFAULT_SEND_TIME", "25:00"),
    ("DEFAULT_SEND_TIME", "9"),
    ("DEFAULT_SEND_TIME", "noon"),
    ("TELEGRAM_API_BASE_URL", "ftp://x"),
    ("TELEGRAM_API_BASE_URL", "api.telegram.org/bot"),
    ("TELEGRAM_API_BASE_URL", "https://exa mple.org/bot"),
    ("SEND_RATE_PER_SECOND", "0"),
    ("SEND_RATE_PER_SECOND", "abc"),
    ("SEND_RATE_PER_SECOND", "-5"),
    ("SEND_RATE_PER_SECOND", "nan"),
    ("SEND_RATE_PER_SECOND", "inf"),
    ("SEND_RATE_PER_SECOND", "31"),  # without paid broadcasts: a 429 storm
    ("SEND_RATE_PER_SECOND", "1000"),
    ("SEND_RATE_PER_SECOND", "1e9"),
    ("SEND_RATE_PER_SECOND", "0.0001"),  # a cohort's tips would outlast their grace window
    ("SEND_RATE_PER_SECOND", "0.5"),
    ("DATABASE_PATH", " "),  # would quietly mean data/bot.sqlite3 wherever the bot starts
    ("DATABASE_PATH", ""),
    ("ALLOW_PAID_BROADCAST", "maybe"),
    ("ALLOW_PAID_BROADCAST", "2"),
    ("MISSED_GRACE_HOURS", "0"),
    ("TICK_SECONDS", "soon"),
    ("CONFLICT_RETRY_SECONDS", "a minute"),
    ("CONFLICT_RETRY_SECONDS", "-1"),
    ("LOG_LEVEL", "LOUD"),
    ("LOG_LEVEL", "verbose"),
    ("WEBHOOK_URL", "http://bot.example.org/tg"),
    ("WEBHOOK_PORT", "70000"),
    ("WEBHOOK_PORT", "http"),
    ("WEBHOOK_SECRET", "not allowed!"),
    ("WEBHOOK_SECRET", "fifteen-chars-x"),  # 15 characters: too easy to guess
    ("WEBHOOK_SECRET", "s3cret"),
    ("DATABASE_PATH", ":memory:"),  # would forget every subscriber at each restart
    ("DATABASE_PATH", "file::memory:?cache=shared"),
    ("TELEGRAM_API_BASE_URL", "http://127.0.0.1:99999/bot"),
    ("TELEGRAM_API_BASE_URL", "http://127.0.0.1:0/bot"),
    ("TELEGRAM_API_BASE_URL", "http://127.0.0.1:port/bot"),
]


def check_message(error, name, secrets):
    message = str(error)
    assert name in message
    assert "\n" not in message and "\r" not in message
    for secret in secrets:
        assert secret not in message


@pytest.mark.parametrize(("name", "value"), BAD_VALUES)
def test_every_bad_value_gives_one_line_naming_the_variable_with_an_example(
        name, value, no_env_file):
    environ = {"TELEGRAM_BOT_TOKEN": TOKEN, name: value}
    with pytest.raises(ConfigError) as caught:
        load(environ, no_env_file)
    check_message(caught.value, name, [TOKEN])
    assert "e.g." in str(caught.value)
    # the example shows the variable as it is written in the environment
    assert f"e.g. {name}=" in str(caught.value)


def test_webhook_secret_of_sixteen_characters_is_accepted(no_env_file):
    assert load({"WEBHOOK_SECRET": "a" * 16}, no_env_file).webhook_secret == "a" * 16


def test_webhook_secret_is_not_echoed(no_env_file):
    secret = "super secret value!"
    with pytest.raises(ConfigError) as caught:
        load({"WEBHOOK_SECRET": secret}, no_env_file)
    assert secret not in str(caught.value)


def test_database_path_that_is_a_folder_is_rejected(tmp_path, no_env_file):
    with pytest.raises(ConfigError) as caught:
        load({"DATABASE_PATH": str(tmp_path), "TELEGRAM_BOT_TOKEN": TOKEN}, no_env_file)
    check_message(caught.value, "DATABASE_PATH", [TOKEN])
    assert "e.g." in str(caught.value)


BAD_TOKENS = [
    "not-a-token",
    "123456789",
    "123456789:short",
    "abc:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
    "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw extra",
    "123456789:AAHdqTcv/CH1vGWJxfSeofSAs0K5PALDsaw",
    "bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
]


@pytest.mark.parametrize("token", BAD_TOKENS)
def test_malformed_token_is_named_but_never_echoed(token, no_env_file):
    with pytest.raises(ConfigError) as caught:
        load({"TELEGRAM_BOT_TOKEN": token}, no_env_file)
    check_message(caught.value, "TELEGRAM_BOT_TOKEN", [token, token.split(":")[-1]])


def test_malformed_token_message_has_an_example(no_env_file):
    with pytest.raises(ConfigError) as caught:
        load({"TELEGRAM_BOT_TOKEN": "not-a-token"}, no_env_file)
    assert "e.g." in str(caught.value)


def test_token_in_env_file_is_never_echoed_by_other_errors(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text(f"TELEGRAM_BOT_TOKEN={TOKEN}\nADMIN_IDS=12,abc\n", encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load({}, env_file)
    check_message(caught.value, "ADMIN_IDS", [TOKEN])


@pytest.mark.parametrize("zone", ["CET", "EST5EDT", "Japan"])
def test_default_timezone_accepted_at_start_up_is_usable_by_the_bot(zone, no_env_file):
    try:
        settings = load({"DEFAULT_TIMEZONE": zone}, no_env_file)
    except ConfigError:
        return  # refusing it at start-up is fine too
    resolve_zone(settings.default_timezone)


@pytest.mark.parametrize("zone", ["UTC", "Europe/Berlin", "America/New_York", "Etc/GMT+5"])
def test_default_timezone_usable_by_the_bot(zone, no_env_file):
    settings = load({"DEFAULT_TIMEZONE": zone}, no_env_file)
    resolve_zone(settings.default_timezone)


# --- paid broadcasts ---------------------------------------------------------------------


def test_paid_broadcast_is_off_unless_asked(no_env_file):
    assert load({}, no_env_file).allow_paid_broadcast is False


@pytest.mark.parametrize(("value", "expected"), [
    ("true", True), ("TRUE", True), ("1", True), ("yes", True), ("on", True),
    ("false", False), ("0", False), ("no", False), ("Off", False), (" true ", True),
])
def test_paid_broadcast_flag_values(value, expected, no_env_file):
    assert load({"ALLOW_PAID_BROADCAST": value}, no_env_file).allow_paid_broadcast is expected


def test_paid_broadcast_allows_up_to_1000_per_second(no_env_file):
    settings = load({"ALLOW_PAID_BROADCAST": "true", "SEND_RATE_PER_SECOND": "1000"},
                    no_env_file)
    assert settings.allow_paid_broadcast is True
    assert settings.send_rate_per_second == 1000.0


@pytest.mark.parametrize("rate", ["1001", "1000.5", "5000"])
def test_paid_broadcast_rejects_a_rate_above_1000_in_one_line(rate, no_env_file):
    with pytest.raises(ConfigError) as caught:
        load({"ALLOW_PAID_BROADCAST": "true", "SEND_RATE_PER_SECOND": rate,
              "TELEGRAM_BOT_TOKEN": TOKEN}, no_env_file)
    check_message(caught.value, "SEND_RATE_PER_SECOND", [TOKEN])
    assert "1000" in str(caught.value)
    assert "e.g. SEND_RATE_PER_SECOND=" in str(caught.value)


@pytest.mark.parametrize(("variable", "value"), [
    ("ALLOW_PAID_BROADCAST", "perhaps"),
    ("SEND_RATE_PER_SECOND", "1500"),
])
def test_bad_paid_broadcast_settings_stop_the_check_with_exit_2(variable, value, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ALLOW_",
                                                                     "SEND_RATE"))}
    env.update({"DATABASE_PATH": str(tmp_path / "bot.sqlite3"), "ALLOW_PAID_BROADCAST": "true",
                variable: value})
    done = subprocess.run([sys.executable, "run.py", "check"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 2
    lines = (done.stdout + done.stderr).strip().splitlines()
    assert len(lines) == 1 and variable in lines[0] and "e.g." in lines[0], lines


@pytest.mark.parametrize("rate", ["1", "30", "12.5"])
def test_free_sending_accepts_one_to_thirty_per_second(rate, no_env_file):
    assert load({"SEND_RATE_PER_SECOND": rate}, no_env_file).send_rate_per_second == float(rate)


@pytest.mark.parametrize("rate", ["0.0001", "0.99"])
def test_paid_broadcast_also_needs_at_least_one_per_second(rate, no_env_file):
    with pytest.raises(ConfigError) as caught:
        load({"ALLOW_PAID_BROADCAST": "true", "SEND_RATE_PER_SECOND": rate}, no_env_file)
    check_message(caught.value, "SEND_RATE_PER_SECOND", [TOKEN])
    assert "at least 1" in str(caught.value)


def test_a_rate_above_thirty_without_paid_broadcasts_names_the_free_limit(no_env_file):
    with pytest.raises(ConfigError) as caught:
        load({"SEND_RATE_PER_SECOND": "31"}, no_env_file)
    assert "at most 30" in str(caught.value) and "ALLOW_PAID_BROADCAST" in str(caught.value)


def _check_in(folder: Path, **variables: str) -> subprocess.CompletedProcess[str]:
    """`run.py check` started in `folder`, with the given settings."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM_", "ALLOW_", "SEND_RATE", "DATABASE_", "CONSOLE_"))}
    env.update(variables)
    return subprocess.run([sys.executable, str(ROOT / "run.py"), "check"], cwd=folder,
                          env=env, capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.parametrize(("variable", "value"), [
    ("SEND_RATE_PER_SECOND", "1e9"),
    ("SEND_RATE_PER_SECOND", "0.0001"),
    ("DATABASE_PATH", " "),
])
def test_bad_rate_or_blank_path_stops_the_check_with_exit_2_and_creates_nothing(
        variable, value, tmp_path):
    env = {"DATABASE_PATH": str(tmp_path / "bot.sqlite3"), variable: value}
    done = _check_in(tmp_path, **env)
    assert done.returncode == 2
    lines = (done.stdout + done.stderr).strip().splitlines()
    assert len(lines) == 1 and variable in lines[0] and "e.g." in lines[0], lines
    assert sorted(p.name for p in tmp_path.iterdir()) == []  # no data/, no database


def test_a_blank_console_database_path_is_refused_too(tmp_path):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("TELEGRAM_", "DATABASE_", "CONSOLE_"))}
    env.update({"DATABASE_PATH": str(tmp_path / "bot.sqlite3"), "CONSOLE_DATABASE_PATH": "  "})
    done = subprocess.run([sys.executable, str(ROOT / "run.py"), "--console"], cwd=tmp_path,
                          env=env, capture_output=True, text=True, timeout=60, check=False,
                          stdin=subprocess.DEVNULL)
    assert done.returncode == 2
    lines = (done.stdout + done.stderr).strip().splitlines()
    assert len(lines) == 1 and "CONSOLE_DATABASE_PATH" in lines[0] and "e.g." in lines[0], lines
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_negative_schema_version_is_refused_and_nothing_is_migrated(tmp_path):
    import sqlite3

    path = tmp_path / "bot.sqlite3"
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA user_version = -1")
    done = _check_in(tmp_path, DATABASE_PATH=str(path))
    assert done.returncode == 2
    lines = (done.stdout + done.stderr).strip().splitlines()
    assert len(lines) == 1 and "schema version -1 is invalid" in lines[0], lines
    with sqlite3.connect(path) as connection:
        assert connection.execute("PRAGMA user_version").fetchone() == (-1,)
        assert connection.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,)
