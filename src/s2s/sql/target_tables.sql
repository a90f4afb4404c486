-- The target database's tables, as confiture_core::s2s::plan::Table: every ordinary and
-- partitioned table (not a partition) outside the system, confiture's own and the staging
-- schemas ($1), and not part of an extension.
WITH tables AS (
    SELECT c.oid, n.nspname, c.relname
    FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
      AND n.nspname <> ALL ($1::text[]) AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')
      AND n.nspname NOT LIKE 'pg\_temp\_%' AND n.nspname NOT LIKE 'pg\_toast\_temp\_%'
      AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_depend d
                      WHERE d.classid = 'pg_catalog.pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
)
SELECT coalesce(pg_catalog.json_agg(pg_catalog.json_build_object(
    'schema', t.nspname,
    'name', t.relname,
    'columns', (
        SELECT pg_catalog.json_agg(pg_catalog.json_build_object(
            'name', a.attname,
            'type_name', pg_catalog.format_type(a.atttypid, a.atttypmod),
            'not_null', a.attnotnull,
            'has_default', a.atthasdef,
            'identity', a.attidentity <> '',
            'identity_always', a.attidentity = 'a',
            'generated', a.attgenerated <> '') ORDER BY a.attnum)
        FROM pg_catalog.pg_attribute a
        WHERE a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped),
    'key', coalesce((
        SELECT pg_catalog.json_agg(a.attname ORDER BY k.ordinality)
        FROM (SELECT i.indkey::int2[] AS keys FROM pg_catalog.pg_index i
              WHERE i.indrelid = t.oid AND i.indisunique AND i.indisvalid AND i.indexprs IS NULL AND i.indpred IS NULL
                AND NOT EXISTS (SELECT 1 FROM pg_catalog.pg_attribute x
                                WHERE x.attrelid = t.oid AND x.attnum = ANY (i.indkey::int2[]) AND NOT x.attnotnull)
              ORDER BY i.indisprimary DESC, i.indnatts, i.indexrelid LIMIT 1) AS chosen
        CROSS JOIN LATERAL pg_catalog.unnest(chosen.keys) WITH ORDINALITY AS k(attnum, ordinality)
        JOIN pg_catalog.pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum), '[]')
) ORDER BY t.nspname, t.relname), '[]')::text
FROM tables t
