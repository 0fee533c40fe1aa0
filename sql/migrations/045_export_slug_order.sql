-- Exports (src/data/export.ts) read live incidents in slug order, byte order ("C") so that every database,
-- whatever its default collation, gives the same order, by keyset batches: slug > last slug, limit 500.
-- The unique index on slug has the database's collation and cannot serve a "C" order; this one can, so each
-- batch is an index range scan instead of a sort of every live incident.
create index incidents_export_slug_idx on incidents ((slug::text) collate "C") where merged_into_id is null;
