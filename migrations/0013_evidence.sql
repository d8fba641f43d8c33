-- qcc-credit schema, version 13: every call's body kept as the bytes received, in a zstd frame
-- (src/store/evidence.rs), instead of by shape with markers and text rebuilt from code.
-- calls.body: the frame, against the dictionary shipped in the binary (src/store/evidence.dict,
--   `zstd -d -D evidence.dict` reads it), or against the body of call body_ref (a frame against
--   the dictionary) as a zstd prefix; NULL when no body came (a transport error).
-- calls.message: only what the body does not say (NULL when the body's Message is the call's).
-- calls.order_number: only for a call migrated from an older database that kept an order number
--   without its body; NULL for every call written since (the body holds it).
-- evidence_refs: each key's page's latest frame against the dictionary, which the next body of
--   that page is compressed against.
-- bodies and pending_pages go; the rows are converted in Rust (src/store/legacy.rs), in id order.
ALTER TABLE calls RENAME TO calls_v12;
DROP INDEX IF EXISTS calls_unlinked;
CREATE TABLE calls (
    id            INTEGER PRIMARY KEY,
    run_id        INTEGER,
    key_id        INTEGER,
    at            INTEGER NOT NULL,       -- Unix seconds, UTC
    search_key    TEXT NOT NULL,          -- '' when it is the key itself
    page          INTEGER NOT NULL,
    http_status   INTEGER,
    vendor_status TEXT,
    message       TEXT,
    latency_ms    INTEGER NOT NULL,
    reached       INTEGER NOT NULL DEFAULT 1,
    screening_id  INTEGER,
    body          BLOB,
    body_ref      INTEGER,
    order_number  TEXT
);
CREATE TABLE evidence_refs (
    key_id  INTEGER NOT NULL,
    page    INTEGER NOT NULL,
    call_id INTEGER NOT NULL,
    PRIMARY KEY (key_id, page)
) WITHOUT ROWID;
