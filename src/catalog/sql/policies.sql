-- Row-level security policies of the relations in $1, with the roles they apply to (public for
-- every role).
SELECT p.polrelid, p.polname::text, p.polcmd::text, p.polpermissive,
       pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid),
       ARRAY(SELECT CASE WHEN r = 0 THEN 'public' ELSE pg_catalog.pg_get_userbyid(r)::text END
             FROM unnest(p.polroles) AS r ORDER BY 1),
       -- The stored trees, for constant folding (policy_always_true).
       p.polqual::text, p.polwithcheck::text
FROM pg_policy p
WHERE p.polrelid = ANY ($1)
