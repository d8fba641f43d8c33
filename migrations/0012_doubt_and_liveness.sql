-- qcc-credit schema, version 12: what a lying vendor and a killed run leave behind.
-- keys.doubt: why the key's stored answer is not the vendor's whole answer (paging stopped because
--   the vendor's answer was implausible: a repeated page, a changed total, too many pages ...);
--   NULL for an answer taken whole. A key whose answers could not be read twice is in state
--   'parked' (not called again without --retry-failed).
-- runs.last_seen: Unix seconds of the run's latest write, so that a run killed without a chance
--   to close its row is closed by the next run as interrupted, at the time it was last seen.
ALTER TABLE keys ADD COLUMN doubt TEXT;
ALTER TABLE runs ADD COLUMN last_seen INTEGER;
