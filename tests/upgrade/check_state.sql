-- After ALTER EXTENSION confiture UPDATE: every registered thing is still there, and works.
\set ON_ERROR_STOP on
SELECT extversion FROM pg_extension WHERE extname = 'confiture';
SELECT version, name, state FROM confiture.migration_status() ORDER BY version;
SELECT phase, function, version FROM confiture.migration_hooks;
SELECT name, function, level FROM confiture.lint_custom_rules;
SELECT cache_key, reason FROM confiture.lint_waivers;
SELECT config FROM confiture.lint_settings;
SELECT name, sql FROM confiture.seeds;
-- The hook still runs (resolved from its stored signature), and so does the custom rule.
SELECT version, status FROM confiture.migrate_up();
SELECT what FROM public.audit_log ORDER BY id;
SELECT rule, object_name, message FROM confiture.lint_schema() WHERE rule = 'no_big_tables';
