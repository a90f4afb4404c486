INSERT INTO t (id, k, n) VALUES (1, 'b', 1);
