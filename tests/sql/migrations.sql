-- Migrations registered in the database, applied in version order, all or nothing.
CREATE EXTENSION confiture;
SELECT confiture.register_migration('1', 'create_customer', E'CREATE TABLE customer (id bigint PRIMARY KEY, name text);\n', 'DROP TABLE customer;');
SELECT confiture.register_migration('1', 'create_customer', E'CREATE TABLE customer (id bigint PRIMARY KEY, name text);\n', 'DROP TABLE customer;');
SELECT confiture.register_migration('2', 'seed_customers', E'INSERT INTO customer VALUES (1, ''a''), (2, ''b'');\n', 'DELETE FROM customer;');
-- A 14-digit timestamp version sorts after the short ones.
SELECT confiture.register_migration('20260101120000', 'add_email', E'ALTER TABLE customer ADD COLUMN email text;\n', 'ALTER TABLE customer DROP COLUMN email;');
SELECT * FROM confiture.migration_status();

-- Up to a target, then the rest; rows_affected counts what the statements touched.
SELECT version, name, status, statements, rows_affected FROM confiture.migrate_up('2');
SELECT version, name, status, statements, rows_affected FROM confiture.migrate_up();
SELECT version, name, status, statements, rows_affected FROM confiture.migrate_up();
SELECT * FROM confiture.migration_status();

-- A migration failing in its 3rd statement: the error names the file and line, nothing remains.
SELECT confiture.register_migration('20260102000000', 'broken', E'ALTER TABLE customer ADD COLUMN a int;\nALTER TABLE customer ADD COLUMN b int;\nALTER TABLE nope ADD COLUMN c int;\n');
SELECT * FROM confiture.migrate_up();
SELECT count(*) AS columns_a_or_b FROM information_schema.columns WHERE table_name = 'customer' AND column_name IN ('a', 'b');
SELECT count(*) AS history_rows FROM confiture.migration_history;
-- Fix the pending migration: a changed text of an unapplied migration is simply updated.
SELECT confiture.register_migration('20260102000000', 'broken', E'ALTER TABLE customer ADD COLUMN a int;\n', 'ALTER TABLE customer DROP COLUMN a;');
SELECT version, status FROM confiture.migrate_up();

-- Drift: an applied migration whose text changed is refused, and shown by status.
SELECT confiture.register_migration('1', 'create_customer', E'CREATE TABLE customer (id bigint PRIMARY KEY, name text NOT NULL);\n', 'DROP TABLE customer;');
SELECT * FROM confiture.migration_status(ARRAY['1'], ARRAY['0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef']) WHERE version = '1';
-- Accepting the new text is an explicit, recorded act.
SELECT length(confiture.accept_checksum('1', E'CREATE TABLE customer (id bigint PRIMARY KEY, name text NOT NULL);\n')) AS checksum_length;
SELECT version, checksum_accepted_by FROM confiture.migration_history WHERE version = '1';
SELECT confiture.register_migration('1', 'create_customer', E'CREATE TABLE customer (id bigint PRIMARY KEY, name text NOT NULL);\n', 'DROP TABLE customer;');

-- Down: newest first; a missing down script is refused before anything runs.
SELECT version, status FROM confiture.migrate_down();
SELECT confiture.register_migration('20260103000000', 'no_way_back', E'CREATE TABLE one_way (id int);\n');
SELECT version, status FROM confiture.migrate_up();
SELECT * FROM confiture.migrate_down(2);
SELECT count(*) AS one_way_still_there FROM pg_class WHERE relname = 'one_way';
SELECT count(*) AS history_rows FROM confiture.migration_history;
SELECT * FROM confiture.migrate_down(0);

-- Dry runs: always rolled back; they report rows, the locks taken and the tables rewritten.
CREATE TABLE big (id bigint PRIMARY KEY, v text);
INSERT INTO big SELECT g, 'x' FROM generate_series(1, 1000) g;
SELECT relfilenode AS big_storage FROM pg_class WHERE relname = 'big' \gset
SELECT status, statements, rows_affected, locks, rewritten, error
FROM confiture.dry_run('ALTER TABLE big ADD COLUMN c int DEFAULT random()::int');
SELECT status, statements, rows_affected, locks, rewritten, error
FROM confiture.dry_run(E'UPDATE big SET v = ''y'' WHERE id <= 10;\nALTER TABLE big ADD COLUMN d int;');
SELECT status, error->>'message' AS error, error->>'sqlstate' AS sqlstate FROM confiture.dry_run(E'SELECT 1;\nALTER TABLE nope ADD COLUMN x int;', 'broken.sql');
SELECT relfilenode = :big_storage AS same_storage,
       (SELECT count(*) FROM information_schema.columns WHERE table_name = 'big') AS big_columns,
       (SELECT count(*) FROM big WHERE v = 'y') AS updated_rows
FROM pg_class WHERE relname = 'big';
SELECT confiture.register_migration('20260104000000', 'add_c', 'ALTER TABLE big ADD COLUMN c int DEFAULT random()::int;');
SELECT confiture.register_migration('20260105000000', 'fill_c', 'UPDATE big SET c = 1 WHERE id < 50;');
SELECT version, status, rows_affected, locks, rewritten FROM confiture.migrate_up(dry_run => true);
SELECT count(*) AS still_pending FROM confiture.migration_status() WHERE state = 'pending';
SELECT confiture.register_migration('20260106000000', 'fails', 'ALTER TABLE big ADD COLUMN e nosuchtype;');
SELECT version, status, error->>'message' AS error FROM confiture.migrate_up(dry_run => true);
DELETE FROM confiture.migrations WHERE version IN ('20260104000000', '20260105000000', '20260106000000');
DROP TABLE big;

-- Bad input.
SELECT confiture.register_migration('v1', 'x', 'SELECT 1');
SELECT confiture.register_migration('4', ' ', 'SELECT 1');
SELECT confiture.register_migration('4', 'empty', E'-- nothing\n');
SELECT * FROM confiture.migrate_up('999');
SELECT confiture.accept_checksum('42', 'SELECT 1');
SELECT * FROM confiture.migration_status(ARRAY['1', '2'], ARRAY['abc']);

-- Who may do what.
CREATE ROLE migration_reader LOGIN;
SET ROLE migration_reader;
SELECT count(*) > 0 AS can_read_status FROM confiture.migration_status();
SELECT * FROM confiture.migrate_up();
RESET ROLE;
DROP ROLE migration_reader;

DROP TABLE customer, one_way;
DROP EXTENSION confiture;
