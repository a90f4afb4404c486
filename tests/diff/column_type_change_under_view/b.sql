CREATE TABLE t (id int, amount numeric(12,2));
CREATE VIEW v AS SELECT id, amount FROM t;
CREATE VIEW vv AS SELECT amount FROM v;
