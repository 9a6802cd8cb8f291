-- Migration 7 (schema 2): the revision table keeps its ids (rev_id, record_id, device_id) as
-- 16 bytes where they are canonical UUIDs (store::ids), and as text otherwise. The rows are
-- rewritten by store::schema2::ids_as_bytes (Rust), in this migration's transaction.
SELECT 1;
