-- Registered state of every kind in a 0.1.0 install. The library loaded is the new one, whose
-- code reads and writes the new table shapes, so what 0.1.0's code stored (an applied migration,
-- a hook and a lint rule as regprocedure) is written here directly.
\set ON_ERROR_STOP on
CREATE TABLE public.audit_log (id bigint GENERATED ALWAYS AS IDENTITY, what text);
CREATE FUNCTION public.audit_hook(context jsonb) RETURNS jsonb LANGUAGE sql
AS $$ INSERT INTO public.audit_log (what) VALUES ($1->>'phase') RETURNING jsonb_build_object('logged', true) $$;
CREATE FUNCTION public.no_big_tables() RETURNS TABLE (object_name text, message text) LANGUAGE sql
AS $$ SELECT 'audit_log', 'custom rule ran' $$;
SELECT confiture.register_migration('1', 'create_t', 'CREATE TABLE public.t (id int);', 'DROP TABLE public.t;');
CREATE TABLE public.t (id int);
INSERT INTO confiture.migration_history (version, name, checksum, duration_ms, statement_count, rows_affected)
SELECT version, name, checksum, 1.5, 1, 0 FROM confiture.migrations WHERE version = '1';
INSERT INTO confiture.migration_hooks (phase, function, signature)
VALUES ('before_ddl', 'public.audit_hook(jsonb)'::regprocedure, 'public.audit_hook(jsonb)');
INSERT INTO confiture.lint_custom_rules (name, function, level)
VALUES ('no_big_tables', 'public.no_big_tables()'::regprocedure, 'info');
SELECT confiture.register_migration('2', 'add_col', 'ALTER TABLE public.t ADD COLUMN v text;');
INSERT INTO confiture.lint_waivers (cache_key, reason) VALUES ('table_without_comment:public.t', 'legacy');
INSERT INTO confiture.lint_settings (config) VALUES ('{"exclude_schemas": ["legacy"]}');
SELECT confiture.register_seed('seed_a.sql', 'INSERT INTO public.t VALUES (1);');
