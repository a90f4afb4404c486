-- Regression tests of the hardening issue: each block names the item it covers.
CREATE EXTENSION confiture;
SET client_min_messages = warning;

-- 4. A custom lint rule runs rolled back, under one search_path, whichever function calls it,
--    and changes no setting of the session.
CREATE SCHEMA rules;
CREATE TABLE rules.victim (id int);
INSERT INTO rules.victim VALUES (1), (2);
CREATE FUNCTION rules.meddling() RETURNS TABLE (object_name text, message text) LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY SELECT 'search_path'::text, current_setting('search_path');
    DELETE FROM rules.victim;
    INSERT INTO rules.victim VALUES (99);
    PERFORM set_config('search_path', 'rules', false);
    PERFORM set_config('statement_timeout', '1234', false);
END $$;
SELECT confiture.register_lint_rule('meddling', 'rules.meddling()', 'info');
SET search_path = public;
SELECT object_name, message FROM confiture.lint_schema() WHERE rule = 'meddling';
SELECT l->>'message' AS from_json FROM jsonb_array_elements(confiture.lint_schema_json()) l WHERE l->>'rule' = 'meddling';
SELECT id FROM rules.victim ORDER BY id;
SHOW search_path;
SHOW statement_timeout;
SELECT confiture.unregister_lint_rule('meddling');

-- 4. Seeds applied for real keep their rows, not their settings.
SELECT file, applied FROM confiture.apply_seeds(
    ARRAY['SET search_path = rules; SET statement_timeout = 4321; SET session_replication_role = replica; INSERT INTO victim VALUES (7);'],
    ARRAY['settings.sql']);
SHOW search_path;
SHOW statement_timeout;
SHOW session_replication_role;
SELECT id FROM rules.victim ORDER BY id;

-- 9. Scripts and event details are not readable by every role; the status is.
SELECT confiture.register_migration('1', 'make_role', 'CREATE TABLE rules.secret_holder (id int); -- PASSWORD ''s3cret''');
CREATE ROLE hardening_reader LOGIN;
SET ROLE hardening_reader;
SELECT version, name, state FROM confiture.migration_status();
SELECT version, name, checksum IS NOT NULL AS has_checksum FROM confiture.migrations;
SELECT up_sql FROM confiture.migrations;
SELECT detail FROM confiture.migration_events;
SELECT count(*) >= 0 AS events_listed FROM (SELECT id, at, event, version, by_role FROM confiture.migration_events) e;
SELECT * FROM confiture.migration_statements('1');
RESET ROLE;
DROP ROLE hardening_reader;

-- 18. NULL and oversized arguments: an error naming the argument, never an internal error.
SELECT confiture.register_migration('2', 'x', NULL);
SELECT * FROM confiture.migration_status(ARRAY[NULL], ARRAY[NULL]);
SELECT * FROM confiture.migrate_up(NULL, NULL, NULL);
SELECT * FROM confiture.migrate_down(NULL);
SELECT * FROM confiture.validate_seeds(NULL);
SELECT * FROM confiture.accept_checksum(NULL, 'x');
SELECT * FROM confiture.dry_run(NULL);
SELECT * FROM confiture.migration_plan(NULL);
SELECT * FROM confiture.apply_seeds(ARRAY['SELECT 1;'], NULL, NULL);
SELECT count(*) FROM confiture.lint_schema(
    (SELECT (repeat('{"a":', 200) || '1' || repeat('}', 200))::jsonb));
SELECT count(*) FROM confiture.validate_seeds(1, ARRAY['SELECT 1;'], NULL,
    (SELECT (repeat('[', 300) || repeat(']', 300))::jsonb));
SELECT count(*) FROM confiture.lint_schema(jsonb_build_object('exclude_tables', jsonb_build_array(repeat('a', 800000))));

-- 10. A SET in a file changes how the rest of that file is read, as psql reads it.
SELECT statement_count FROM confiture.build_from(ARRAY[$$SET standard_conforming_strings = off;
CREATE TABLE rules.quoted (a text);
COMMENT ON TABLE rules.quoted IS 'it\'s';$$], ARRAY['old_dump.sql']);
SELECT obj_description('rules.quoted'::regclass, 'pg_class') AS comment;
SHOW standard_conforming_strings;

-- 11. SET client_encoding: UTF8 (as pg_dump writes) runs, another encoding is refused by line.
SELECT * FROM confiture.build_from(ARRAY[$$SET client_encoding = 'UTF8';
CREATE TABLE rules.enc_ok (a text);
SET client_encoding = 'LATIN1';
CREATE TABLE rules.enc (a text);$$], ARRAY['latin1.sql']);

-- 13. An error inside a function called by a build keeps PostgreSQL's context.
CREATE FUNCTION rules.failing() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM 1;
    RAISE EXCEPTION 'deep failure';
END $$;
SELECT * FROM confiture.build_from(ARRAY[E'CREATE TABLE rules.before_call (id int);\nSELECT rules.failing();'], ARRAY['calls.sql']);

-- 19. Messages name the real cause.
SELECT * FROM confiture.build_from(ARRAY[E'CREATE TABLE rules.c (a int, b text);\nCOPY rules.c FROM STDIN;\n1\tx\n\\.\n'], ARRAY['copy.sql']);
SELECT * FROM confiture.build_from(ARRAY[E'SELECT 1;\nSELECT E''\\u00ZZ'';'], ARRAY['escape.sql']);
SELECT * FROM confiture.apply_seeds(ARRAY['BEGIN; INSERT INTO rules.victim VALUES (8);'], ARRAY['tx.sql']);
CREATE FUNCTION rules.vandal(context jsonb) RETURNS jsonb LANGUAGE sql
AS $$ DELETE FROM confiture.migrations RETURNING '{}'::jsonb $$;
SELECT confiture.register_hook('before_ddl', 'rules.vandal(jsonb)');
SELECT * FROM confiture.migrate_up();
SELECT confiture.unregister_hook('before_ddl', 'rules.vandal(jsonb)');

-- 14-17. Lint precision on a real catalog: the primary key's index is kept, a partitioned
-- table's finding is reported once, remediations run as written, hashed secrets are not plain.
CREATE TABLE rules.v (id int PRIMARY KEY);
ALTER TABLE rules.v ADD CONSTRAINT v_id_key UNIQUE (id);
CREATE TABLE rules.m (id serial, at date) PARTITION BY RANGE (at);
CREATE TABLE rules.m_1 PARTITION OF rules.m FOR VALUES FROM ('2026-01-01') TO ('2026-02-01');
CREATE TABLE rules.m_2 PARTITION OF rules.m FOR VALUES FROM ('2026-02-01') TO ('2026-03-01');
CREATE TABLE rules.users (id bigint PRIMARY KEY, password text, password_hash text, api_token text);
INSERT INTO rules.users VALUES (1, '$2b$12$KIXQJ3mWZ1u3Y2rZk8bG1uQq1kI7h9Vw0h5b1oP0r3y9yGzQ1xY2K', 'x', NULL);
CREATE MATERIALIZED VIEW rules.exposed AS SELECT id FROM rules.victim;
ALTER TABLE rules.victim ENABLE ROW LEVEL SECURITY;
SELECT rule, object_name, coalesce(metadata->>'column', metadata->>'index') AS detail,
       metadata->'partitions' AS partitions, remediation
FROM confiture.lint_schema()
WHERE schema_name = 'rules'
  AND rule IN ('duplicate_index', 'serial_instead_of_identity', 'secret_column_plain_text', 'view_bypasses_rls')
ORDER BY rule, object_name;

DROP SCHEMA rules CASCADE;
DROP EXTENSION confiture;
