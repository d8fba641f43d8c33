-- qcc-credit schema, version 10: a 200 page before the last is stored by shape when it arrives
-- (its records at the place the answer will hold them), and its records wait here until its
-- answer comes. When the answer's page agrees, the row goes: the body comes back from the
-- answer's records. When the answer never comes (the key failed, the run was killed) or brings
-- other records, the row stays and the body comes back from it.
CREATE TABLE pending_pages (
    call_id INTEGER PRIMARY KEY,
    records TEXT NOT NULL                 -- JSON array: the page's records as received
);
