CREATE TABLE t (a int CONSTRAINT a_positive CHECK (a > 0));
