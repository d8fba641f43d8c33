-- qcc-credit schema, version 11: what the analyst's list is made of.
-- cell_types: the cells a spreadsheet typed (JSON object, column -> ["n", number] or
-- ["d", Excel serial date]), so the workbook written back keeps numbers and dates; NULL for an
-- all-text row (every CSV row). id_column: the supplier's own id column (an ERP code rather than a
-- row counter), chosen at ingest from what the first rows hold.
ALTER TABLE input_rows ADD COLUMN cell_types TEXT;
ALTER TABLE input_files ADD COLUMN id_column TEXT;
