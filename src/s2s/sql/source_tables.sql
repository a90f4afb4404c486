-- The tables of one source schema ($1), as confiture_core::s2s::plan::Table, read through the
-- foreign tables over the source's catalog (schema @catalog@); $2 is the staging schema that
-- will hold their foreign tables. A column whose type the target server does not have built in
-- (an enum, a domain, an array of them...) is read as text. One remote scan per catalog table.
WITH cls AS MATERIALIZED (
    SELECT c.oid, c.relname, c.reltuples
    FROM @catalog@.remote_class c JOIN @catalog@.remote_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition
), att AS MATERIALIZED (
    SELECT a.attrelid, a.attname, a.atttypid, a.atttypmod, a.attnum, a.attnotnull
    FROM @catalog@.remote_attribute a
    WHERE a.attnum > 0 AND NOT a.attisdropped AND a.attrelid IN (SELECT oid FROM cls)
), typ AS MATERIALIZED (
    SELECT t.oid, pg_catalog.format('%I.%I', n.nspname, t.typname) AS name
    FROM @catalog@.remote_type t JOIN @catalog@.remote_namespace n ON n.oid = t.typnamespace
    WHERE t.oid IN (SELECT atttypid FROM att)
), idx AS MATERIALIZED (
    SELECT i.indexrelid, i.indrelid, i.indisprimary, i.indkey::int2[] AS keys
    FROM @catalog@.remote_index i
    WHERE i.indisunique AND i.indisvalid AND i.indexprs IS NULL AND i.indpred IS NULL
      AND i.indrelid IN (SELECT oid FROM cls)
)
SELECT coalesce(pg_catalog.json_agg(pg_catalog.json_build_object(
    'schema', $1::text,
    'name', cls.relname,
    'rows', cls.reltuples::bigint,
    'staging_schema', $2::text,
    'columns', (
        SELECT pg_catalog.json_agg(pg_catalog.json_build_object(
            'name', att.attname,
            'type_name', CASE WHEN lt.oid IS NULL THEN 'text' ELSE pg_catalog.format_type(att.atttypid, att.atttypmod) END,
            'read_as_text', lt.oid IS NULL,
            'source_type', typ.name,
            'not_null', att.attnotnull) ORDER BY att.attnum)
        FROM att
        LEFT JOIN typ ON typ.oid = att.atttypid
        LEFT JOIN pg_catalog.pg_type lt ON lt.oid = att.atttypid AND att.atttypid < 16384
        WHERE att.attrelid = cls.oid),
    'key', coalesce((
        SELECT pg_catalog.json_agg(att.attname ORDER BY k.ordinality)
        FROM (SELECT idx.keys FROM idx
              WHERE idx.indrelid = cls.oid
                AND NOT EXISTS (SELECT 1 FROM att WHERE att.attrelid = cls.oid AND att.attnum = ANY (idx.keys) AND NOT att.attnotnull)
              ORDER BY idx.indisprimary DESC, pg_catalog.cardinality(idx.keys), idx.indexrelid
              LIMIT 1) AS chosen
        CROSS JOIN LATERAL pg_catalog.unnest(chosen.keys) WITH ORDINALITY AS k(attnum, ordinality)
        JOIN att ON att.attrelid = cls.oid AND att.attnum = k.attnum), '[]')
) ORDER BY cls.relname), '[]')::text
FROM cls
