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

-- Bad input.
SELECT confiture.register_migration('v1', 'x', 'SELECT 1');
SELECT confiture.register_migration('4', ' ', 'SELECT 1');
SELECT confiture.register_migration('4', 'empty', E'-- nothing\n');
SELECT * FROM confiture.migrate_up('999');
SELECT confiture.accept_checksum('42', 'SELECT 1');

-- Who may do what.
CREATE ROLE migration_reader LOGIN;
SET ROLE migration_reader;
SELECT count(*) > 0 AS can_read_status FROM confiture.migration_status();
SELECT * FROM confiture.migrate_up();
RESET ROLE;
DROP ROLE migration_reader;

DROP TABLE customer, one_way;
DROP EXTENSION confiture;
