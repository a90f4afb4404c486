CREATE TABLE t (a int CONSTRAINT a_small CHECK (a < 10));
