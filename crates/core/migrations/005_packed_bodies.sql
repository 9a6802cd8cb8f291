-- Migration 5 (schema 2): revision bodies are packed (store::packed: zstd against a dictionary
-- of typical bodies), about a quarter of their JSON. The rows are packed by
-- store::schema2::pack_bodies (Rust), in this migration's transaction; a body still TEXT reads
-- as it is, so a store is readable at every step.
SELECT 1;
