-- Schema-to-schema in SQL: this database attached to itself (schema old_app is the source,
-- app the target), copied in batches by the procedure, verified; then the errors.
CREATE EXTENSION confiture;
CREATE SCHEMA old_app;
CREATE TABLE old_app.people (id int PRIMARY KEY, name text NOT NULL, kind text);
INSERT INTO old_app.people SELECT g, 'Ann ' || g, CASE WHEN g % 2 = 0 THEN 'a' ELSE 'b' END FROM generate_series(1, 2500) g;
CREATE TABLE old_app.tags (owner text, n int, label text, PRIMARY KEY (owner, n));
INSERT INTO old_app.tags SELECT 'user ' || (g % 5), g, 'x' || g FROM generate_series(1, 40) g;
CREATE SCHEMA app;
CREATE TABLE app.tags (owner text, n int, label text, PRIMARY KEY (owner, n));
CREATE TYPE app.kind AS ENUM ('a', 'b');
CREATE TABLE app.persons (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, full_name text NOT NULL, kind app.kind, note text NOT NULL DEFAULT '-');
SELECT source_schema, staging_schema, tables
FROM confiture.s2s_attach(jsonb_build_object('host', '127.0.0.1', 'port', current_setting('port'), 'dbname', current_database()), '{old_app}');
-- Without a mapping, a target table with no source table of its name is an error.
SELECT target_table, errors FROM confiture.s2s_plan('{}') WHERE errors <> '{}' ORDER BY 1;
-- An expression or cast holding a second statement is refused by the plan's check, never run.
SELECT errors FROM confiture.s2s_plan('{"tables": {"app.persons": {"from": "old_app.people", "columns": {"full_name": {"expr": "name); DROP TABLE old_app.people; SELECT (1"}, "kind": {"cast": "app.kind"}}}}}')
WHERE target_table = 'app.persons';
SELECT count(*) AS people_still_there FROM old_app.people;
SELECT position, target_table, source_table, batch_key, hazards, errors
FROM confiture.s2s_plan('{"tables": {"app.persons": {"from": "old_app.people", "columns": {"full_name": "name", "kind": {"cast": "app.kind"}}}, "app.tags": {"from": "old_app.tags"}}}');
CALL confiture.s2s_copy_table('app.persons', '{"batch_rows": 1000}');
-- A two-column key with text first, 7 rows a batch: every row once, in the source's order.
CALL confiture.s2s_copy_table('app.tags', '{"batch_rows": 7}');
SELECT rows_copied, batches, last_key FROM confiture.s2s_tables WHERE target_table = 'app.tags';
SELECT matches, source_rows, target_rows FROM confiture.s2s_verify('app.tags');
SELECT state, rows_copied, batches, last_key FROM confiture.s2s_tables WHERE target_table = 'app.persons';
SELECT target_table, source_table, source_rows, target_rows, matches, differing FROM confiture.s2s_verify('app.persons');
SELECT sequence_name, value FROM confiture.s2s_sync_sequences();
SELECT nextval('app.persons_id_seq') > 2500 AS identity_moved_on;
-- A changed target row is found by the copy-time checksum and named; a source row changed after
-- the copy only by reading the source again (mode source); counts by mode count.
UPDATE app.persons SET kind = 'b' WHERE id = 42;
SELECT matches, differing FROM confiture.s2s_verify('app.persons');
UPDATE app.persons SET kind = 'a' WHERE id = 42;
UPDATE old_app.people SET name = 'Bob' WHERE id = 7;
SELECT (SELECT matches FROM confiture.s2s_verify('app.persons')) AS checksum_matches,
       (SELECT differing FROM confiture.s2s_verify('app.persons', 'source')) AS source_differs,
       (SELECT matches FROM confiture.s2s_verify('app.persons', 'count')) AS counts_match;
-- A second copy call of a finished table does nothing.
SELECT rows_copied, batch_rows, done FROM confiture.s2s_copy('app.persons');
SELECT count(*) AS dropped FROM confiture.s2s_detach();
SELECT count(*) AS dropped_again FROM confiture.s2s_detach();
SELECT (SELECT count(*) FROM pg_foreign_server) + (SELECT count(*) FROM pg_foreign_table)
     + (SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'confiture\_s2s%') AS left_behind;
-- Errors: nothing attached, unknown settings and options, no schema, unplanned table, bad mode.
SELECT * FROM confiture.s2s_plan('{}');
SELECT * FROM confiture.s2s_attach('{"host": "localhost", "pasword": "x"}');
SELECT * FROM confiture.s2s_attach('{"host": "localhost"}', '{public}', '{"fetch_sise": 10}');
SELECT * FROM confiture.s2s_attach('{"host": "localhost"}', '{}');
SELECT * FROM confiture.s2s_attach(NULL);
SELECT * FROM confiture.s2s_copy('old_app.people');
SELECT * FROM confiture.s2s_verify('app.persons', 'exact');
-- A role that is not a superuser needs a password (postgres_fdw requires one), and the
-- functions are not for PUBLIC.
CREATE ROLE s2s_nobody;
SET ROLE s2s_nobody;
SELECT * FROM confiture.s2s_detach();
RESET ROLE;
GRANT EXECUTE ON FUNCTION confiture.s2s_attach(jsonb, text[], jsonb) TO s2s_nobody;
SET ROLE s2s_nobody;
SELECT * FROM confiture.s2s_attach('{"host": "localhost"}');
RESET ROLE;
DROP OWNED BY s2s_nobody;
DROP ROLE s2s_nobody;
DROP EXTENSION confiture;
