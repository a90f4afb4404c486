CREATE TABLE t (id int PRIMARY KEY, name text CHECK (name <> ''));
CREATE INDEX t_name ON t (name);
