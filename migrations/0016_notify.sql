-- Notifications: what each run had to say (the outbox), and every message sent or not.
-- A run writes an outbox row when it opened alerts or had trouble (or for a daily summary); each
-- channel's message carries the outbox rows after the last run it delivered, so a message that
-- failed is carried by the next run's. Both tables are only ever added to.

CREATE TABLE notify_outbox (
    run_id   INTEGER PRIMARY KEY,
    at       INTEGER NOT NULL,            -- Unix seconds, UTC
    alerts   INTEGER NOT NULL,            -- alerts the run opened
    trouble  TEXT NOT NULL                -- JSON: the run's operational trouble
);

CREATE TABLE notifications (
    id        INTEGER PRIMARY KEY,
    run_id    INTEGER,                    -- the run it was sent after (NULL: `notify --test`)
    channel   TEXT NOT NULL,              -- the channel's name in the config
    kind      TEXT NOT NULL,              -- wecom, dingtalk, feishu, webhook, email
    at        INTEGER NOT NULL,           -- Unix seconds, UTC
    state     TEXT NOT NULL CHECK (state IN ('sent', 'failed')),
    attempts  INTEGER NOT NULL,
    error     TEXT,                       -- why it failed (scrubbed of secrets)
    first_run INTEGER,                    -- the runs whose news it carried
    last_run  INTEGER,
    alerts    INTEGER NOT NULL,
    trouble   INTEGER NOT NULL
);
CREATE INDEX notifications_channel ON notifications(channel, id);
