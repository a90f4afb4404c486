-- Tables, partitioned tables, views and foreign tables of the given schemas, with their columns.
SELECT n.nspname::text, c.relname::text,
       coalesce(array_agg(a.attname::text ORDER BY a.attnum) FILTER (WHERE a.attnum > 0), '{}')
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE n.nspname = ANY ($1) AND c.relkind IN ('r', 'p', 'v', 'f')
GROUP BY n.nspname, c.relname
