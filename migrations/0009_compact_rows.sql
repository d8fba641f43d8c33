-- qcc-credit schema, version 9: what every call and every screening adds is kept small, so that
-- an unchanged re-screen (one call and one screening per key) grows the database little.
-- * calls.at and screenings.checked_at hold Unix seconds (UTC) instead of 20 characters of text:
--   datetime(at, 'unixepoch') reads them in sqlite3.
-- * calls.order_number in the vendor's form is packed: 'OPERATIONCHECK' || hex(order_number).
-- * Each run counts its calls (runs.calls, runs.unreached, runs.billed) as they are written, so
--   the calls_run index (an entry per call) is gone.
-- * screenings.previous_id links a key's screenings newest to oldest, so the screenings_key
--   index (an entry per screening, half its pages empty from inserts in key order) is gone.
-- The two tables are rebuilt (the way SQLite's documentation gives, with foreign keys off while
-- migrating); their ids, and so every reference to them, stay as they are.
ALTER TABLE runs ADD COLUMN unreached INTEGER NOT NULL DEFAULT 0;
ALTER TABLE runs ADD COLUMN billed INTEGER NOT NULL DEFAULT 0;
UPDATE runs SET
    calls = (SELECT COUNT(*) FROM calls WHERE run_id = runs.id),
    unreached = (SELECT COUNT(*) FROM calls WHERE run_id = runs.id AND reached = 0),
    billed = (SELECT COUNT(*) FROM calls WHERE run_id = runs.id AND vendor_status IN ('200', '201'));

CREATE TABLE calls_v9 (
    id            INTEGER PRIMARY KEY,
    run_id        INTEGER,
    key_id        INTEGER,
    at            INTEGER NOT NULL,       -- Unix seconds, UTC
    search_key    TEXT NOT NULL,          -- '' when it is the key itself
    page          INTEGER NOT NULL,
    http_status   INTEGER,
    vendor_status TEXT,
    message       TEXT,                   -- NULL when the vendor's standard text for the status
    order_number  TEXT,                   -- packed (a BLOB) when in the vendor's form
    latency_ms    INTEGER NOT NULL,
    body          TEXT,                   -- NULL when stored by shape (body_id)
    reached       INTEGER NOT NULL DEFAULT 1,
    screening_id  INTEGER,
    body_id       INTEGER REFERENCES bodies(id)
);
INSERT INTO calls_v9
SELECT id, run_id, key_id, COALESCE(unixepoch(at), at), search_key, page, http_status,
       vendor_status, message,
       CASE WHEN typeof(order_number) = 'text' AND length(order_number) > 14
                 AND length(order_number) % 2 = 0
                 AND substr(order_number, 1, 14) = 'OPERATIONCHECK'
                 AND substr(order_number, 15) NOT GLOB '*[^0-9]*'
            THEN unhex(substr(order_number, 15))
            ELSE order_number END,
       latency_ms, body, reached, screening_id, body_id
FROM calls;
DROP TABLE calls;
ALTER TABLE calls_v9 RENAME TO calls;
CREATE INDEX calls_unlinked ON calls(key_id) WHERE screening_id IS NULL;

CREATE TABLE screenings_v9 (
    id           INTEGER PRIMARY KEY,
    key_id       INTEGER NOT NULL REFERENCES keys(id),
    run_id       INTEGER REFERENCES runs(id),
    state        TEXT NOT NULL,
    status       TEXT,
    message      TEXT,
    checked_at   INTEGER NOT NULL,        -- Unix seconds, UTC
    record_count INTEGER NOT NULL DEFAULT 0,
    records_of   INTEGER,                 -- the screening whose records this one shares
    records_hash TEXT,
    previous_id  INTEGER                  -- the key's screening before this one
);
INSERT INTO screenings_v9
SELECT id, key_id, run_id, state, status, message, COALESCE(unixepoch(checked_at), checked_at),
       record_count, records_of, records_hash,
       LAG(id) OVER (PARTITION BY key_id ORDER BY id)
FROM screenings;
DROP TABLE screenings;
ALTER TABLE screenings_v9 RENAME TO screenings;
