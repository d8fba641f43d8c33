-- qcc-credit schema, version 8: calls are looked up by key only while they wait for the screening
-- they led to. A call whose answer is in the same write batch (nearly every one) is written with
-- its screening_id and never enters this index; calls_key held every call of every run.
DROP INDEX IF EXISTS calls_key;
CREATE INDEX calls_unlinked ON calls(key_id) WHERE screening_id IS NULL;
