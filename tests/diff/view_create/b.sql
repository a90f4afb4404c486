CREATE TABLE t (id int PRIMARY KEY, name text);
CREATE VIEW named AS SELECT id, name FROM t WHERE name IS NOT NULL;
COMMENT ON VIEW named IS 'rows with a name';
