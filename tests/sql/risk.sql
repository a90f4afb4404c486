-- Migration risk assessment (docs/risk.md): the documented model (no scratch copy here), the
-- live sizes, observations brought in options, calibration, errors.
CREATE EXTENSION confiture;
CREATE TABLE orders (id bigint PRIMARY KEY, customer_id int, total numeric(10,2), note text);
INSERT INTO orders SELECT i, i % 100, i / 100.0, NULL FROM generate_series(1, 20000) AS i;
ANALYZE orders;
CREATE TABLE customers (id int PRIMARY KEY);
CREATE VIEW order_notes AS SELECT id, note FROM orders;

-- From the model: lock, rewrite (NULL: depends on the types), scan, size, hazards, level.
SELECT statement_no, line, lock_mode, locked_relations, rewrites, scans, table_rows, hazards, risk, level, observed
  FROM confiture.assess_migration($$
ALTER TABLE orders ADD COLUMN status text;
SET lock_timeout = '2s';
ALTER TABLE orders ADD COLUMN shipped boolean;
ALTER TABLE orders ALTER COLUMN total TYPE numeric(12,2);
CREATE INDEX ON orders (customer_id);
CREATE INDEX CONCURRENTLY orders_note ON orders (note);
ALTER TABLE orders ADD CONSTRAINT orders_customer_fk FOREIGN KEY (customer_id) REFERENCES customers NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_customer_fk;
ALTER TABLE orders ALTER COLUMN customer_id SET NOT NULL;
ALTER TABLE orders DROP COLUMN note;
COMMENT ON TABLE orders IS 'orders';
UPDATE orders SET total = 0;
CREATE TABLE created_here (id int);
$$, 'shapes.sql');

-- The advice names the safer way, and what uses a dropped column.
SELECT statement_no, advice FROM confiture.assess_migration($$
CREATE INDEX ON orders (customer_id);
ALTER TABLE orders DROP COLUMN note;
$$) ORDER BY statement_no;

-- Observations (what the CLI brings from a scratch copy) replace the model.
SELECT statement_no, lock_mode, locked_relations, rewrites, scans, hazards, observed
  FROM confiture.assess_migration(
    'ALTER TABLE orders ALTER COLUMN total TYPE numeric(12,3); ALTER TABLE orders ADD COLUMN x int DEFAULT 1;',
    'observed.sql',
    '{"observed": [{"statement_no": 1, "locks": {"public.orders": "AccessExclusiveLock"}, "rewritten": ["public.orders"], "scanned": []},
                   {"statement_no": 2, "error": "boom"}]}');

-- Calibration: measured on a scratch table (rolled back), kept, and used by the estimates.
SELECT rows, table_bytes > 0 AS measured, rewrite_bytes_per_second > 0 AS rates FROM confiture.calibrate(2000);
SELECT count(*) AS calibrations FROM confiture.risk_calibration;
SELECT count(*) AS leftovers FROM pg_namespace WHERE nspname = 'confiture_calibration';
UPDATE confiture.risk_calibration SET rewrite_bytes_per_second = 1000000;
-- A rewrite moves the table and its indexes (their size from pg_class: no lock taken).
SELECT est_seconds = round((SELECT sum(relpages) * 8192 FROM pg_class
                             WHERE oid IN ('orders'::regclass, 'orders_pkey'::regclass)) / 1000000.0, 3) AS uses_calibration
  FROM confiture.assess_migration('ALTER TABLE orders ALTER COLUMN total TYPE numeric(12,3)', 'x',
       '{"observed": [{"statement_no": 1, "locks": {"public.orders": "AccessExclusiveLock"}, "rewritten": ["public.orders"]}]}');

-- Pending registered migrations, in run order, each with its version.
SELECT confiture.register_migration('1', 'first', 'ALTER TABLE orders ADD COLUMN a int;');
SELECT confiture.register_migration('2', 'second', 'SET lock_timeout = ''1s''; ALTER TABLE orders ADD COLUMN b int;');
SELECT version, statement_no, hazards, level FROM confiture.assess_migrations();
SELECT version, statement_no FROM confiture.assess_migrations('1');

-- Errors: a syntax error names the file and line; bad options and answers are refused.
SELECT * FROM confiture.assess_migration(E'SELECT 1;\nALTER TABLE orders ADD COLUMN;', 'broken.sql');
SELECT * FROM confiture.assess_migration('SELECT 1', 'x', '{"observed": {"statement_no": 1}}');
SELECT * FROM confiture.calibrate(10);
SELECT confiture.record_migration_answer('1', 'maybe');
SELECT confiture.record_migration_answer('1', 'no', '{"level": "high"}');
SELECT event, version, detail FROM confiture.migration_events WHERE event = 'migration_answered';

DROP VIEW order_notes;
DROP TABLE orders, customers;
DROP EXTENSION confiture;
