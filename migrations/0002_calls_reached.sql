-- qcc-credit schema, version 2: tell calls the vendor answered (billed) from attempts that never
-- reached it (connection refused, DNS, TLS, proxy), which are not billed.
-- Calls recorded before this version are taken as reached: every call was assumed billed then.
ALTER TABLE calls ADD COLUMN reached INTEGER NOT NULL DEFAULT 1;
