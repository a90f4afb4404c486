-- The lines of pg_hba.conf (as the server would read the file now) that accept TCP connections,
-- for the authentication rule. Callable by superusers by default; the loader asks first.
SELECT r.line_number, r.type, r.database::text[], r.user_name::text[], r.address, r.netmask, r.auth_method
FROM pg_catalog.pg_hba_file_rules r
WHERE r.error IS NULL AND r.type LIKE 'host%'
ORDER BY r.line_number
