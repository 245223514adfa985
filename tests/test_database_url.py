"""DATABASE_URL: SQLite by path or URL, PostgreSQL by URL, and a password never printed."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.config import ConfigError, load_settings

SECRET = "s3cr%40t-Pa55word"  # URL-encoded "s3cr@t-Pa55word"
DECODED = "s3cr@t-Pa55word"


def load(**environ):
    return load_settings(environ=environ, env_file=None)


def test_without_database_url_the_sqlite_path_stays_the_default():
    settings = load()
    assert settings.database_path == Path("data/bot.sqlite3")
    assert settings.postgres is None


@pytest.mark.parametrize(("url", "path"), [
    ("sqlite:///data/bot.sqlite3", Path("data/bot.sqlite3")),
    ("sqlite:///bot.sqlite3", Path("bot.sqlite3")),
    ("sqlite:////var/lib/magdaily/bot.sqlite3", Path("/var/lib/magdaily/bot.sqlite3")),
    ("SQLITE:///data/my%20bot.sqlite3", Path("data/my bot.sqlite3")),
])
def test_a_sqlite_url_names_the_file_relative_with_three_slashes_absolute_with_four(url, path):
    settings = load(DATABASE_URL=url)
    assert settings.database_path == path
    assert settings.postgres is None


def test_database_path_alone_still_works(tmp_path):
    assert load(DATABASE_PATH=str(tmp_path / "b.sqlite3")).database_path == tmp_path / "b.sqlite3"


def test_url_and_path_naming_the_same_file_agree(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = load(DATABASE_URL="sqlite:///data/bot.sqlite3",
                    DATABASE_PATH=str(tmp_path / "data" / "bot.sqlite3"))
    assert settings.database_path == Path("data/bot.sqlite3")


@pytest.mark.parametrize("url", ["sqlite:///other.sqlite3",
                                 f"postgresql://bot:{SECRET}@db.example.org/bot"])
def test_url_and_path_that_disagree_are_one_line_naming_both(url):
    with pytest.raises(ConfigError) as caught:
        load(DATABASE_URL=url, DATABASE_PATH="data/bot.sqlite3")
    message = str(caught.value)
    assert "DATABASE_URL" in message and "DATABASE_PATH" in message and "e.g." in message
    assert "\n" not in message
    assert SECRET not in message and DECODED not in message


@pytest.mark.parametrize("scheme", ["postgres", "postgresql"])
def test_a_postgres_url_is_parsed_and_never_prints_its_password(scheme):
    settings = load(DATABASE_URL=f"{scheme}://magdaily:{SECRET}@db.example.org:5433/bot_db")
    url = settings.postgres
    assert url is not None
    assert (url.user, url.host, url.port, url.database) == (
        "magdaily", "db.example.org", 5433, "bot_db")
    for text in (repr(settings), str(settings), repr(url), str(url), f"{url}", f"{url!r}"):
        assert SECRET not in text and DECODED not in text, text
    assert str(url) == "postgresql://magdaily:***@db.example.org:5433/bot_db"
    assert url.where() == "db.example.org:5433"
    assert f":{SECRET}@" in url.dsn  # what asyncpg gets still holds it


def test_a_postgres_url_without_port_means_5432():
    url = load(DATABASE_URL="postgresql://u:p@db.example.org/x").postgres
    assert url is not None and url.port == 5432 and url.where() == "db.example.org:5432"


def test_the_pgbouncer_flag_is_read_and_not_passed_to_the_server():
    url = load(DATABASE_URL="postgresql://u:p@h/x?sslmode=require&pgbouncer=true").postgres
    assert url is not None and url.pooler_flag
    assert "pgbouncer" not in url.dsn and "sslmode=require" in url.dsn


@pytest.mark.parametrize(("url", "fragment"), [
    (f"mysql://root:{SECRET}@db/bot", "must start with sqlite:/// or postgresql://"),
    (f"postgresql://root:{SECRET}@db:99999/bot", "invalid port"),
    (f"postgresql://root:{SECRET}@db:port/bot", "invalid port"),
    ("sqlite://data/bot.sqlite3", "three slashes"),
    ("sqlite:///", "three slashes"),
    ("sqlite:///:memory:", "must name a file"),
])
def test_a_bad_url_is_one_line_with_an_example_and_without_the_password(url, fragment):
    with pytest.raises(ConfigError) as caught:
        load(DATABASE_URL=url)
    message = str(caught.value)
    assert fragment in message and "DATABASE_URL" in message and "e.g." in message
    assert "\n" not in message and SECRET not in message and DECODED not in message


def test_a_sqlite_url_pointing_at_a_folder_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="DATABASE_URL points to a folder"):
        load(DATABASE_URL=f"sqlite:///{tmp_path}")


def test_health_checks_are_off_by_default():
    assert load().health_port is None


def test_health_port_listens_on_loopback_unless_told():
    settings = load(HEALTH_PORT="8080")
    assert (settings.health_port, settings.health_listen) == (8080, "127.0.0.1")
    settings = load(HEALTH_PORT="8080", HEALTH_LISTEN="0.0.0.0")
    assert settings.health_listen == "0.0.0.0"


def test_a_platforms_port_is_honoured_on_every_interface():
    settings = load(PORT="10000")
    assert (settings.health_port, settings.health_listen) == (10000, "0.0.0.0")
    assert load(PORT="10000", HEALTH_PORT="9000").health_port == 9000


@pytest.mark.parametrize("name", ["HEALTH_PORT", "PORT"])
@pytest.mark.parametrize("value", ["0", "65536", "http"])
def test_a_bad_health_port_is_one_line(name, value):
    with pytest.raises(ConfigError, match=f"^{name} must be a port number, e.g. {name}=8080$"):
        load(**{name: value})


def test_health_and_webhook_on_one_port_share_the_webhooks_server():
    settings = load(WEBHOOK_URL="https://bot.example.org/tg", WEBHOOK_PORT="8443", PORT="8443")
    assert (settings.webhook_port, settings.health_port) == (8443, 8443)
    assert settings.health_beside_webhook
    settings = load(WEBHOOK_URL="https://bot.example.org/tg", WEBHOOK_PORT="8443",
                    HEALTH_PORT="8443")
    assert settings.health_beside_webhook


def test_a_platforms_one_port_serves_the_webhook_and_the_health_checks():
    settings = load(WEBHOOK_URL="https://bot.example.org/tg", PORT="10000")
    assert (settings.webhook_port, settings.webhook_listen) == (10000, "0.0.0.0")
    assert settings.health_port == 10000 and settings.health_beside_webhook
    settings = load(WEBHOOK_URL="https://bot.example.org/tg", PORT="10000",
                    WEBHOOK_LISTEN="127.0.0.1")
    assert (settings.webhook_port, settings.webhook_listen) == (10000, "127.0.0.1")


def test_health_checks_keep_their_own_port_when_it_differs_or_when_polling():
    settings = load(WEBHOOK_URL="https://bot.example.org/tg", HEALTH_PORT="8080")
    assert (settings.webhook_port, settings.webhook_listen) == (8443, "127.0.0.1")
    assert settings.health_port == 8080 and not settings.health_beside_webhook
    settings = load(PORT="8443")  # polling: PORT is the health checks' alone
    assert (settings.webhook_port, settings.health_port) == (8443, 8443)
    assert not settings.health_beside_webhook
