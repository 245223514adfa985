"""The database schema as numbered migrations, tracked in SQLite's PRAGMA user_version.

Owns the tables and indexes every query module relies on, and the upgrade of an existing
file to them on open. A database newer than this code is refused rather than guessed at.
"""

from __future__ import annotations

from bot.storage.db import Database

# Each entry upgrades the schema by one version (PRAGMA user_version). Never edit a
# shipped entry: add a new one, so existing databases upgrade in place on start.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE subscribers (
        chat_id         INTEGER PRIMARY KEY,
        user_id         INTEGER,
        chat_type       TEXT    NOT NULL DEFAULT 'private',
        status          TEXT    NOT NULL
                        CHECK (status IN ('active', 'paused', 'stopped', 'blocked')),
        send_time       TEXT    NOT NULL,
        timezone        TEXT    NOT NULL,
        topics          TEXT    NOT NULL,
        next_send_at    INTEGER,
        last_daily_at   INTEGER,
        last_topic      TEXT,
        rotation_cycle  INTEGER NOT NULL DEFAULT 0,
        paused_until    TEXT,
        inactive_reason TEXT,
        need_mg         INTEGER,
        need_profile    TEXT,
        created_at      INTEGER NOT NULL,
        updated_at      INTEGER NOT NULL
    );
    CREATE INDEX subscribers_due ON subscribers (next_send_at)
        WHERE status IN ('active', 'paused');
    CREATE INDEX subscribers_status ON subscribers (status);

    CREATE TABLE tips (
        id         TEXT    PRIMARY KEY,
        topic      TEXT    NOT NULL,
        text       TEXT    NOT NULL,
        source     TEXT    NOT NULL,
        origin     TEXT    NOT NULL DEFAULT 'catalog' CHECK (origin IN ('catalog', 'admin')),
        retired    INTEGER NOT NULL DEFAULT 0,
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    );

    CREATE TABLE tip_views (
        chat_id INTEGER NOT NULL REFERENCES subscribers (chat_id) ON DELETE CASCADE,
        cycle   INTEGER NOT NULL,
        tip_id  TEXT    NOT NULL REFERENCES tips (id),
        seen_at INTEGER NOT NULL,
        PRIMARY KEY (chat_id, cycle, tip_id)
    ) WITHOUT ROWID;

    CREATE TABLE broadcasts (
        id          INTEGER PRIMARY KEY,
        admin_id    INTEGER NOT NULL,
        text        TEXT    NOT NULL,
        status      TEXT    NOT NULL DEFAULT 'draft'
                    CHECK (status IN ('draft', 'sending', 'done', 'cancelled')),
        progress_chat_id    INTEGER,
        progress_message_id INTEGER,
        created_at  INTEGER NOT NULL,
        started_at  INTEGER,
        finished_at INTEGER
    );

    CREATE TABLE deliveries (
        id           INTEGER PRIMARY KEY,
        chat_id      INTEGER NOT NULL REFERENCES subscribers (chat_id) ON DELETE CASCADE,
        kind         TEXT    NOT NULL
                     CHECK (kind IN ('daily', 'on_demand', 'another', 'broadcast')),
        tip_id       TEXT    REFERENCES tips (id),
        broadcast_id INTEGER REFERENCES broadcasts (id),
        local_date   TEXT,
        status       TEXT    NOT NULL
                     CHECK (status IN ('pending', 'sent', 'failed', 'blocked', 'missed',
                                       'cancelled')),
        attempts     INTEGER NOT NULL DEFAULT 0,
        error        TEXT,
        message_id   INTEGER,
        due_at       INTEGER NOT NULL,
        created_at   INTEGER NOT NULL,
        sent_at      INTEGER
    );
    CREATE UNIQUE INDEX deliveries_daily_once ON deliveries (chat_id, local_date)
        WHERE kind = 'daily';
    CREATE UNIQUE INDEX deliveries_broadcast_once ON deliveries (broadcast_id, chat_id)
        WHERE kind = 'broadcast';
    CREATE INDEX deliveries_pending ON deliveries (due_at) WHERE status = 'pending';
    CREATE INDEX deliveries_chat ON deliveries (chat_id, created_at);
    CREATE INDEX deliveries_broadcast ON deliveries (broadcast_id, status)
        WHERE broadcast_id IS NOT NULL;

    CREATE TABLE feedback (
        chat_id    INTEGER NOT NULL REFERENCES subscribers (chat_id) ON DELETE CASCADE,
        tip_id     TEXT    NOT NULL REFERENCES tips (id),
        vote       INTEGER NOT NULL CHECK (vote IN (-1, 1)),
        updated_at INTEGER NOT NULL,
        PRIMARY KEY (chat_id, tip_id)
    ) WITHOUT ROWID;
    CREATE INDEX feedback_tip ON feedback (tip_id);
    """,
    # --- delivery reliability (issue 10): when a queued row stops being worth sending
    # (a daily tip's grace window, a broadcast's retry budget), how many of its attempts
    # timed out (Telegram may have delivered those: /stats counts them), and when it was
    # last attempted (`run.py check` tells a stalled sender from a busy one).
    """
    ALTER TABLE deliveries ADD COLUMN expires_at INTEGER;
    ALTER TABLE deliveries ADD COLUMN timeouts INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE deliveries ADD COLUMN last_attempt_at INTEGER;
    CREATE INDEX deliveries_attempted ON deliveries (last_attempt_at)
        WHERE last_attempt_at IS NOT NULL;
    """,
)


async def migrate(db: Database) -> None:
    """Bring the file up to the latest schema version, one migration at a time."""
    version = await db.fetch_value("PRAGMA user_version", default=0)
    if version > len(MIGRATIONS):
        raise RuntimeError(
            f"database schema version {version} is newer than this bot "
            f"({len(MIGRATIONS)}); upgrade the bot"
        )
    for number in range(version, len(MIGRATIONS)):
        # executescript commits first; the version bump rides in the same script so a
        # crash mid-migration leaves the previous version number in place.
        await db.run_script(
            "BEGIN;\n" + MIGRATIONS[number] + f"\nPRAGMA user_version = {number + 1};\nCOMMIT;"
        )
