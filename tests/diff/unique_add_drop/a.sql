CREATE TABLE t (a int, b int, CONSTRAINT t_a_key UNIQUE (a));
