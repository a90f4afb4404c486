-- Schema diff: a snapshot of the catalog, the plan between two snapshots, hazards refused.
CREATE EXTENSION confiture;
CREATE SCHEMA diffdemo;
CREATE TABLE diffdemo.account (id int PRIMARY KEY, obsolete text);
CREATE VIEW diffdemo.account_ids AS SELECT id FROM diffdemo.account;
CREATE TEMP TABLE before AS SELECT confiture.catalog_snapshot(ARRAY['diffdemo']) AS snapshot;
-- The snapshot names only the schemas asked for, and lists the view's dependency on the table.
SELECT jsonb_array_length(snapshot -> 'relations') AS relations,
       snapshot -> 'schemas' -> 0 ->> 'name' AS schema,
       snapshot -> 'dependencies' @> '[[["relation","diffdemo","account_ids",""],["column","diffdemo","account","id"]]]' AS view_needs_column
FROM before;

DROP VIEW diffdemo.account_ids;
ALTER TABLE diffdemo.account DROP COLUMN obsolete;
ALTER TABLE diffdemo.account ALTER COLUMN id TYPE bigint;
CREATE VIEW diffdemo.account_ids AS SELECT id FROM diffdemo.account;
ALTER TABLE diffdemo.account ADD COLUMN name text NOT NULL DEFAULT '';
CREATE INDEX account_name ON diffdemo.account (name);
COMMENT ON TABLE diffdemo.account IS 'who pays';
CREATE TEMP TABLE after AS SELECT confiture.catalog_snapshot(ARRAY['diffdemo']) AS snapshot;

-- Identical snapshots: no statement.
SELECT count(*) AS statements FROM confiture.schema_diff((SELECT snapshot FROM after), (SELECT snapshot FROM after));

-- before -> after drops a column: refused unless the hazard is allowed.
SELECT count(*) FROM confiture.schema_diff((SELECT snapshot FROM before), (SELECT snapshot FROM after));
-- Allowed: the view is dropped and recreated around the column type change, the index is built
-- CONCURRENTLY (outside a transaction).
SELECT seq, object_kind, object_name, transactional, hazards, lock_mode, ddl
FROM confiture.schema_diff((SELECT snapshot FROM before), (SELECT snapshot FROM after), '{"allow_hazards": ["deletes_data"]}');

-- after -> before drops the new column: refused too.
SELECT count(*) FROM confiture.schema_diff((SELECT snapshot FROM after), (SELECT snapshot FROM before));
SELECT seq, object_kind, object_name, hazards
FROM confiture.schema_diff((SELECT snapshot FROM after), (SELECT snapshot FROM before), '{"allow_hazards": ["deletes_data"]}');

-- Bad arguments are errors naming them, never an empty plan.
SELECT * FROM confiture.schema_diff(NULL, '{}');
SELECT * FROM confiture.schema_diff('{"relations": []}', (SELECT snapshot FROM after));
SELECT * FROM confiture.schema_diff((SELECT snapshot FROM after), (SELECT snapshot FROM after), '{"allow_hazards": ["everything"]}');
SELECT * FROM confiture.schema_diff((SELECT snapshot FROM after), (SELECT snapshot FROM after), '{"no_such_option": 1}');
SELECT * FROM confiture.schema_diff('[1]', (SELECT snapshot FROM after));

-- Every role may snapshot and diff: both only read the catalog.
CREATE ROLE diff_snapshot_reader;
SET ROLE diff_snapshot_reader;
SELECT jsonb_typeof(confiture.catalog_snapshot(ARRAY['diffdemo'])) AS snapshot_type;
RESET ROLE;
DROP ROLE diff_snapshot_reader;
DROP SCHEMA diffdemo CASCADE;
DROP EXTENSION confiture;
