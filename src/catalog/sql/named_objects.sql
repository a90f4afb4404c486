-- Domains, enums, range types and triggers of user schemas (not members of an extension), for
-- the naming rules: nothing else reads them. A partition's trigger cloned from its parent's is
-- left to the parent's. The table is given for triggers (ALTER TRIGGER ... ON table).
WITH user_schemas AS (
    SELECT n.oid, n.nspname FROM pg_namespace n
     WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'confiture')
       AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
)
SELECT CASE t.typtype WHEN 'd' THEN 'domain' ELSE 'type' END, s.nspname::text, t.typname::text, NULL::text
FROM pg_type t JOIN user_schemas s ON s.oid = t.typnamespace
WHERE t.typtype IN ('d', 'e', 'r')
  -- Found from the extensions (an index probe each), not by reading all of pg_depend.
  AND t.oid NOT IN (
        SELECT d.objid FROM pg_depend d
         WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = ANY (ARRAY(SELECT oid FROM pg_extension))
           AND d.classid = 'pg_type'::regclass AND d.deptype = 'e')
UNION ALL
SELECT 'trigger', s.nspname::text, tg.tgname::text, c.relname::text
FROM pg_trigger tg JOIN pg_class c ON c.oid = tg.tgrelid JOIN user_schemas s ON s.oid = c.relnamespace
WHERE NOT tg.tgisinternal AND tg.tgparentid = 0
ORDER BY 1, 2, 3
