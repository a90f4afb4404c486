CREATE TABLE t (id int PRIMARY KEY, name text);
CREATE VIEW v WITH (security_invoker = true, check_option = cascaded) AS SELECT id FROM t WHERE id > 0;
