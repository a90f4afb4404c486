-- Row-level security policies of the relations in $1.
SELECT p.polrelid, p.polname::text, p.polcmd::text, p.polpermissive,
       pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid)
FROM pg_policy p
WHERE p.polrelid = ANY ($1)
