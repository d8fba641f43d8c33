-- Review: the analyst's decisions on alerts, and the alerts each run opened. Both are evidence:
-- rows are only ever added. A later decision supersedes an earlier one; both stay.

CREATE TABLE decisions (
    id          INTEGER PRIMARY KEY,
    key_id      INTEGER NOT NULL REFERENCES keys(id),
    supplier    TEXT NOT NULL,            -- the supplier's id cell as the list shows it, or "row N"
    row_no      INTEGER NOT NULL,         -- the data row it was decided on
    sheet_row   INTEGER,
    file_id     INTEGER,
    decision    TEXT NOT NULL CHECK (decision IN ('cleared', 'accepted', 'blocked', 'escalated')),
    note        TEXT NOT NULL,
    decided_by  TEXT NOT NULL,
    decided_at  TEXT NOT NULL,
    fingerprint TEXT NOT NULL,            -- JSON: the evidence the decision answered
    reasons     TEXT NOT NULL,            -- the alert's reasons as shown when decided
    source      TEXT NOT NULL             -- `review` or `import FILE`
);
CREATE INDEX decisions_key ON decisions(key_id, id);

CREATE TRIGGER decisions_append_only_update BEFORE UPDATE ON decisions
BEGIN
    SELECT RAISE(ABORT, 'decisions are append-only: record a new decision, it supersedes this one');
END;
CREATE TRIGGER decisions_append_only_delete BEFORE DELETE ON decisions
BEGIN
    SELECT RAISE(ABORT, 'decisions are append-only: record a new decision, it supersedes this one');
END;

-- Alerts as runs opened them: kept small (a first screening opens one for about half a list), so
-- the fingerprint is stamped, not spelled out: the flags as bits (bit i is the i-th flag, most
-- severe first), the worst level's rank, and a 4-byte hash of each punishment, cancelled
-- registration and change for the worse (src/view/alert.rs, `Stamp`).
CREATE TABLE alerts (
    id          INTEGER PRIMARY KEY,
    run_id      INTEGER,
    key_id      INTEGER NOT NULL REFERENCES keys(id),
    supplier    TEXT NOT NULL,
    row_no      INTEGER NOT NULL,         -- the data row
    sheet_row   INTEGER,
    opened_at   INTEGER NOT NULL,         -- Unix seconds, UTC
    flags       INTEGER NOT NULL,
    rank        INTEGER,
    items       BLOB,
    decision_id INTEGER                   -- the decision this alert re-opens, if any
);

CREATE TRIGGER alerts_append_only_update BEFORE UPDATE ON alerts
BEGIN
    SELECT RAISE(ABORT, 'alerts are append-only');
END;
CREATE TRIGGER alerts_append_only_delete BEFORE DELETE ON alerts
BEGIN
    SELECT RAISE(ABORT, 'alerts are append-only');
END;
