-- qcc-credit schema, version 3: rows as the analyst sees them.
-- sheet_row: the row number the file or sheet shows (title and header rows counted), beside the
-- 1-based data row. skipped: a total row (合计, 共18家 ...), never called. The file remembers the
-- sheet, header row and name-fallback column it was read with.
ALTER TABLE input_rows ADD COLUMN sheet_row INTEGER;
ALTER TABLE input_rows ADD COLUMN skipped INTEGER NOT NULL DEFAULT 0;
ALTER TABLE input_files ADD COLUMN sheet TEXT;
ALTER TABLE input_files ADD COLUMN header_row INTEGER;
ALTER TABLE input_files ADD COLUMN fallback_column TEXT;
