-- Migration 8 (schema 2): the current-state tables keep ids as the revision table does
-- (store::ids): record ids and their winning revision, an observation's own id and those of its
-- visit, site and taxon, the species tally's keys and the import index's record, as 16 bytes
-- where they are canonical UUIDs. Rewritten by store::schema2::current_ids_as_bytes (Rust).
SELECT 1;
