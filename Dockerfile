# MagDaily container image.
#
#   docker build -t magdaily .
#   docker run -d --name magdaily -e TELEGRAM_BOT_TOKEN=... -v magdaily-data:/data magdaily
#
# Configuration comes only from environment variables given at run time
# (TELEGRAM_BOT_TOKEN, TELEGRAM_API_BASE_URL, ADMIN_IDS, DATABASE_URL, DEFAULT_TIMEZONE,
# DEFAULT_SEND_TIME, LOG_LEVEL, SEND_RATE_PER_SECOND, HEALTH_PORT, …; README.md has them
# all). No secret is baked into the image.

# ---- builder: install the project's runtime dependencies into a self-contained venv ----
FROM python:3.11-slim-bookworm AS builder

ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN python -m venv /opt/venv
ENV PATH="/opt/venv/bin:$PATH"

WORKDIR /src
COPY pyproject.toml ./
COPY bot/ ./bot/
COPY tips/ ./tips/
# Runtime dependencies only (no [dev] extra). tzdata comes from PyPI, so zoneinfo
# works on the slim image without the Debian tzdata package.
RUN pip install --no-cache-dir .

# ---- runtime: the venv plus the application, run as an unprivileged user ----
FROM python:3.11-slim-bookworm

# The database as a URL, so that a platform's or compose's DATABASE_URL (PostgreSQL)
# replaces it rather than standing beside a DATABASE_PATH (refused as ambiguous).
ENV PATH="/opt/venv/bin:$PATH" \
    DATABASE_URL=sqlite:////data/bot.sqlite3 \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1

RUN groupadd --system --gid 10001 magdaily \
    && useradd --system --uid 10001 --gid 10001 --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin magdaily \
    && mkdir -p /data \
    && chown 10001:10001 /data

COPY --from=builder /opt/venv /opt/venv

# Application code stays owned by root: the bot can read it but not change it.
# Only the bot and its tips: standin/ (the Bot API stand-in behind the tests and console
# mode) stays out, since the image runs against Telegram with a real token.
WORKDIR /app
COPY pyproject.toml run.py ./
COPY bot/ ./bot/
COPY tips/ ./tips/

# The SQLite database (and its -wal/-shm files) lives here; mount a volume to keep it.
VOLUME /data

USER 10001:10001

# With HEALTH_PORT (or a platform's PORT) set: GET /healthz of the running bot (updates
# still arriving). Otherwise the checks of `run.py check`: config, database schema, tip
# catalogue, a stalled sender. Exit 1 with one line when unhealthy.
HEALTHCHECK --interval=60s --timeout=15s --start-period=20s --retries=3 \
    CMD ["python", "run.py", "health"]

CMD ["python", "run.py"]
