-- When the catalog rows of the relations and indexes in $1 were last written (their creation,
-- or a later ALTER, GRANT, REINDEX: never before the object existed), and that age in days.
-- Nothing unless the server keeps commit timestamps and is not a standby (there they follow
-- the primary's setting, and reading them while the primary keeps none is an error): the
-- condition is evaluated once, before any row is read.
SELECT c.oid, pg_catalog.to_json(written.at) #>> '{}',
       extract(epoch FROM pg_catalog.now() - written.at)::float8 / 86400
FROM pg_catalog.pg_class c
CROSS JOIN LATERAL (SELECT pg_catalog.pg_xact_commit_timestamp(c.xmin) AS at) written
WHERE (SELECT pg_catalog.current_setting('track_commit_timestamp')::bool AND NOT pg_catalog.pg_is_in_recovery())
  AND c.oid = ANY ($1) AND written.at IS NOT NULL
