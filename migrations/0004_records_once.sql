-- qcc-credit schema, version 4: each vendor record stored once.
-- records.extra: the record as received, only when its columns cannot give it back exactly (the
-- raw copy of every record, records.raw and punishments.raw, goes in version 5).
-- screenings.records_of: an answer identical to the key's previous one points at the screening
-- that holds the records instead of copying them; records_hash tells identical answers apart.
-- calls.screening_id: the answer a call led to; its 200 body then keeps only the envelope.
ALTER TABLE records ADD COLUMN extra TEXT;
ALTER TABLE screenings ADD COLUMN records_of INTEGER;
ALTER TABLE screenings ADD COLUMN records_hash TEXT;
ALTER TABLE calls ADD COLUMN screening_id INTEGER;
CREATE INDEX calls_screening ON calls(screening_id);
