CREATE TABLE t (id int PRIMARY KEY, full_name text CHECK (full_name <> ''));
CREATE INDEX t_name ON t (full_name);
