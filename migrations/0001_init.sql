-- qcc-credit schema, version 1. Applied in order at open; tracked by PRAGMA user_version.
-- History is kept: a re-screen adds a screening, it never overwrites an earlier one.

CREATE TABLE runs (
    id            INTEGER PRIMARY KEY,
    started_at    TEXT NOT NULL,
    ended_at      TEXT,
    command       TEXT NOT NULL,          -- arguments as given (credentials never are)
    input_file_id INTEGER,
    exit_code     INTEGER,
    calls         INTEGER NOT NULL DEFAULT 0,
    summary       TEXT                    -- JSON: keys by state, changes, elapsed
);

CREATE TABLE input_files (
    id               INTEGER PRIMARY KEY,
    path             TEXT NOT NULL UNIQUE,
    format           TEXT,
    encoding         TEXT,
    key_column       TEXT,
    headers          TEXT,                -- JSON array of the header row
    row_count        INTEGER NOT NULL DEFAULT 0,
    last_ingested_at TEXT
);

CREATE TABLE keys (
    id           INTEGER PRIMARY KEY,
    key          TEXT NOT NULL UNIQUE,    -- normalized search key
    kind         TEXT NOT NULL,           -- uscc | reg_no | name
    state        TEXT NOT NULL,           -- pending found not_found invalid unsupported deferred failed
    local        INTEGER NOT NULL DEFAULT 0, -- 1: judged invalid locally, no call spent
    message      TEXT,
    status       TEXT,                    -- vendor status of the latest answer
    not_before   TEXT,                    -- deferred keys: not called before this instant
    attempts     INTEGER NOT NULL DEFAULT 0,
    checked_at   TEXT,                    -- when the current answer came
    screening_id INTEGER                  -- the current answer (latest screening)
);
CREATE INDEX keys_state ON keys(state);

CREATE TABLE input_rows (
    file_id INTEGER NOT NULL REFERENCES input_files(id),
    row_no  INTEGER NOT NULL,             -- 1-based data row, header not counted
    input   TEXT NOT NULL,                -- the cell as read
    key_id  INTEGER REFERENCES keys(id),
    error   TEXT,                         -- why the row has no key (empty, unreadable ...)
    extra   TEXT,                         -- JSON object: the analyst's other columns
    PRIMARY KEY (file_id, row_no)
) WITHOUT ROWID;
CREATE INDEX input_rows_key ON input_rows(key_id);

CREATE TABLE screenings (
    id           INTEGER PRIMARY KEY,
    key_id       INTEGER NOT NULL REFERENCES keys(id),
    run_id       INTEGER REFERENCES runs(id),
    state        TEXT NOT NULL,
    status       TEXT,
    message      TEXT,
    checked_at   TEXT NOT NULL,
    record_count INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX screenings_key ON screenings(key_id, id);

CREATE TABLE records (
    id             INTEGER PRIMARY KEY,
    screening_id   INTEGER NOT NULL REFERENCES screenings(id),
    ord            INTEGER NOT NULL,
    vendor_id      TEXT,
    reg_gov        TEXT,
    trade_type     TEXT,
    reg_date       TEXT,
    reg_no         TEXT,
    admin_area     TEXT,
    econo_area     TEXT,
    special_area   TEXT,
    cancel_flag    TEXT,
    annual_status  TEXT,
    validity_date  TEXT,
    industry_type  TEXT,
    ebusiness_type TEXT,
    identify_date  TEXT,
    identify_level TEXT,
    identify_code  TEXT,
    raw            TEXT NOT NULL          -- the record exactly as received
);
CREATE INDEX records_screening ON records(screening_id);

CREATE TABLE punishments (
    id          INTEGER PRIMARY KEY,
    record_id   INTEGER NOT NULL REFERENCES records(id),
    ord         INTEGER NOT NULL,
    no          TEXT,
    decision_no TEXT,
    party       TEXT,
    punish_date TEXT,
    case_prop   TEXT,
    raw         TEXT NOT NULL
);
CREATE INDEX punishments_record ON punishments(record_id);

-- Every call, billed or not: the evidence of what was checked, when, and what came back.
CREATE TABLE calls (
    id            INTEGER PRIMARY KEY,
    run_id        INTEGER,
    key_id        INTEGER,
    at            TEXT NOT NULL,
    search_key    TEXT NOT NULL,
    page          INTEGER NOT NULL,
    http_status   INTEGER,
    vendor_status TEXT,
    message       TEXT,
    order_number  TEXT,
    latency_ms    INTEGER NOT NULL,
    body          TEXT
);
CREATE INDEX calls_key ON calls(key_id);
CREATE INDEX calls_run ON calls(run_id);

-- What a re-screen found different from the previous answer of the same key.
CREATE TABLE changes (
    id                    INTEGER PRIMARY KEY,
    key_id                INTEGER NOT NULL REFERENCES keys(id),
    run_id                INTEGER,
    screening_id          INTEGER NOT NULL,
    previous_screening_id INTEGER NOT NULL,
    kind                  TEXT NOT NULL,
    worse                 INTEGER NOT NULL,
    detail                TEXT NOT NULL,
    detected_at           TEXT NOT NULL
);
CREATE INDEX changes_run ON changes(run_id);
