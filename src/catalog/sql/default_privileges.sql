-- Default privileges on tables (ALTER DEFAULT PRIVILEGES ... ON TABLES, which covers views):
-- the creating role, the schema (NULL: every schema), the grantee (public for PUBLIC) and the
-- privilege. A small table, read whole.
SELECT pg_catalog.pg_get_userbyid(d.defaclrole)::text, n.nspname::text,
       CASE WHEN a.grantee = 0 THEN 'public' ELSE pg_catalog.pg_get_userbyid(a.grantee)::text END,
       a.privilege_type
FROM pg_catalog.pg_default_acl d
LEFT JOIN pg_catalog.pg_namespace n ON n.oid = d.defaclnamespace
CROSS JOIN LATERAL pg_catalog.aclexplode(d.defaclacl) AS a
WHERE d.defaclobjtype = 'r'
