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
       CASE WHEN l.lanname IN ('sql', 'plpgsql') AND n.nspname = 'public' THEN p.prosrc END,
       -- The login roles a SECURITY DEFINER function gives its owner's rights to (`callers`
       -- below), and the grantees of EXECUTE through which they have it (themselves or a group
       -- role), which a REVOKE names.
       callers.names,
       CASE WHEN callers.oids IS NOT NULL THEN
           ARRAY(SELECT DISTINCT pg_catalog.pg_get_userbyid(a.grantee)::text
                   FROM pg_catalog.aclexplode(p.proacl) AS a
                  WHERE a.privilege_type = 'EXECUTE' AND a.grantee NOT IN (0, p.proowner)
                    AND EXISTS (SELECT FROM unnest(callers.oids) AS caller
                                 WHERE pg_catalog.pg_has_role(caller, a.grantee, 'USAGE'))
                  ORDER BY 1) END
FROM pg_proc p
JOIN pg_namespace n ON n.oid = p.pronamespace
JOIN pg_language l ON l.oid = p.prolang
-- For a SECURITY DEFINER function PUBLIC may not execute: the roles that can log in and may
-- execute it (granted, or through a role) without having its owner's rights already (the
-- owner, superusers, members that inherit the owner's privileges). Read once per function
-- (both columns above use it); no role is looked at for any other function.
LEFT JOIN LATERAL (
    SELECT array_agg(r.oid ORDER BY r.rolname) AS oids, array_agg(r.rolname::text ORDER BY r.rolname) AS names
    FROM pg_catalog.pg_roles r
    WHERE p.prosecdef AND NOT pg_catalog.has_function_privilege('public', p.oid, 'EXECUTE')
      AND r.rolcanlogin AND NOT r.rolsuper AND r.oid <> p.proowner
      AND NOT pg_catalog.pg_has_role(r.oid, p.proowner, 'USAGE')
      AND pg_catalog.has_function_privilege(r.oid, p.oid, 'EXECUTE')
) AS callers ON true
WHERE p.prokind IN ('f', 'p')
  AND n.nspname NOT IN ('pg_catalog', 'information_schema', 'confiture')
  AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)'
  AND p.oid NOT IN (SELECT objid FROM pg_depend WHERE classid = 'pg_proc'::regclass AND deptype = 'e')
ORDER BY 1, 2
