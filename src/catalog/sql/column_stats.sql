-- pg_stats of the columns of the relations in $1 (what a row weighs: bloat estimates). The view
-- shows only the columns the caller may read; a table with a column missing is not estimated.
SELECT c.oid, a.attnum, s.avg_width::float8, s.null_frac::float8
FROM pg_stats s
JOIN pg_namespace n ON n.nspname = s.schemaname
JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = s.tablename
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = s.attname
WHERE c.oid = ANY ($1) AND c.relkind IN ('r', 'm') AND NOT s.inherited
