CREATE TABLE t (id int, amount int);
CREATE VIEW v AS SELECT id, amount FROM t;
CREATE VIEW vv AS SELECT amount FROM v;
