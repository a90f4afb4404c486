-- Columns of the relations in $1, with their type as OID and typmod; the loader formats the few
-- distinct types with types.sql (format_type() per column cost more than the scan).
SELECT a.attrelid, a.attnum, a.attname::text, a.atttypid, a.atttypmod, a.attnotnull, a.attidentity <> ''
FROM pg_attribute a
WHERE a.attrelid = ANY ($1) AND a.attnum > 0 AND NOT a.attisdropped
