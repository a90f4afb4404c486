-- (child, parent) pairs of the target's foreign keys, as schema.table names (unquoted, as
-- confiture_core::s2s names tables), for loading parents first.
SELECT coalesce(pg_catalog.json_agg(pg_catalog.json_build_array(
    cn.nspname || '.' || c.relname, pn.nspname || '.' || p.relname)), '[]')::text
FROM pg_catalog.pg_constraint k
JOIN pg_catalog.pg_class c ON c.oid = k.conrelid JOIN pg_catalog.pg_namespace cn ON cn.oid = c.relnamespace
JOIN pg_catalog.pg_class p ON p.oid = k.confrelid JOIN pg_catalog.pg_namespace pn ON pn.oid = p.relnamespace
WHERE k.contype = 'f' AND k.conparentid = 0
