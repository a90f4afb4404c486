-- Migrations registered in the database (the CLI ships db/migrations/ files through
-- register_migration(); a psql script can too) and their application history.
CREATE TABLE migrations (
    version       text PRIMARY KEY CHECK (version ~ '^[0-9]{1,20}$'),
    name          text NOT NULL CHECK (btrim(name) <> ''),
    up_sql        text NOT NULL,
    down_sql      text,
    checksum      text NOT NULL CHECK (checksum ~ '^[0-9a-f]{64}$'),
    -- The first statement that cannot run in a transaction block, e.g.
    -- 'CREATE INDEX CONCURRENTLY (line 3)': the CLI runs such a script outside a transaction.
    up_outside_transaction   text,
    down_outside_transaction text,
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

-- Hooks: functions (jsonb) -> jsonb run around each migration, see docs/migrations.md.
CREATE TABLE migration_hooks (
    phase         text NOT NULL CHECK (phase IN ('before_validation', 'before_ddl', 'after_ddl',
                                                 'after_validation', 'cleanup', 'on_error')),
    -- The function's signature (public.f(jsonb)), resolved when the hook runs: not a
    -- regprocedure, which would make pg_upgrade refuse the cluster.
    function      text NOT NULL,
    -- NULL: every migration; otherwise only this version.
    version       text CHECK (version ~ '^[0-9]{1,20}$'),
    position      integer NOT NULL DEFAULT 0,
    registered_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    registered_by name NOT NULL DEFAULT current_user,
    UNIQUE NULLS NOT DISTINCT (phase, function, version)
);
COMMENT ON TABLE migration_hooks IS 'Hook functions registered with confiture.register_hook()';

-- What happened: one row per event, in the caller's transaction (a failed call's rows are
-- rolled back with it; confiture.log_events also writes each event to the server log).
-- A plain sequence marked with pg_extension_config_dump, so that pg_dump keeps its value
-- with the rows (a restored history must not restart at id 1).
CREATE SEQUENCE migration_events_id_seq;
CREATE TABLE migration_events (
    id      bigint PRIMARY KEY DEFAULT nextval('migration_events_id_seq'),
    at      timestamptz NOT NULL DEFAULT clock_timestamp(),
    event   text NOT NULL,
    version text,
    detail  jsonb NOT NULL DEFAULT '{}',
    by_role name NOT NULL DEFAULT current_user
);
CREATE INDEX ON migration_events (version, at);
COMMENT ON TABLE migration_events IS 'Structured events: migration_*, hook_*, dry_run_* (started, completed, failed), migration_answered';

SELECT pg_catalog.pg_extension_config_dump('migrations', '');
SELECT pg_catalog.pg_extension_config_dump('migration_history', '');
SELECT pg_catalog.pg_extension_config_dump('migration_hooks', '');
SELECT pg_catalog.pg_extension_config_dump('migration_events', '');
SELECT pg_catalog.pg_extension_config_dump('migration_events_id_seq', '');
ALTER SEQUENCE migration_events_id_seq OWNED BY migration_events.id;
-- Scripts and event details can hold secrets (CREATE ROLE ... PASSWORD, a failed row's key
-- values): PUBLIC reads only the columns without them (docs/migrations.md, Privileges).
REVOKE ALL ON TABLE migrations, migration_history, migration_hooks, migration_events FROM PUBLIC;
GRANT SELECT ON TABLE migration_history, migration_hooks TO PUBLIC;
GRANT SELECT (version, name, checksum, up_outside_transaction, down_outside_transaction, registered_at,
    registered_by) ON TABLE migrations TO PUBLIC;
GRANT SELECT (id, at, event, version, by_role) ON TABLE migration_events TO PUBLIC;
