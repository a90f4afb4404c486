-- For each view: the relations it reads that PUBLIC may not read directly, or that have
-- row-level security. For one that runs with its owner's rights (security_invoker is in
-- relations.sql), what it shows its readers beyond what they could read themselves is in those.
SELECT view_oid, array_agg(schema_name ORDER BY schema_name, name), array_agg(name ORDER BY schema_name, name)
FROM (
    SELECT DISTINCT v.oid AS view_oid, tn.nspname::text AS schema_name, t.relname::text AS name
    FROM pg_class v
    JOIN pg_rewrite w ON w.ev_class = v.oid
    JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = w.oid AND d.refclassid = 'pg_class'::regclass
    JOIN pg_class t ON t.oid = d.refobjid AND t.oid <> v.oid
    JOIN pg_namespace tn ON tn.oid = t.relnamespace
    WHERE v.relkind = 'v'
      AND (t.relrowsecurity OR NOT pg_catalog.has_table_privilege('public', t.oid, 'SELECT'))
) AS hidden
GROUP BY view_oid
