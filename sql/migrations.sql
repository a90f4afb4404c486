-- Migrations registered in the database (the CLI ships db/migrations/ files through
-- register_migration(); a psql script can too) and their application history.
CREATE TABLE migrations (
    version       text PRIMARY KEY CHECK (version ~ '^[0-9]{1,20}$'),
    name          text NOT NULL CHECK (btrim(name) <> ''),
    up_sql        text NOT NULL,
    down_sql      text,
    checksum      text NOT NULL CHECK (checksum ~ '^[0-9a-f]{64}$'),
    registered_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    registered_by name NOT NULL DEFAULT current_user
);
COMMENT ON TABLE migrations IS 'Migration texts registered with confiture.register_migration()';

CREATE TABLE migration_history (
    version              text PRIMARY KEY,
    name                 text NOT NULL,
    checksum             text NOT NULL,
    applied_at           timestamptz NOT NULL DEFAULT clock_timestamp(),
    applied_by           name NOT NULL DEFAULT current_user,
    duration_ms          double precision NOT NULL,
    statement_count      integer NOT NULL,
    rows_affected        bigint NOT NULL,
    checksum_accepted_at timestamptz,
    checksum_accepted_by name
);
COMMENT ON TABLE migration_history IS 'Applied migrations: one row per version, removed when migrated down';

SELECT pg_catalog.pg_extension_config_dump('migrations', '');
SELECT pg_catalog.pg_extension_config_dump('migration_history', '');
REVOKE ALL ON TABLE migrations, migration_history FROM PUBLIC;
GRANT SELECT ON TABLE migrations, migration_history TO PUBLIC;
