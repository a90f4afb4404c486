-- Every failure names the file and line, keeps PostgreSQL's message and SQLSTATE, and leaves
-- nothing behind: no objects, no history row.
CREATE EXTENSION confiture;
\set VERBOSITY default
CREATE TABLE public.survivor (id int);

-- A syntax error in the second file, in a statement spanning lines.
SELECT * FROM confiture.build_from(
    ARRAY[E'CREATE TABLE public.first (id int);\n',
          E'-- header\nCREATE TABLE public.second (\n    id int,\n    name text varchar\n);\n'],
    ARRAY['db/schema/a.sql', 'db/schema/b.sql']);

-- A statement referring to a missing table. Where PostgreSQL gives a position, the line is the
-- error's own line inside the statement (3 here); where it gives none (a foreign key's target),
-- it is the statement's first line.
SELECT * FROM confiture.build_from(
    ARRAY[E'CREATE VIEW public.orphans AS\nSELECT id\nFROM public.parent;\n'],
    ARRAY['db/schema/view.sql']);
SELECT * FROM confiture.build_from(
    ARRAY[E'CREATE TABLE public.child (\n    id int,\n    parent_id int REFERENCES public.parent (id)\n);\n'],
    ARRAY['db/schema/child.sql']);

-- A type that does not exist.
SELECT * FROM confiture.build_from(ARRAY[E'SELECT 1;\n\nCREATE TABLE public.t (x nosuchtype);'], ARRAY['types.sql']);

-- psql meta-commands are not SQL.
SELECT * FROM confiture.build_from(ARRAY[E'CREATE TABLE public.m (id int);\n\\i other.sql\n'], ARRAY['meta.sql']);
SELECT * FROM confiture.build_from(ARRAY[E'\\set ON_ERROR_STOP on\nSELECT 1;'], ARRAY['meta2.sql']);

-- Transaction control and client COPY cannot run in a build.
SELECT * FROM confiture.build_from(ARRAY[E'BEGIN;\nCREATE TABLE public.tx (id int);\nCOMMIT;\n'], ARRAY['tx.sql']);
SELECT * FROM confiture.build_from(ARRAY[E'CREATE TABLE public.c (id int);\nCOPY public.c FROM stdin;\n'], ARRAY['copy.sql']);

-- Statements that cannot run inside a transaction are refused by name, attributed, with the way out.
SELECT * FROM confiture.build_from(ARRAY[E'CREATE TABLE public.v (id int);\nVACUUM public.v;\n'], ARRAY['vacuum.sql']);

-- An error raised inside a DO block the file runs.
SELECT * FROM confiture.build_from(ARRAY[E'SELECT 1;\nDO $$ BEGIN RAISE EXCEPTION ''custom failure''; END $$;\n'], ARRAY['do.sql']);

-- Unterminated string: found by the scanner, the statement start is still right.
SELECT * FROM confiture.build_from(ARRAY[E'SELECT 1;\nSELECT ''never closed;\nSELECT 2;\n'], ARRAY['quote.sql']);

-- Empty files and bad arrays.
-- A file of comments only builds nothing (the Python confiture's init writes such files).
SELECT file_count, statement_count FROM confiture.build_from(ARRAY[E'-- nothing but a comment\n'], ARRAY['empty.sql']);
SELECT * FROM confiture.build_from(ARRAY[]::text[]);
SELECT * FROM confiture.build_from(NULL);
SELECT * FROM confiture.build_from(ARRAY['SELECT 1', NULL], ARRAY['a.sql', 'b.sql']);
SELECT * FROM confiture.build_from(ARRAY['SELECT 1'], ARRAY['a.sql', 'b.sql']);
SELECT * FROM confiture.build_from(ARRAY['SELECT 1'], ARRAY['']);

-- Nothing of the failed builds remains; the backend is healthy.
SELECT count(*) AS builds FROM confiture.build_history;
SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace ORDER BY relname;

-- Caught by a PL/pgSQL exception block (a subtransaction): rolled back, the session goes on.
DO $$
BEGIN
    PERFORM * FROM confiture.build_from(ARRAY['CREATE TABLE public.half (id int);', 'CREATE TABLE oops']);
EXCEPTION WHEN syntax_error THEN
    RAISE NOTICE 'caught: %', SQLERRM;
END $$;
SELECT to_regclass('public.half') IS NULL AS half_is_gone;
SELECT statement_count FROM confiture.build_from(ARRAY['CREATE TABLE public.after_error (id int);']);

DROP TABLE public.survivor, public.after_error;
DROP EXTENSION confiture;
