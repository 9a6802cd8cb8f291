-- Migration 6 (schema 2): an observation's current row names its winning revision by the
-- revision's row number (`rev_seq`, an integer key) instead of its 36-character id, so the row
-- is 33 bytes narrower and reading the body is a lookup by key.
ALTER TABLE observation ADD COLUMN rev_seq INTEGER;
UPDATE observation SET rev_seq = (SELECT seq FROM revision WHERE revision.rev_id = observation.rev_id);
ALTER TABLE observation DROP COLUMN rev_id;
