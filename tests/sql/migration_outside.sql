-- Statements that cannot run in a transaction block, recognised with PostgreSQL's parser.
CREATE EXTENSION confiture;
CREATE TABLE big (id bigint PRIMARY KEY, v text);
CREATE TABLE parted (id int) PARTITION BY RANGE (id);
CREATE TABLE parted_1 PARTITION OF parted FOR VALUES FROM (0) TO (10);

-- Registration notes the first such statement of each script, with its line.
SELECT confiture.register_migration('1', 'add_v', 'ALTER TABLE big ADD COLUMN w text;');
SELECT confiture.register_migration('2', 'index_v',
    E'SET lock_timeout = ''5s'';\n-- CONCURRENTLY: no write lock while it builds\nCREATE INDEX CONCURRENTLY big_v ON big (v);\n',
    'DROP INDEX CONCURRENTLY big_v;');
SELECT confiture.register_migration('3', 'add_x', 'ALTER TABLE big ADD COLUMN x text;', 'ALTER TABLE big DROP COLUMN x;');
SELECT version, up_outside_transaction, down_outside_transaction FROM confiture.migrations ORDER BY version;

-- Every kind the parser knows; a statement that is fine in a transaction is not flagged.
SELECT confiture.register_migration(v::text, 'kind_' || v, sql) FROM (VALUES
    (101, 'REINDEX INDEX CONCURRENTLY big_pkey'),
    (102, 'REINDEX (VERBOSE, CONCURRENTLY) TABLE big'),
    (103, 'REINDEX SCHEMA public'),
    (104, 'REINDEX TABLE big'),
    (105, 'VACUUM (ANALYZE) big'),
    (106, 'ANALYZE big'),
    (107, 'ALTER TABLE parted DETACH PARTITION parted_1 CONCURRENTLY'),
    (108, 'ALTER TABLE parted DETACH PARTITION parted_1'),
    (109, 'CREATE DATABASE x'),
    (110, 'ALTER SYSTEM SET work_mem = ''8MB'''),
    (111, 'DROP INDEX big_pkey'),
    (112, E'SELECT ''CREATE INDEX CONCURRENTLY in a string'';'),
    (113, 'CLUSTER')) AS k(v, sql);
SELECT version, up_outside_transaction FROM confiture.migrations WHERE version::int > 100 ORDER BY version::int;
DELETE FROM confiture.migrations WHERE version::int > 100;

-- migrate_up refuses a plan holding one before anything runs, and says how to go on.
SELECT * FROM confiture.migrate_up();
SELECT count(*) AS columns_w FROM information_schema.columns WHERE table_name = 'big' AND column_name = 'w';
-- What comes before it runs in a transaction as usual.
SELECT version, status FROM confiture.migrate_up(target => '1');
-- A dry run stops at it: it could not be rolled back.
SELECT version, status, error->>'message' AS error FROM confiture.migrate_up(dry_run => true);

-- The client (confiture migrate up) gets its statements with their lines, runs them one at a
-- time outside a transaction, and records them.
SELECT * FROM confiture.migration_statements('2');
SELECT confiture.record_outside_transaction('2', 'up', 'started');
CREATE INDEX CONCURRENTLY big_v ON big (v);
SELECT confiture.record_outside_transaction('2', 'up', 'completed', 12.5, 2, 0);
SELECT version, statement_count FROM confiture.migration_history ORDER BY version;
SELECT event, version, detail->>'outside_transaction' AS outside FROM confiture.migration_events
WHERE version = '2' ORDER BY id;
-- The migrations after it run in a transaction again.
SELECT version, status FROM confiture.migrate_up();
-- migrate_down refuses it the same way, after what comes before it.
SELECT * FROM confiture.migrate_down(2);
SELECT version, status FROM confiture.migrate_down(1);

-- Bad input: recording what is not outside a transaction, or not in the right state.
SELECT confiture.record_outside_transaction('1', 'up', 'completed');
SELECT confiture.record_outside_transaction('2', 'up', 'completed');
SELECT confiture.record_outside_transaction('2', 'sideways', 'completed');
SELECT confiture.record_outside_transaction('2', 'down', 'finished');
SELECT confiture.record_outside_transaction('9', 'up', 'started');
SELECT * FROM confiture.migration_statements('1');
SELECT confiture.register_migration('4', 'bad_syntax', E'SELECT 1;\nCREATE INDEX CONCURRENTLY ON;\n');
SELECT up_outside_transaction FROM confiture.migrations WHERE version = '4';
-- A build is one transaction: refused by name, with the plain form to use.
SELECT * FROM confiture.build_from(ARRAY[E'CREATE TABLE t (v int);\nCREATE INDEX CONCURRENTLY ON t (v);\n'], ARRAY['t.sql']);

DROP TABLE big, parted;
DROP EXTENSION confiture;
