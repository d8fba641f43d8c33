-- qcc-credit schema, version 14: the keys' uniqueness is a named index (keys_key) rather than
-- the column's own constraint, so that an ingest adding many keys can build it once, sorted,
-- instead of inserting a million keys into it in the file's order (a page written per few rows
-- as it outgrows the cache). The table is rebuilt the way SQLite's documentation gives; ids and
-- every reference to them stay as they are.
CREATE TABLE keys_v14 (
    id           INTEGER PRIMARY KEY,
    key          TEXT NOT NULL,           -- normalized search key, unique (keys_key)
    kind         TEXT NOT NULL,           -- uscc | reg_no | name
    state        TEXT NOT NULL,           -- pending found not_found invalid unsupported deferred failed parked
    local        INTEGER NOT NULL DEFAULT 0, -- 1: judged invalid locally, no call spent
    message      TEXT,
    status       TEXT,                    -- vendor status of the latest answer
    not_before   TEXT,                    -- deferred keys: not called before this instant
    attempts     INTEGER NOT NULL DEFAULT 0,
    checked_at   TEXT,                    -- when the current answer came
    screening_id INTEGER,                 -- the current answer (latest screening)
    doubt        TEXT
);
INSERT INTO keys_v14 SELECT id, key, kind, state, local, message, status, not_before, attempts,
    checked_at, screening_id, doubt FROM keys;
DROP TABLE keys;
ALTER TABLE keys_v14 RENAME TO keys;
CREATE UNIQUE INDEX keys_key ON keys(key);
CREATE INDEX keys_state ON keys(state);
