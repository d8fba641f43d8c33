-- qcc-credit schema, version 6: a call's body stored once per shape.
-- bodies: the envelope with the values its call's row holds (status, message, order number) and a
-- 200's records replaced by markers; calls.body_id points at it and calls.body is then NULL. Most
-- calls of a run share a handful of shapes. Version 7 converts the bodies already stored.
-- calls_screening is dropped: nothing looks calls up by their screening.
CREATE TABLE bodies (
    id   INTEGER PRIMARY KEY,
    text TEXT NOT NULL UNIQUE
);
ALTER TABLE calls ADD COLUMN body_id INTEGER REFERENCES bodies(id);
DROP INDEX IF EXISTS calls_screening;
