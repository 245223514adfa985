"""compose.yaml as an operator runs it: the bot on SQLite in a named volume by default, the
profile `postgres` with a PostgreSQL service; no secret in the file, settings from .env,
restarted unless stopped — and what each bot service is given passes the bot's own config."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from bot.core.config import load_settings

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((REPO / "compose.yaml").read_text(encoding="utf-8"))


def bots(compose: dict) -> dict[str, dict]:
    return {name: service for name, service in compose["services"].items()
            if service.get("build") == "."}


def interpolate(value: str, variables: dict[str, str]) -> str:
    """Compose's ${NAME}, ${NAME:-default} and ${NAME-default}, from `variables`."""
    def one(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(3) or ""
        return variables.get(name) or default
    return re.sub(r"\$\{(\w+)(:?-([^}]*))?\}", one, value)


def image_env() -> dict[str, str]:
    """The ENV of the Dockerfile's final stage (the defaults every container starts with)."""
    final = (REPO / "Dockerfile").read_text(encoding="utf-8").rsplit("\nFROM ", 1)[1]
    env: dict[str, str] = {}
    for block in re.findall(r"^ENV (.*?)(?<!\\)$", final, flags=re.MULTILINE | re.DOTALL):
        for name, value in re.findall(r'(\w+)=("[^"]*"|\S+)', block.replace("\\\n", " ")):
            env[name] = value.strip('"')
    return env


def test_the_default_bot_keeps_sqlite_in_a_named_volume(compose):
    bot = compose["services"]["bot"]
    assert "profiles" not in bot  # `docker compose up` starts it
    assert "magdaily-data:/data" in bot["volumes"]
    assert "magdaily-data" in compose["volumes"]  # named: survives `down` and rebuilds


def test_every_service_restarts_unless_stopped_and_bots_read_env_file(compose):
    for name, service in compose["services"].items():
        assert service["restart"] == "unless-stopped", name
    for name, bot in bots(compose).items():
        env_files = bot["env_file"] if isinstance(bot["env_file"], list) else [bot["env_file"]]
        assert ".env" in env_files, name
        assert bot["image"] == "magdaily", name


def test_the_postgres_profile_runs_the_bot_against_its_own_postgresql(compose):
    services = compose["services"]
    assert services["postgres"]["profiles"] == ["postgres"]
    assert services["bot-postgres"]["profiles"] == ["postgres"]
    database = services["postgres"]
    assert database["image"].startswith("postgres:")
    assert "magdaily-postgres:/var/lib/postgresql/data" in database["volumes"]
    assert "magdaily-postgres" in compose["volumes"]
    assert "pg_isready" in " ".join(database["healthcheck"]["test"])
    assert services["bot-postgres"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    url = urlsplit(services["bot-postgres"]["environment"]["DATABASE_URL"])
    assert url.scheme == "postgresql" and url.hostname == "postgres" and url.port == 5432
    assert url.username == database["environment"]["POSTGRES_USER"]
    assert url.path == "/" + database["environment"]["POSTGRES_DB"]


def test_no_secret_is_written_in_the_file(compose):
    text = (REPO / "compose.yaml").read_text(encoding="utf-8")
    assert not re.search(r"\d{3,20}:[A-Za-z0-9_-]{20,}", text), "a bot token in compose.yaml"
    for name, service in compose["services"].items():
        environment = service.get("environment", {})
        assert isinstance(environment, dict), name
        for key, value in environment.items():
            if re.search(r"TOKEN|PASSWORD|SECRET", key):
                assert re.fullmatch(r"\$\{\w+(:?-)?\}", str(value)), (name, key, value)
            assert "TELEGRAM_BOT_TOKEN" != key, name
        url = environment.get("DATABASE_URL")
        if url is not None:
            assert urlsplit(url).password == "${POSTGRES_PASSWORD:-}", url


def test_a_default_in_compose_fails_no_profile_that_is_not_used(compose):
    """Compose fills in every service's variables before it picks the profile's: a required
    ${X:?} of the postgres profile would stop the plain SQLite `docker compose up`."""
    text = (REPO / "compose.yaml").read_text(encoding="utf-8")
    assert not re.search(r"\$\{\w+:?\?", text)


def test_each_bot_service_starts_with_settings_the_bot_accepts(compose, tmp_path):
    dotenv = {"TELEGRAM_BOT_TOKEN": "4839574812:AAFD39kkdpWt3ywyRZergyOLMaJhac60qc",
              "POSTGRES_PASSWORD": "0123456789abcdef"}
    seen = {}
    for name, bot in bots(compose).items():
        environment = {**image_env(), **dotenv,
                       **{key: interpolate(str(value), dotenv)
                          for key, value in bot.get("environment", {}).items()}}
        seen[name] = load_settings(environ=environment, env_file=None)
    assert seen["bot"].postgres is None
    assert seen["bot"].database_path == Path("/data/bot.sqlite3")  # inside the volume
    postgres = seen["bot-postgres"].postgres
    assert postgres is not None and postgres.host == "postgres"
    assert (postgres.user, postgres.password, postgres.database) == (
        "magdaily", "0123456789abcdef", "magdaily")
