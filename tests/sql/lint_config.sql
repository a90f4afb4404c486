-- Lint configuration, waivers, custom rules and their errors.
CREATE EXTENSION confiture;
CREATE SCHEMA cfg;
CREATE TABLE cfg."BadName" (id int);
CREATE TABLE cfg.other_table (id bigint PRIMARY KEY);
SELECT rule, level, object_name FROM confiture.lint_schema() WHERE schema_name = 'cfg' ORDER BY rule, object_name;

-- Disable a rule, change a level, exclude tables.
SELECT rule, level, object_name FROM confiture.lint_schema(
    '{"rules": {"int4_primary_key": {"enabled": false}, "table_without_comment": {"level": "error"}},
      "exclude_tables": ["cfg.other_*"]}') WHERE schema_name = 'cfg' ORDER BY rule, object_name;
SELECT count(*) AS after_excluding_schema FROM confiture.lint_schema('{"exclude_schemas": ["cfg"]}') WHERE schema_name = 'cfg';

-- Bad configuration: a clear error, naming the key, the rule or the type.
SELECT * FROM confiture.lint_schema('{"exclude_schema": ["cfg"]}');
SELECT * FROM confiture.lint_schema('{"rules": {"no_such_rule": {"enabled": false}}}');
SELECT * FROM confiture.lint_schema('{"rules": {"table_without_comment": {"level": "fatal"}}}');
SELECT * FROM confiture.lint_schema('{"exclude_schemas": "cfg"}');
SELECT * FROM confiture.lint_schema('{"naming": {"pattern": "("}}');
SELECT * FROM confiture.lint_schema('[]');

-- Settings kept in the database apply to every call; the argument overrides them.
INSERT INTO confiture.lint_settings (config) VALUES ('{"rules": {"table_without_primary_key": {"level": "info"}}}');
SELECT rule, level FROM confiture.lint_schema() WHERE object_name = 'BadName' AND rule = 'table_without_primary_key';
SELECT rule, level FROM confiture.lint_schema('{"rules": {"table_without_primary_key": {"level": "warning"}}}')
WHERE object_name = 'BadName' AND rule = 'table_without_primary_key';
DELETE FROM confiture.lint_settings;

-- Waivers hide a finding by its cache key, or show it as waived on request.
INSERT INTO confiture.lint_waivers (cache_key, reason) VALUES ('table_without_primary_key:cfg.BadName', 'legacy import table, dropped in Q3');
SELECT rule, object_name FROM confiture.lint_schema() WHERE object_name = 'BadName' ORDER BY rule;
SELECT rule, waived FROM confiture.lint_schema('{"include_waived": true}') WHERE object_name = 'BadName' ORDER BY rule;
\set VERBOSITY terse
INSERT INTO confiture.lint_waivers (cache_key, reason) VALUES ('x', ' ');
\set VERBOSITY default

-- Custom rules: a function returning rows of the lint shape.
CREATE FUNCTION cfg.tables_named_tmp() RETURNS TABLE (schema_name text, object_name text, object_type text, message text)
LANGUAGE sql AS $$
    SELECT n.nspname::text, c.relname::text, 'table', format('table %I.%I looks temporary', n.nspname, c.relname)
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind = 'r' AND c.relname LIKE 'tmp%'
$$;
SELECT confiture.register_lint_rule('no_tmp_tables', 'cfg.tables_named_tmp()', 'error', 'naming', 'Temporary tables belong in pg_temp');
CREATE TABLE cfg.tmp_import (id bigint PRIMARY KEY);
SELECT rule, level, category, schema_name, object_name, message, cache_key FROM confiture.lint_schema() WHERE rule = 'no_tmp_tables';
SELECT rule, level FROM confiture.lint_schema('{"rules": {"no_tmp_tables": {"level": "info"}}}') WHERE rule = 'no_tmp_tables';
SELECT count(*) FROM confiture.lint_schema('{"rules": {"no_tmp_tables": {"enabled": false}}}') WHERE rule = 'no_tmp_tables';
-- lint_rules() lists the custom rules beside the built-in ones.
SELECT name, level, category, rationale, custom FROM confiture.lint_rules() WHERE custom;

-- A custom rule that raises an error becomes a finding about that rule; the lint goes on.
CREATE FUNCTION cfg.broken_rule() RETURNS TABLE (object_name text, message text)
LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'division by nothing'; END $$;
SELECT confiture.register_lint_rule('broken', 'cfg.broken_rule()');
SELECT rule, level, object_name, message, metadata FROM confiture.lint_schema() WHERE rule IN ('broken', 'no_tmp_tables') ORDER BY rule;
-- A rule whose function was dropped is reported too.
DROP FUNCTION cfg.broken_rule();
SELECT rule, message FROM confiture.lint_schema() WHERE rule = 'broken';

-- Wrong registrations are refused, and nothing is stored.
CREATE FUNCTION cfg.wrong_args(x int) RETURNS TABLE (object_name text, message text) LANGUAGE sql AS 'SELECT NULL::text, NULL::text';
CREATE FUNCTION cfg.not_a_set() RETURNS text LANGUAGE sql AS 'SELECT 1::text';
CREATE FUNCTION cfg.wrong_column() RETURNS TABLE (object_name text, message text, severity text) LANGUAGE sql AS 'SELECT NULL::text, NULL::text, NULL::text';
CREATE FUNCTION cfg.wrong_type() RETURNS TABLE (object_name text, message int) LANGUAGE sql AS 'SELECT NULL::text, 1';
SELECT confiture.register_lint_rule('r1', 'cfg.wrong_args(int)');
SELECT confiture.register_lint_rule('r2', 'cfg.not_a_set()');
SELECT confiture.register_lint_rule('r3', 'cfg.wrong_column()');
SELECT confiture.register_lint_rule('r4', 'cfg.wrong_type()');
SELECT confiture.register_lint_rule('table_without_comment', 'cfg.tables_named_tmp()');
SELECT confiture.register_lint_rule('Bad Name', 'cfg.tables_named_tmp()');
SELECT confiture.register_lint_rule('r5', 'cfg.tables_named_tmp()', 'fatal');
SELECT confiture.register_lint_rule('r6', 'cfg.no_such_function()');
SELECT name, level, category FROM confiture.lint_custom_rules ORDER BY name;
SELECT confiture.unregister_lint_rule('broken'), confiture.unregister_lint_rule('broken');

-- The JSON form, for programs.
SELECT jsonb_array_length(confiture.lint_schema_json('{"exclude_schemas": ["public"]}')) > 0 AS has_findings,
       confiture.lint_schema_json() -> 0 ? 'cache_key' AS has_keys;

-- Who may do what: everyone may lint; registering rules needs a grant.
CREATE ROLE lint_reader LOGIN;
SET ROLE lint_reader;
SELECT count(*) > 0 AS can_lint FROM confiture.lint_schema();
SELECT confiture.register_lint_rule('sneaky', 'pg_catalog.pg_backend_pid()');
INSERT INTO confiture.lint_waivers (cache_key, reason) VALUES ('x', 'y');
RESET ROLE;
DROP ROLE lint_reader;

DROP SCHEMA cfg CASCADE;
DROP EXTENSION confiture;

-- A database whose encoding is not UTF-8: ASCII names are linted; a non-ASCII name is refused
-- with a clear error (results are UTF-8 text, which the database would read as other
-- characters), never returned mangled.
CREATE DATABASE confiture_regress_latin1 TEMPLATE template0 ENCODING 'LATIN1' LC_COLLATE 'C' LC_CTYPE 'C';
\c confiture_regress_latin1
SET client_encoding = 'UTF8';
CREATE EXTENSION confiture;
CREATE TABLE "Plain" (id bigint PRIMARY KEY);
SELECT rule, object_name, remediation FROM confiture.lint_schema() WHERE object_name = 'Plain';
SELECT count(*) AS latin1_not_reported FROM confiture.lint_schema() WHERE rule = 'database_encoding_sql_ascii';
CREATE TABLE "café" (id bigint PRIMARY KEY);
SELECT rule, object_name FROM confiture.lint_schema();
\c confiture_regress
DROP DATABASE confiture_regress_latin1;
-- database_encoding_sql_ascii: reported on a SQL_ASCII database (not on the LATIN1 one above).
CREATE DATABASE confiture_regress_ascii TEMPLATE template0 ENCODING 'SQL_ASCII' LC_COLLATE 'C' LC_CTYPE 'C';
\c confiture_regress_ascii
CREATE EXTENSION confiture;
SELECT level, object_type, object_name, message, metadata FROM confiture.lint_schema() WHERE rule = 'database_encoding_sql_ascii';
\c confiture_regress
DROP DATABASE confiture_regress_ascii;
