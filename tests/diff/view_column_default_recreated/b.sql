CREATE TABLE t (id int, label varchar(20));
CREATE VIEW v AS SELECT id, label FROM t;
ALTER VIEW v ALTER COLUMN label SET DEFAULT 'none';
