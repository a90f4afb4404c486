-- confiture 0.1.0 -> 0.2.0: ALTER EXTENSION confiture UPDATE TO '0.2.0' (docs/upgrading.md).
-- Every registered migration, hook, lint rule, waiver, setting and seed is kept.
\echo Use "ALTER EXTENSION confiture UPDATE TO '0.2.0'" to load this file. \quit

-- Registered functions are stored by signature text, resolved when they run: a regprocedure
-- column made pg_upgrade refuse every cluster with confiture installed. The text is written
-- under search_path pg_catalog, as confiture writes it, so every other name is qualified. A
-- function dropped since it was registered keeps the text it was registered with (hooks) or
-- its OID (lint rules, which had no copy), and is reported as missing when it would run.
CREATE FUNCTION confiture.upgrade_signature(fn regprocedure, registered_as text) RETURNS text
LANGUAGE sql STABLE
SET search_path = pg_catalog
AS $$ SELECT coalesce((SELECT p.oid::regprocedure::text FROM pg_proc p WHERE p.oid = $1), $2, $1::oid::text) $$;

ALTER TABLE confiture.lint_custom_rules
    ALTER COLUMN function TYPE text USING confiture.upgrade_signature(function, NULL);
ALTER TABLE confiture.migration_hooks
    ALTER COLUMN function TYPE text USING confiture.upgrade_signature(function, signature);
ALTER TABLE confiture.migration_hooks DROP COLUMN signature;
DROP FUNCTION confiture.upgrade_signature(regprocedure, text);

CREATE OR REPLACE FUNCTION confiture.unregister_hook(phase text, fn regprocedure, version text DEFAULT NULL)
RETURNS boolean
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$ WITH gone AS (DELETE FROM confiture.migration_hooks h
                     WHERE h.phase = $1 AND h.function = $2::text AND h.version IS NOT DISTINCT FROM $3 RETURNING 1)
      SELECT count(*) > 0 FROM gone $$;

-- Scripts and event details can hold secrets: PUBLIC reads only the other columns.
REVOKE SELECT ON TABLE confiture.migrations, confiture.migration_events FROM PUBLIC;
REVOKE ALL ON FUNCTION confiture.migration_statements(text, text) FROM PUBLIC;
GRANT SELECT (version, name, checksum, up_outside_transaction, down_outside_transaction, registered_at,
    registered_by) ON TABLE confiture.migrations TO PUBLIC;
GRANT SELECT (id, at, event, version, by_role) ON TABLE confiture.migration_events TO PUBLIC;

-- A NULL argument is an error naming it, no longer a silent NULL result.
ALTER FUNCTION confiture.accept_checksum(text, text) CALLED ON NULL INPUT;
ALTER FUNCTION confiture.dry_run(text, text) CALLED ON NULL INPUT;
ALTER FUNCTION confiture.migrate_down(integer, boolean) CALLED ON NULL INPUT;
ALTER FUNCTION confiture.migration_statements(text, text) CALLED ON NULL INPUT;

-- The one migration planner, which the CLI follows.
CREATE FUNCTION confiture.migration_plan(
    "direction" text,
    "target" text DEFAULT NULL,
    "steps" integer DEFAULT 1
) RETURNS TABLE ("version" text, "name" text, "outside_transaction" text)
STABLE PARALLEL SAFE
LANGUAGE c
AS 'MODULE_PATHNAME', 'migration_plan_wrapper';
-- It reads the scripts' columns: for the roles that run migrations.
REVOKE ALL ON FUNCTION confiture.migration_plan(text, text, integer) FROM PUBLIC;
