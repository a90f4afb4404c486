CREATE TABLE t (doc text);
