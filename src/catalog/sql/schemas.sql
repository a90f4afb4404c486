-- User schemas, whether PUBLIC may create objects in them, and their owners.
SELECT n.nspname::text, has_schema_privilege('public', n.oid, 'CREATE'), pg_catalog.pg_get_userbyid(n.nspowner)::text
FROM pg_namespace n
WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'confiture')
  AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
  AND n.oid NOT IN (SELECT objid FROM pg_depend WHERE classid = 'pg_namespace'::regclass AND deptype = 'e')
ORDER BY 1
