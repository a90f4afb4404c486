-- Functions and procedures of user schemas, named name(argument types): stable whatever the
-- search_path.
SELECT n.nspname::text, format('%s(%s)', p.proname, oidvectortypes(p.proargtypes)), p.prosecdef, p.proconfig, l.lanname::text,
       -- The name ALTER FUNCTION takes, quoted: argument names and modes are part of it.
       format('%I.%I(%s)', n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)),
       pg_catalog.has_function_privilege('public', p.oid, 'EXECUTE'),
       -- A BEGIN ATOMIC body: its names were resolved when it was created.
       p.prosqlbody IS NOT NULL,
       p.provolatile::text,
       p.prorettype = 'pg_catalog.trigger'::pg_catalog.regtype,
       -- The body, read as SQL text by public_function_writes_data, which looks at schema public
       -- only: other bodies are not loaded (C functions' prosrc is a symbol name anyway).
       CASE WHEN l.lanname IN ('sql', 'plpgsql') AND n.nspname = 'public' THEN p.prosrc END
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
JOIN pg_language l ON l.oid = p.prolang
WHERE p.prokind IN ('f', 'p')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'confiture')
  AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
  AND p.oid NOT IN (SELECT objid FROM pg_depend WHERE classid = 'pg_proc'::regclass AND deptype = 'e')
ORDER BY 1, 2
