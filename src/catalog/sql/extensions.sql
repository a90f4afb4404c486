-- With the version installed and the default version the server's files offer.
SELECT e.extname::text, n.nspname::text, e.extrelocatable, e.extversion,
       (SELECT a.default_version FROM pg_catalog.pg_available_extensions a WHERE a.name = e.extname)
FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
ORDER BY 1
