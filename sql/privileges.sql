-- Functions that change the database are not executable by PUBLIC: a superuser grants them
-- (docs/build.md, docs/lint.md). Read-only functions stay open; so does the schema, so that
-- they resolve.
GRANT USAGE ON SCHEMA confiture TO PUBLIC;
REVOKE ALL ON FUNCTION build_from(text[], text[]) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION schema_hash(text[], text[]) TO PUBLIC;

-- The schema diff reads the catalog (readable by every role anyway) and computes text.
GRANT EXECUTE ON FUNCTION catalog_snapshot(text[]), schema_diff(jsonb, jsonb, jsonb) TO PUBLIC;

-- Linting reads the catalog (readable by every role anyway) and the lint tables.
GRANT EXECUTE ON FUNCTION lint_schema(jsonb), lint_schema_json(jsonb), lint_rules() TO PUBLIC;
GRANT SELECT ON lint_settings, lint_waivers, lint_custom_rules TO PUBLIC;
REVOKE ALL ON FUNCTION register_lint_rule(text, regprocedure, text, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION unregister_lint_rule(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION register_lint_rule_by_oid(text, oid, text, text, text) FROM PUBLIC;

-- Migrations change the database: not for PUBLIC. migration_status only reads, and shows no
-- script; migration_statements and migration_plan read the scripts, which PUBLIC may not.
REVOKE ALL ON FUNCTION register_migration(text, text, text, text), migrate_up(text, boolean, boolean),
    migrate_down(integer, boolean), accept_checksum(text, text), dry_run(text, text),
    record_outside_transaction(text, text, text, double precision, integer, bigint, jsonb),
    register_hook(text, regprocedure, text, integer), register_hook_by_oid(text, oid, text, integer),
    unregister_hook(text, regprocedure, text), migration_plan(text, text, integer),
    migration_statements(text, text), mark_applied(text[], text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION migration_status(text[], text[]) TO PUBLIC;

-- Seeds: applying and registering change data; validation runs the seeds (levels 4-5, rolled
-- back) and locks the tables they write, so it is granted, not open. seed_codes only describes.
REVOKE ALL ON FUNCTION validate_seeds(integer, text[], text[], jsonb), apply_seeds(text[], text[], boolean),
    register_seed(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION seed_codes() TO PUBLIC;

-- Masking computes text from its arguments and the caller's own key: open to every role.
GRANT EXECUTE ON FUNCTION mask_text(text, text, jsonb, text, bytea), mask_email(text, text, bytea),
    mask_phone(text, text, bytea), mask_key_fingerprint(bytea) TO PUBLIC;

-- Schema-to-schema migration creates a foreign server, a user mapping and schemas, and writes
-- tables: not for PUBLIC (docs/schema-to-schema.md lists what a granted role needs besides).
REVOKE ALL ON FUNCTION s2s_attach(jsonb, text[], jsonb), s2s_plan(jsonb), s2s_copy(regclass, jsonb),
    s2s_copy_by_oid(oid, jsonb), s2s_validate(), s2s_sync_sequences(), s2s_verify(regclass, text),
    s2s_verify_by_oid(oid, text), s2s_detach() FROM PUBLIC;
REVOKE ALL ON PROCEDURE s2s_copy_table(regclass, jsonb) FROM PUBLIC;

-- Risk assessment: assess_migration only reads (the catalog, pg_locks, the calibration);
-- assess_migrations reads the registered scripts, which PUBLIC may not; calibrate writes
-- (a scratch schema, rolled back, and the calibration row).
GRANT EXECUTE ON FUNCTION assess_migration(text, text, jsonb) TO PUBLIC;
REVOKE ALL ON FUNCTION assess_migrations(text, jsonb), calibrate(bigint),
    record_migration_answer(text, text, jsonb) FROM PUBLIC;
