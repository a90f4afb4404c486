CREATE TABLE t (id int, label text);
CREATE VIEW v AS SELECT id, label FROM t;
ALTER VIEW v ALTER COLUMN label SET DEFAULT 'none';
