"""The SQLite schema as numbered migrations, tracked in SQLite's PRAGMA user_version
(PostgreSQL's are numbered on their own, in schema_postgres.py).

Owns the tables and indexes every query module relies on, and the upgrade of an existing
file to them on open. A database newer than this code is refused rather than guessed at.
"""

from __future__ import annotations

from bot.storage.db import Database
from bot.storage.schema_postgres import POSTGRES_MIGRATIONS

# Reasons become codes (bot.core.reasons.Reason) beside Telegram's own words: the English
# the bot stored is read once here. `error` / `inactive_reason` keep their names and hold
# the code, `error_detail` / `inactive_detail` the raw description (or the one datum a
# reason needs), `error_cause` the last attempt's code of a row given up. Every old text is
# matched case-sensitively (GLOB) in a fixed order; what matches nothing keeps its text
# under 'other'. Prompt texts are rendered when sent now, so `deliveries.body` goes.
REASON_CODES = """
    ALTER TABLE deliveries ADD COLUMN error_detail TEXT;
    ALTER TABLE deliveries ADD COLUMN error_cause TEXT;
    ALTER TABLE subscribers ADD COLUMN inactive_detail TEXT;
    ALTER TABLE deliveries DROP COLUMN body;

    -- A give-up was written as "<cause>; <give-up>": the cause is read like any reason.
    CREATE TEMP TABLE old_reason (id INTEGER PRIMARY KEY, status TEXT, text TEXT,
                                  code TEXT, detail TEXT, cause TEXT);
    INSERT INTO old_reason (id, status, text)
        SELECT id, status, error FROM deliveries WHERE error IS NOT NULL;
    UPDATE old_reason SET code = 'grace_window_passed',
           text = CASE WHEN text = 'not sent within the grace window' THEN NULL
                       ELSE substr(text, 1, length(text) - 34) END
     WHERE text = 'not sent within the grace window'
        OR text GLOB '*; not sent within the grace window';
    UPDATE old_reason SET code = 'retries_exhausted',
           text = nullif(substr(text, 1, instr(text, '; gave up after retrying for ') - 1),
                         'not sent')
     WHERE code IS NULL AND text GLOB '*; gave up after retrying for * h';
    UPDATE old_reason SET cause = CASE
        WHEN text = 'internal error' THEN 'internal_error'
        WHEN text = 'timed out' THEN 'timed_out'
        WHEN text GLOB 'network: *' THEN 'network'
        WHEN text GLOB 'bad request: *' THEN 'bad_request'
        WHEN text GLOB 'chat migrated to *' THEN 'chat_migrated'
        WHEN text = 'subscriber stopped' THEN 'subscriber_stopped'
        WHEN text = 'subscriber paused' THEN 'subscriber_paused'
        WHEN text = 'cancelled by admin' THEN 'cancelled_by_admin'
        WHEN text = 'late or in quiet hours' THEN 'late_or_quiet_hours'
        WHEN text = 'no active tip to send' THEN 'no_tip'
        WHEN text = 'a tip already went out that local day' THEN 'already_sent_that_day'
        WHEN text GLOB 'bot was offline past the grace window*' THEN 'offline_past_grace'
        WHEN status = 'blocked' THEN 'chat_gone'
        WHEN text GLOB '[A-Z][A-Za-z]*: *' AND instr(text, ': ') = instr(text, ' ') - 1
            THEN 'telegram_error'
        ELSE 'other' END
     WHERE text IS NOT NULL;
    UPDATE old_reason SET detail = CASE cause
        WHEN 'network' THEN substr(text, 10)
        WHEN 'bad_request' THEN substr(text, 14)
        WHEN 'chat_migrated' THEN substr(text, 18)
        WHEN 'chat_gone' THEN text
        WHEN 'telegram_error' THEN text
        WHEN 'other' THEN text
        END
     WHERE cause IS NOT NULL;
    UPDATE old_reason SET code = cause, cause = NULL WHERE code IS NULL;
    UPDATE deliveries SET error = o.code, error_detail = o.detail, error_cause = o.cause
      FROM old_reason AS o WHERE deliveries.id = o.id;
    DROP TABLE old_reason;

    UPDATE subscribers SET
        inactive_detail = CASE
            WHEN inactive_reason GLOB 'quarantined: unreadable row (*)'
                THEN substr(inactive_reason, 30, length(inactive_reason) - 30)
            WHEN inactive_reason GLOB 'chat migrated to *' THEN substr(inactive_reason, 18)
            WHEN inactive_reason IN ('blocked by the user', 'bot kicked', 'bot left') THEN NULL
            ELSE inactive_reason END,
        inactive_reason = CASE
            WHEN inactive_reason = 'blocked by the user' THEN 'blocked_by_user'
            WHEN inactive_reason = 'bot kicked' THEN 'bot_kicked'
            WHEN inactive_reason = 'bot left' THEN 'bot_left'
            WHEN inactive_reason GLOB 'quarantined: unreadable row (*)' THEN 'quarantined'
            WHEN inactive_reason GLOB 'chat migrated to *' THEN 'chat_migrated'
            WHEN status = 'blocked' THEN 'chat_gone'
            ELSE 'other' END
     WHERE inactive_reason IS NOT NULL;
"""

# A broadcast may carry a text per language: `broadcasts.text` stays the English (the
# reference, which everyone whose language has no text of its own gets), and each other
# language's text is a row here, checked like the English before the draft is kept.
BROADCAST_TEXTS = """
    CREATE TABLE broadcast_texts (
        broadcast_id INTEGER NOT NULL REFERENCES broadcasts (id) ON DELETE CASCADE,
        language     TEXT    NOT NULL,
        text         TEXT    NOT NULL,
        PRIMARY KEY (broadcast_id, language)
    ) WITHOUT ROWID;
"""

# The afternoon water nudge: on or off per person (off by default) with its next slot
# (the tick's due index), the days someone said "hot day / training" (which turn that
# day's nudge on), and 'nudge' outbox rows, one per (chat, local date) like the prompts.
# deliveries is rebuilt to widen its CHECK on kind.
WATER_NUDGE = """
    ALTER TABLE water_settings ADD COLUMN nudge INTEGER NOT NULL DEFAULT 0
        CHECK (nudge IN (0, 1));
    ALTER TABLE water_settings ADD COLUMN nudge_next_at INTEGER;
    CREATE INDEX water_nudge_due ON water_settings (nudge_next_at)
        WHERE nudge_next_at IS NOT NULL;
    CREATE TABLE water_hot_days (
        chat_id    INTEGER NOT NULL REFERENCES subscribers (chat_id) ON DELETE CASCADE,
        local_date TEXT    NOT NULL,
        created_at INTEGER NOT NULL,
        PRIMARY KEY (chat_id, local_date)
    ) WITHOUT ROWID;

    CREATE TABLE deliveries_new (
        id              INTEGER PRIMARY KEY,
        chat_id         INTEGER NOT NULL REFERENCES subscribers (chat_id) ON DELETE CASCADE,
        kind            TEXT    NOT NULL
                        CHECK (kind IN ('daily', 'on_demand', 'another', 'broadcast',
                                        'checkin', 'stretch', 'weekly', 'later', 'nudge')),
        tip_id          TEXT    REFERENCES tips (id),
        broadcast_id    INTEGER REFERENCES broadcasts (id),
        local_date      TEXT,
        status          TEXT    NOT NULL
                        CHECK (status IN ('pending', 'sent', 'failed', 'blocked', 'missed',
                                          'cancelled')),
        attempts        INTEGER NOT NULL DEFAULT 0,
        error           TEXT,
        message_id      INTEGER,
        due_at          INTEGER NOT NULL,
        created_at      INTEGER NOT NULL,
        sent_at         INTEGER,
        expires_at      INTEGER,
        timeouts        INTEGER NOT NULL DEFAULT 0,
        last_attempt_at INTEGER,
        claimed_by      INTEGER,
        error_detail    TEXT,
        error_cause     TEXT
    );
    INSERT INTO deliveries_new SELECT id, chat_id, kind, tip_id, broadcast_id, local_date,
        status, attempts, error, message_id, due_at, created_at, sent_at, expires_at,
        timeouts, last_attempt_at, claimed_by, error_detail, error_cause FROM deliveries;
    DROP TABLE deliveries;
    ALTER TABLE deliveries_new RENAME TO deliveries;
    CREATE UNIQUE INDEX deliveries_broadcast_once ON deliveries (broadcast_id, chat_id)
        WHERE kind = 'broadcast';
    CREATE INDEX deliveries_pending ON deliveries (due_at) WHERE status = 'pending';
    CREATE INDEX deliveries_chat ON deliveries (chat_id, created_at);
    CREATE INDEX deliveries_broadcast ON deliveries (broadcast_id, status)
        WHERE broadcast_id IS NOT NULL;
    CREATE INDEX deliveries_attempted ON deliveries (last_attempt_at)
        WHERE last_attempt_at IS NOT NULL;
    CREATE UNIQUE INDEX deliveries_prompt_once ON deliveries (chat_id, kind, local_date)
        WHERE kind IN ('checkin', 'stretch', 'weekly', 'nudge');
    CREATE UNIQUE INDEX deliveries_daily_slot_once ON deliveries (chat_id, due_at)
        WHERE kind = 'daily';
    CREATE INDEX deliveries_claimed ON deliveries (claimed_by) WHERE claimed_by IS NOT NULL;
    CREATE UNIQUE INDEX deliveries_later_once
        ON deliveries (chat_id, coalesce(tip_id, ''))
        WHERE kind = 'later' AND status = 'pending';
"""

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
    # A catalogue tip that left the files is retired by the sync, and
    # marked so, so that it can come back if the files bring it back, while a tip an admin
    # retired stays retired.
    """
    ALTER TABLE tips ADD COLUMN left_catalog INTEGER NOT NULL DEFAULT 0;
    """,
    # Which sign-up question a subscriber was last asked ('zone', 'time'),
    # 'done' once answered or dismissed; NULL for subscribers from before onboarding.
    """
    ALTER TABLE subscribers ADD COLUMN setup_step TEXT;
    """,
    # The cramp diary, and deliveries widened to its prompts.
    # deliveries is rebuilt (SQLite cannot alter a CHECK): new kinds, a `body` for prompt
    # texts composed at tick time, and one row per (chat, kind, local date) for every
    # scheduled kind, which makes a replayed tick a no-op for prompts as for the tip.
    """
    CREATE TABLE deliveries_new (
        id           INTEGER PRIMARY KEY,
        chat_id      INTEGER NOT NULL REFERENCES subscribers (chat_id) ON DELETE CASCADE,
        kind         TEXT    NOT NULL
                     CHECK (kind IN ('daily', 'on_demand', 'another', 'broadcast',
                                     'checkin', 'stretch', 'weekly')),
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
        sent_at      INTEGER,
        body         TEXT
    );
    INSERT INTO deliveries_new (id, chat_id, kind, tip_id, broadcast_id, local_date, status,
                                attempts, error, message_id, due_at, created_at, sent_at)
        SELECT id, chat_id, kind, tip_id, broadcast_id, local_date, status, attempts, error,
               message_id, due_at, created_at, sent_at FROM deliveries;
    DROP TABLE deliveries;
    ALTER TABLE deliveries_new RENAME TO deliveries;
    CREATE UNIQUE INDEX deliveries_scheduled_once ON deliveries (chat_id, kind, local_date)
        WHERE kind IN ('daily', 'checkin', 'stretch', 'weekly');
    CREATE UNIQUE INDEX deliveries_broadcast_once ON deliveries (broadcast_id, chat_id)
        WHERE kind = 'broadcast';
    CREATE INDEX deliveries_pending ON deliveries (due_at) WHERE status = 'pending';
    CREATE INDEX deliveries_chat ON deliveries (chat_id, created_at);
    CREATE INDEX deliveries_broadcast ON deliveries (broadcast_id, status)
        WHERE broadcast_id IS NOT NULL;

    CREATE TABLE diary_settings (
        chat_id          INTEGER PRIMARY KEY
                         REFERENCES subscribers (chat_id) ON DELETE CASCADE,
        checkin_time     TEXT,
        checkin_next_at  INTEGER,
        stretch_time     TEXT,
        stretch_next_at  INTEGER,
        weekly_enabled   INTEGER NOT NULL DEFAULT 1 CHECK (weekly_enabled IN (0, 1)),
        weekly_next_at   INTEGER,
        retention_months INTEGER NOT NULL DEFAULT 12
                         CHECK (retention_months IN (3, 6, 12, 24)),
        created_at       INTEGER NOT NULL,
        updated_at       INTEGER NOT NULL
    );
    CREATE INDEX diary_checkin_due ON diary_settings (checkin_next_at)
        WHERE checkin_next_at IS NOT NULL;
    CREATE INDEX diary_stretch_due ON diary_settings (stretch_next_at)
        WHERE stretch_next_at IS NOT NULL;
    CREATE INDEX diary_weekly_due ON diary_settings (weekly_next_at)
        WHERE weekly_next_at IS NOT NULL;

    CREATE TABLE cramp_entries (
        id         INTEGER PRIMARY KEY,
        chat_id    INTEGER NOT NULL REFERENCES subscribers (chat_id) ON DELETE CASCADE,
        muscle     TEXT NOT NULL
                   CHECK (muscle IN ('calf', 'foot', 'thigh', 'hamstring', 'hand', 'other')),
        severity   TEXT NOT NULL CHECK (severity IN ('mild', 'moderate', 'severe')),
        duration   TEXT NOT NULL
                   CHECK (duration IN ('under_1_min', '1_to_10_min', 'over_10_min')),
        when_band  TEXT NOT NULL
                   CHECK (when_band IN ('last_night', 'earlier_today', 'just_now')),
        period     TEXT NOT NULL CHECK (period IN ('night', 'day')),
        local_date TEXT NOT NULL,
        woke_up    INTEGER CHECK (woke_up IN (0, 1)),
        red_flags  INTEGER CHECK (red_flags IN (0, 1)),
        source_message_id INTEGER,
        logged_at  INTEGER NOT NULL
    );
    CREATE UNIQUE INDEX cramp_entries_once ON cramp_entries (chat_id, source_message_id)
        WHERE source_message_id IS NOT NULL;
    CREATE INDEX cramp_entries_chat_date ON cramp_entries (chat_id, local_date);

    CREATE TABLE cramp_entry_triggers (
        entry_id INTEGER NOT NULL REFERENCES cramp_entries (id) ON DELETE CASCADE,
        tag      TEXT NOT NULL CHECK (tag IN ('exercise', 'heat', 'little_water', 'alcohol',
                                              'new_medicine', 'long_standing', 'pregnancy')),
        PRIMARY KEY (entry_id, tag)
    ) WITHOUT ROWID;

    -- Every message that ever saved an entry, kept after Undo: a stale or forged copy of
    -- the fourth tap pressed again cannot bring an undone entry back.
    CREATE TABLE cramp_entry_sources (
        chat_id    INTEGER NOT NULL REFERENCES subscribers (chat_id) ON DELETE CASCADE,
        message_id INTEGER NOT NULL,
        used_at    INTEGER NOT NULL,
        PRIMARY KEY (chat_id, message_id)
    ) WITHOUT ROWID;

    CREATE TABLE diary_checkins (
        chat_id     INTEGER NOT NULL REFERENCES subscribers (chat_id) ON DELETE CASCADE,
        night_of    TEXT NOT NULL,
        answer      TEXT NOT NULL CHECK (answer IN ('no_cramps', 'cramps')),
        answered_at INTEGER NOT NULL,
        PRIMARY KEY (chat_id, night_of)
    ) WITHOUT ROWID;
    """,
    # When a queued row stops being worth sending
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
    # The tips seen in the current rotation cycle
    # move from a table of views (one index lookup per due subscriber per tick, one insert
    # per tip) onto the subscriber row as a comma-separated list. Views of earlier cycles
    # are dropped: the rotation never reads them, and the sent tips stay in deliveries.
    """
    ALTER TABLE subscribers ADD COLUMN cycle_seen TEXT NOT NULL DEFAULT '';
    UPDATE subscribers SET cycle_seen = coalesce(
        (SELECT group_concat(v.tip_id) FROM tip_views v
          WHERE v.chat_id = subscribers.chat_id AND v.cycle = subscribers.rotation_cycle),
        '');
    DROP TABLE tip_views;
    """,
    # A daily row was unique per (chat, local date)
    # in the zone it was planned in, so after a move west the new zone's date of the same
    # name lost its tip (the stateful test found it). A daily row is now unique per
    # (chat, slot instant): a replayed tick is still a no-op, and two slots on one local
    # day are the scheduler's to refuse (last_daily_at, in the zone the chat has now).
    # The diary's prompts keep one row per (chat, kind, local date).
    """
    DROP INDEX deliveries_scheduled_once;
    CREATE UNIQUE INDEX deliveries_prompt_once ON deliveries (chat_id, kind, local_date)
        WHERE kind IN ('checkin', 'stretch', 'weekly');
    CREATE UNIQUE INDEX deliveries_daily_slot_once ON deliveries (chat_id, due_at)
        WHERE kind = 'daily';
    """,
    # The sender's claim: a pending row it has taken to send carries the sending
    # instance's epoch until its outcome is recorded, and a refill takes only unclaimed
    # rows, so a row in flight cannot be fetched and sent a second time whatever a read
    # happens to see. The rows a stopped or crashed instance still claimed are released
    # when the next one starts sending (the partial index finds them).
    """
    ALTER TABLE deliveries ADD COLUMN claimed_by INTEGER;
    CREATE INDEX deliveries_claimed ON deliveries (claimed_by) WHERE claimed_by IS NOT NULL;
    """,
    REASON_CODES,
    # The reader's language per chat: a locale of bot.core.i18n.LOCALES ('en', 'ru', 'es',
    # 'pt-BR'), and whether the person chose it with /language. A language not chosen
    # follows Telegram's language_code of the person (private chats) and may be rewritten;
    # a chosen one only by another choice. Everyone from before reads English until their
    # next message says otherwise.
    """
    ALTER TABLE subscribers ADD COLUMN language TEXT NOT NULL DEFAULT 'en';
    ALTER TABLE subscribers ADD COLUMN language_chosen INTEGER NOT NULL DEFAULT 0
        CHECK (language_chosen IN (0, 1));
    """,
    BROADCAST_TEXTS,
    # The water log: one row per glass, on the person's local date when it was logged,
    # with its size in ml as it was then (a later change of glass size does not rewrite
    # the past); and the person's own settings: a glass size code and an optional daily
    # target in glasses. Health data: everything cascades from the subscriber row.
    """
    CREATE TABLE water_settings (
        chat_id    INTEGER PRIMARY KEY REFERENCES subscribers (chat_id) ON DELETE CASCADE,
        glass      TEXT    NOT NULL DEFAULT 'ml250'
                   CHECK (glass IN ('ml200', 'ml250', 'ml300', 'cup')),
        target     INTEGER CHECK (target IS NULL OR target BETWEEN 1 AND 30),
        created_at INTEGER NOT NULL,
        updated_at INTEGER NOT NULL
    );
    CREATE TABLE water_glasses (
        id         INTEGER PRIMARY KEY,
        chat_id    INTEGER NOT NULL REFERENCES subscribers (chat_id) ON DELETE CASCADE,
        local_date TEXT    NOT NULL,
        ml         INTEGER NOT NULL CHECK (ml > 0),
        logged_at  INTEGER NOT NULL
    );
    CREATE INDEX water_glasses_chat_date ON water_glasses (chat_id, local_date);
    """,
    # The food log: one row per "I ate this", on the person's local date when it was
    # logged, naming the food by its code (the English name of the food table's row), with
    # the servings (one per press) and the magnesium in mg as the table gave it then (a
    # later change of the table does not rewrite the past). Health data: it cascades from
    # the subscriber row.
    """
    CREATE TABLE food_log (
        id         INTEGER PRIMARY KEY,
        chat_id    INTEGER NOT NULL REFERENCES subscribers (chat_id) ON DELETE CASCADE,
        local_date TEXT    NOT NULL,
        food       TEXT    NOT NULL,
        servings   INTEGER NOT NULL DEFAULT 1 CHECK (servings > 0),
        mg         INTEGER NOT NULL CHECK (mg >= 0),
        logged_at  INTEGER NOT NULL
    );
    CREATE INDEX food_log_chat_date ON food_log (chat_id, local_date);
    """,
    # "⏰ Later": a tip or the evening stretch sent again once at a time the person picked,
    # as outbox rows of their own kind (the tip's id, or none for the stretch). deliveries
    # is rebuilt to widen its CHECK on kind; one pending Later per chat and message.
    """
    CREATE TABLE deliveries_new (
        id              INTEGER PRIMARY KEY,
        chat_id         INTEGER NOT NULL REFERENCES subscribers (chat_id) ON DELETE CASCADE,
        kind            TEXT    NOT NULL
                        CHECK (kind IN ('daily', 'on_demand', 'another', 'broadcast',
                                        'checkin', 'stretch', 'weekly', 'later')),
        tip_id          TEXT    REFERENCES tips (id),
        broadcast_id    INTEGER REFERENCES broadcasts (id),
        local_date      TEXT,
        status          TEXT    NOT NULL
                        CHECK (status IN ('pending', 'sent', 'failed', 'blocked', 'missed',
                                          'cancelled')),
        attempts        INTEGER NOT NULL DEFAULT 0,
        error           TEXT,
        message_id      INTEGER,
        due_at          INTEGER NOT NULL,
        created_at      INTEGER NOT NULL,
        sent_at         INTEGER,
        expires_at      INTEGER,
        timeouts        INTEGER NOT NULL DEFAULT 0,
        last_attempt_at INTEGER,
        claimed_by      INTEGER,
        error_detail    TEXT,
        error_cause     TEXT
    );
    INSERT INTO deliveries_new SELECT id, chat_id, kind, tip_id, broadcast_id, local_date,
        status, attempts, error, message_id, due_at, created_at, sent_at, expires_at,
        timeouts, last_attempt_at, claimed_by, error_detail, error_cause FROM deliveries;
    DROP TABLE deliveries;
    ALTER TABLE deliveries_new RENAME TO deliveries;
    CREATE UNIQUE INDEX deliveries_broadcast_once ON deliveries (broadcast_id, chat_id)
        WHERE kind = 'broadcast';
    CREATE INDEX deliveries_pending ON deliveries (due_at) WHERE status = 'pending';
    CREATE INDEX deliveries_chat ON deliveries (chat_id, created_at);
    CREATE INDEX deliveries_broadcast ON deliveries (broadcast_id, status)
        WHERE broadcast_id IS NOT NULL;
    CREATE INDEX deliveries_attempted ON deliveries (last_attempt_at)
        WHERE last_attempt_at IS NOT NULL;
    CREATE UNIQUE INDEX deliveries_prompt_once ON deliveries (chat_id, kind, local_date)
        WHERE kind IN ('checkin', 'stretch', 'weekly');
    CREATE UNIQUE INDEX deliveries_daily_slot_once ON deliveries (chat_id, due_at)
        WHERE kind = 'daily';
    CREATE INDEX deliveries_claimed ON deliveries (claimed_by) WHERE claimed_by IS NOT NULL;
    CREATE UNIQUE INDEX deliveries_later_once
        ON deliveries (chat_id, coalesce(tip_id, ''))
        WHERE kind = 'later' AND status = 'pending';
    """,
    # The evening stretch's "done": one row per person and local date they said they
    # stretched (the date of the stretch message they answered). A fact, never a label;
    # health data, so it cascades from the subscriber row and follows the diary's retention.
    """
    CREATE TABLE diary_stretches (
        chat_id    INTEGER NOT NULL REFERENCES subscribers (chat_id) ON DELETE CASCADE,
        local_date TEXT    NOT NULL,
        done_at    INTEGER NOT NULL,
        PRIMARY KEY (chat_id, local_date)
    );
    """,
    WATER_NUDGE,
)


async def migrate(db: Database) -> None:
    """Bring the database up to its engine's latest schema, one migration at a time.

    Each engine numbers its own migrations (this module's MIGRATIONS for SQLite, in
    PRAGMA user_version; schema_postgres.POSTGRES_MIGRATIONS for PostgreSQL, in the
    schema_version table). A database newer than this code is refused, not guessed at.
    """
    migrations = POSTGRES_MIGRATIONS if db.dialect.postgres else MIGRATIONS
    version = await db.schema_version()
    if version < 0:  # range(-1, n) would run the last migration first
        raise RuntimeError(f"schema version {version} is invalid")
    if version > len(migrations):
        raise RuntimeError(
            f"database schema version {version} is newer than this bot "
            f"({len(migrations)}); upgrade the bot"
        )
    for number in range(version, len(migrations)):
        await db.apply_migration(number + 1, migrations[number])
