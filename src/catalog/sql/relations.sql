-- Tables, views, materialized views and foreign tables to lint: not in system schemas, not in
-- confiture's own schema, not members of an extension. Written so that pg_class is read once
-- whatever the catalog's statistics say (a fresh build's are stale): the schemas and the
-- extensions' members are small sets tested per row; the loader names the schema and sorts.
SELECT c.oid, c.relnamespace, c.relname::text, c.relkind::text,
       c.relpersistence = 'u',
       c.relrowsecurity,
       coalesce(c.reloptions @> ARRAY['security_invoker=true'], false)
           OR coalesce(c.reloptions @> ARRAY['security_invoker=on'], false),
       -- An index probe per relation: a join was planned as a nested loop over the whole of
       -- pg_description on databases whose catalog statistics are stale (fresh builds).
       (SELECT ds.description FROM pg_description ds
         WHERE ds.objoid = c.oid AND ds.classoid = 'pg_class'::regclass AND ds.objsubid = 0),
       pg_stat_get_numscans(c.oid),
       (SELECT ARRAY[pn.nspname::text, p.relname::text] FROM pg_inherits i
          JOIN pg_class p ON p.oid = i.inhparent JOIN pg_namespace pn ON pn.oid = p.relnamespace
         WHERE i.inhrelid = c.oid AND c.relispartition),
       -- Maintenance: the transaction-ID age of what holds rows (a partitioned table holds none),
       -- live rows by the statistics, and whether it was ever analyzed (by hand or autovacuum).
       CASE WHEN c.relkind IN ('r', 'm') THEN pg_catalog.age(c.relfrozenxid)::bigint END,
       pg_stat_get_live_tuples(c.oid),
       pg_stat_get_last_analyze_time(c.oid) IS NOT NULL OR pg_stat_get_last_autoanalyze_time(c.oid) IS NOT NULL,
       -- Every role may read it (SELECT granted to PUBLIC, on the table). Without an ACL the
       -- owner alone has rights: nothing to look at.
       c.relacl IS NOT NULL AND pg_catalog.has_table_privilege('public', c.oid, 'SELECT'),
       -- The roles granted SELECT on it directly (public for PUBLIC), the owner aside; the
       -- loader removes duplicates (grants by several grantors).
       CASE WHEN c.relacl IS NOT NULL THEN
           ARRAY(SELECT CASE WHEN a.grantee = 0 THEN 'public' ELSE pg_catalog.pg_get_userbyid(a.grantee)::text END
                   FROM pg_catalog.aclexplode(c.relacl) AS a
                  WHERE a.privilege_type = 'SELECT' AND a.grantee <> c.relowner) END,
       -- Storage (bloat estimates, vacuum): pages, tuples, fillfactor, dead rows, ever vacuumed.
       c.relpages::int8, c.reltuples::float8,
       CASE WHEN c.reloptions IS NOT NULL THEN
           (SELECT o.option_value::int FROM pg_catalog.pg_options_to_table(c.reloptions) o WHERE o.option_name = 'fillfactor') END,
       pg_stat_get_dead_tuples(c.oid),
       pg_stat_get_last_vacuum_time(c.oid) IS NOT NULL OR pg_stat_get_last_autovacuum_time(c.oid) IS NOT NULL,
       -- autovacuum_enabled as set on the relation (validated as a boolean when it was set).
       CASE WHEN c.reloptions IS NOT NULL THEN
           (SELECT o.option_value::bool FROM pg_catalog.pg_options_to_table(c.reloptions) o WHERE o.option_name = 'autovacuum_enabled') END,
       -- Rows read by sequential scans, and fetched by bitmap scans (the loader adds the
       -- indexes' fetches): where the table's reads come from.
       pg_stat_get_tuples_returned(c.oid),
       pg_stat_get_tuples_fetched(c.oid),
       pg_catalog.pg_get_userbyid(c.relowner)::text,
       pg_stat_get_tuples_inserted(c.oid)
FROM pg_class c
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f')
  AND c.relnamespace = ANY (ARRAY(
        SELECT n.oid FROM pg_namespace n
         WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'confiture')
           AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'))
  -- Found from the extensions (an index probe each), not by reading all of pg_depend.
  AND c.oid NOT IN (
        SELECT d.objid FROM pg_depend d
         WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ANY (ARRAY(SELECT oid FROM pg_extension))
           AND d.classid = 'pg_class'::regclass AND d.deptype = 'e')
