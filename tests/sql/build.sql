-- build_from: files applied in order, recorded, with the documented hash.
CREATE EXTENSION confiture;
SELECT schema_hash, file_count, statement_count, built_by
FROM confiture.build_from(
    ARRAY[
        E'CREATE SCHEMA app;\nCREATE TABLE app.customer (id bigint PRIMARY KEY, name text NOT NULL);\n',
        -- a function whose body names a table created by a later file: bodies are not checked
        E'CREATE FUNCTION app.order_count() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM app.orders $$;\n',
        E'CREATE TABLE app.orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES app.customer);\r\n'
    ],
    ARRAY['db/schema/00_app.sql', 'db/schema/10_fn.sql', 'db/schema/20_orders.sql']);
SELECT app.order_count();
SELECT build_id, file_count, statement_count, source_names, duration_ms >= 0 AS timed
FROM confiture.build_history ORDER BY build_id;

-- schema_hash computes the recorded value without applying anything, and matches the
-- documented test vector (printf 'a.sql\0SELECT 1;\n\0' | sha256sum).
SELECT confiture.schema_hash(
    ARRAY[
        E'CREATE SCHEMA app;\nCREATE TABLE app.customer (id bigint PRIMARY KEY, name text NOT NULL);\n',
        E'CREATE FUNCTION app.order_count() RETURNS bigint LANGUAGE sql AS $$ SELECT count(*) FROM app.orders $$;\n',
        E'CREATE TABLE app.orders (id bigint PRIMARY KEY, customer_id bigint REFERENCES app.customer);\r\n'
    ],
    ARRAY['db/schema/00_app.sql', 'db/schema/10_fn.sql', 'db/schema/20_orders.sql'])
  = (SELECT schema_hash FROM confiture.build_history WHERE build_id = 1) AS same_hash_as_built;
SELECT confiture.schema_hash(ARRAY[E'SELECT 1;\n'], ARRAY['a.sql']);
SELECT confiture.schema_hash(ARRAY['SELECT 1;', 'SELECT 2;']) = confiture.schema_hash(ARRAY['SELECT 1;', 'SELECT 2;'], ARRAY['source_1', 'source_2']) AS default_names;

-- pg_dump-style files change settings; those changes end with the build.
SET search_path = public;
SET statement_timeout = '5min';
SELECT statement_count FROM confiture.build_from(ARRAY[
    E'SET statement_timeout = 0;\nSELECT pg_catalog.set_config(''search_path'', '''', false);\nSET check_function_bodies = true;\nCREATE TABLE public.after_set (id int);\n']);
SHOW search_path;
SHOW statement_timeout;
SHOW check_function_bodies;
SELECT to_regclass('public.after_set') IS NOT NULL AS created;

-- Inside the caller's transaction: a rollback undoes the build and its history row.
BEGIN;
SELECT statement_count FROM confiture.build_from(ARRAY['CREATE TABLE public.rolled_back (id int);']);
ROLLBACK;
SELECT to_regclass('public.rolled_back') IS NULL AS gone, count(*) AS builds FROM confiture.build_history;

-- Comments, dollar quotes and strings with semicolons are PostgreSQL's business, not ours.
SELECT statement_count FROM confiture.build_from(ARRAY[
    E'/* leading; comment */ CREATE TABLE public.tricky (v text DEFAULT \'a;b\');\n' ||
    E'DO $body$ BEGIN PERFORM 1; END $body$; -- trailing; comment\n' ||
    E'COMMENT ON TABLE public.tricky IS $$semi;colons$$;']);
SELECT obj_description('public.tricky'::regclass);

DROP EXTENSION confiture;
DROP SCHEMA app CASCADE;
DROP TABLE public.after_set, public.tricky;
