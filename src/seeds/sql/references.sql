-- Single-column foreign keys of the tables of the given schemas: column -> referenced table.
SELECT n.nspname::text, c.relname::text, a.attname::text, pn.nspname::text, p.relname::text
FROM pg_catalog.pg_constraint k
JOIN pg_catalog.pg_class c ON c.oid = k.conrelid
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
JOIN pg_catalog.pg_class p ON p.oid = k.confrelid
JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
WHERE k.contype = 'f' AND cardinality(k.conkey) = 1 AND n.nspname = ANY ($1)
